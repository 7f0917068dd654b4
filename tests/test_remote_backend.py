"""The remote backend's own behaviour: `wcokg build --update-endpoint`, and a server that goes away.

The protocol itself is tested on both backends in test_endpoint.py.
"""
from __future__ import annotations

import json

from conftest import wcokg
from servers import free_port, start_oxigraph, stop
from test_endpoint import LABELS, get, start_wcokg


def graph_count(endpoint: str) -> int:
    status, _, body = get(endpoint, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                          {"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_build_loads_the_graphs_into_a_sparql_server(tmp_path, built):
    oxigraph, process = start_oxigraph(tmp_path / "oxigraph")
    try:
        out = wcokg("build", "--store", str(tmp_path / "store"), "--endpoint", f"{oxigraph}/query",
                    "--update-endpoint", f"{oxigraph}/update")
        assert out.returncode == 0, out.stderr
        assert "loading" in out.stderr
        from wcokg.store import Store

        local = Store(built, read_only=True)
        assert graph_count(f"{oxigraph}/query") == len(local.named_graphs())
        # A second load replaces rather than adds.
        count = get(f"{oxigraph}/query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[2]
        out = wcokg("build", "--store", str(tmp_path / "store"), "--update-endpoint", f"{oxigraph}/update")
        assert out.returncode == 0, out.stderr
        assert get(f"{oxigraph}/query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[2] == count
    finally:
        stop(process)


def test_build_endpoint_needs_an_update_endpoint(tmp_path):
    out = wcokg("build", "--store", str(tmp_path / "store"), "--endpoint", "http://127.0.0.1:9/query",
                env={"WCOKG_UPDATE_ENDPOINT": ""})
    assert out.returncode == 2 and "--update-endpoint" in out.stderr
    assert not (tmp_path / "store").exists()


def test_build_reports_an_unreachable_server(tmp_path):
    out = wcokg("build", "--store", str(tmp_path / "store"), "--update-endpoint", f"http://127.0.0.1:{free_port()}/update")
    assert out.returncode == 2 and "unreachable" in out.stderr


def test_a_server_that_goes_away_gives_502_and_the_endpoint_recovers(tmp_path, built):
    from test_endpoint import load_into

    port = free_port()
    oxigraph, process = start_oxigraph(tmp_path / "oxigraph", port)
    load_into(oxigraph, built)
    base, server = start_wcokg(built.store, {"WCOKG_ENDPOINT": f"{oxigraph}/query"})
    try:
        assert get(f"{base}/sparql", LABELS)[0] == 200
        stop(process)
        status, _, body = get(f"{base}/sparql", LABELS)
        assert status == 502 and b"unreachable" in body and oxigraph.encode() in body
        assert get(f"{base}/healthz", "")[0] == 503
        oxigraph, process = start_oxigraph(tmp_path / "oxigraph", port)
        status, _, body = get(f"{base}/sparql", LABELS)
        assert status == 200 and b"Conseil" in body
    finally:
        stop(server)
        stop(process)
