"""/sparql over real HTTP (granian on 127.0.0.1), with SPARQLWrapper and rdflib as clients.

Every test runs twice: on the embedded store, and on a real Oxigraph server the endpoint
forwards to (the remote backend).
"""
from __future__ import annotations

import csv
import io
import json
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper

import servers
from servers import start_oxigraph, stop

BASE = "https://w3id.org/wcokg/"
COUNCIL = f"{BASE}body/Council"
LABELS = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
          f"SELECT ?label WHERE {{ <{COUNCIL}> rdfs:label ?label }} ORDER BY ?label")
DESCRIBE_COUNCIL = f"CONSTRUCT WHERE {{ <{COUNCIL}> ?p ?o }}"
#: Runs for ever on any non-trivial store: a cross product of every triple, three times.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MAX_ROWS = 50
TIMEOUT = 3


# -- servers ---------------------------------------------------------------------------------

def start_wcokg(store: Path, env: dict | None = None) -> tuple[str, subprocess.Popen]:
    """`wcokg serve` with this file's small limits, so that they can be reached."""
    return servers.start_wcokg(store, {"WCOKG_QUERY_TIMEOUT": str(TIMEOUT), "WCOKG_MAX_ROWS": str(MAX_ROWS), **(env or {})})


def load_into(oxigraph: str, settings) -> None:
    """Mirror a built store into the Oxigraph server, as `wcokg build --update-endpoint` does."""
    from wcokg.cli import _load_remote

    assert _load_remote(settings, f"{oxigraph}/update") == 0


@pytest.fixture(scope="session")
def embedded_server(built):
    base, process = start_wcokg(built.store)
    yield base, process
    stop(process)


@pytest.fixture(scope="session")
def embedded(embedded_server):
    return embedded_server[0]


@pytest.fixture(scope="session")
def oxigraph(built, tmp_path_factory):
    base, process = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    load_into(base, built)
    yield base
    stop(process)


@pytest.fixture(scope="session")
def remote(built, oxigraph):
    base, process = start_wcokg(built.store, {"WCOKG_ENDPOINT": f"{oxigraph}/query"})
    yield base
    stop(process)


@pytest.fixture(params=["embedded", "remote"])
def endpoint(request) -> str:
    """The /sparql URL of a running server, on each backend in turn."""
    return request.getfixturevalue(request.param) + "/sparql"


# -- clients -----------------------------------------------------------------------------------

def fetch(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """(status, headers, body) of one HTTP exchange, errors included."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def get(endpoint: str, query: str, headers: dict | None = None, **params):
    return fetch(f"{endpoint}?{urllib.parse.urlencode({'query': query, **params})}", headers=headers)


def label_rows(body: bytes, media_type: str) -> list[str]:
    if media_type == "text/csv":  # lossy: pyoxigraph does not read it back
        return [row["label"] for row in csv.DictReader(io.StringIO(body.decode()))]
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    return [row["label"].value for row in ox.parse_query_results(body, fmt)]


# -- the protocol ----------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", URLENCODED, POSTDIRECTLY])
def test_sparqlwrapper_queries_with_each_method(endpoint, method):
    client = SPARQLWrapper(endpoint)
    client.setQuery(LABELS)
    client.setReturnFormat(JSON)
    if method != "GET":
        client.setMethod(POST)
        client.setRequestMethod(method)
    bindings = client.queryAndConvert()["results"]["bindings"]
    assert [(b["label"]["value"], b["label"]["xml:lang"]) for b in bindings] == [("Conseil", "fr"), ("Council", "en")]


def test_rdflib_sparqlstore_reads_the_graph(endpoint):
    graph = rdflib.Graph(SPARQLStore(endpoint, returnFormat="xml"))
    labels = {str(o) for o in graph.objects(rdflib.URIRef(COUNCIL), rdflib.RDFS.label)}
    assert labels == {"Council", "Conseil"}


@pytest.mark.parametrize("fmt, media_type", [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_select_formats_by_accept_and_by_parameter(endpoint, fmt, media_type):
    for status, headers, body in (get(endpoint, LABELS, {"Accept": media_type}), get(endpoint, LABELS, format=fmt)):
        assert status == 200, body
        assert headers.get_content_type() == media_type
        assert label_rows(body, media_type) == ["Conseil", "Council"]


@pytest.mark.parametrize("fmt, media_type, rdflib_format", [
    ("turtle", "text/turtle", "turtle"), ("nt", "application/n-triples", "nt"),
    ("jsonld", "application/ld+json", "json-ld"), ("rdfxml", "application/rdf+xml", "xml")])
def test_construct_formats_by_accept_and_by_parameter(endpoint, fmt, media_type, rdflib_format):
    _, _, reference = get(endpoint, DESCRIBE_COUNCIL, format="nt")
    expected = rdflib.Graph().parse(data=reference, format="nt")
    assert len(expected) > 5
    for status, headers, body in (get(endpoint, DESCRIBE_COUNCIL, {"Accept": media_type}),
                                  get(endpoint, DESCRIBE_COUNCIL, format=fmt)):
        assert status == 200, body
        assert headers.get_content_type() == media_type
        assert rdflib.Graph().parse(data=body, format=rdflib_format).isomorphic(expected)


def test_accept_q_values_pick_the_preferred_format(endpoint):
    status, headers, body = get(endpoint, LABELS, {"Accept": "text/csv;q=0.5, text/tab-separated-values;q=0.9, */*;q=0.1"})
    assert (status, headers.get_content_type()) == (200, "text/tab-separated-values")
    status, headers, _ = get(endpoint, DESCRIBE_COUNCIL, {"Accept": "application/rdf+xml;q=0.2, application/n-triples"})
    assert (status, headers.get_content_type()) == (200, "application/n-triples")
    status, headers, _ = get(endpoint, LABELS, {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert (status, headers.get_content_type()) == (200, "application/sparql-results+json")


def test_no_acceptable_format_is_406(endpoint):
    status, _, body = get(endpoint, LABELS, {"Accept": "image/png"})
    assert status == 406 and b"application/sparql-results+json" in body
    status, _, body = get(endpoint, DESCRIBE_COUNCIL, format="csv")
    assert status == 406 and b"CONSTRUCT" in body


def test_malformed_query_is_400_with_the_position(endpoint):
    status, _, body = get(endpoint, "SELECT * WHERE { ?s ?p }")
    assert status == 400
    assert re.search(rb"error at 1:2\d: expected", body), body
    status, _, body = get(endpoint, "SELECT * WHERE { ?s ?p }", {"Accept": "application/json"})
    assert status == 400 and re.search(r"error at 1:2\d", json.loads(body)["error"])


def test_an_undeclared_prefix_is_named_with_its_declaration(endpoint):
    # Oxigraph's own message lists two hundred expected characters instead; an Oxigraph server
    # behind the remote backend sends the same, which is read the same way.
    told = lambda message: (message, f"the SPARQL server rejected the query: {message}")  # noqa: E731 - embedded, remote
    query = f"SELECT ?label WHERE {{\n  <{COUNCIL}> rdfs:label ?label }}"
    status, _, body = get(endpoint, query, {"Accept": "application/json"})
    assert status == 400
    assert json.loads(body)["error"] in told("SPARQL syntax error at 2:51: the prefix rdfs: is not declared; "
                                             "declare it with PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>")
    status, _, body = get(endpoint, "SELECT ?c WHERE { ?x partner:code ?c }")
    assert status == 400
    assert body.decode().strip() in told("SPARQL syntax error at 1:34: the prefix partner: is not declared")


@pytest.mark.parametrize("how", ["get", "form", "direct", "query"])
def test_updates_are_refused(endpoint, how):
    update = f"INSERT DATA {{ <{COUNCIL}> <urn:p> 1 }}"
    if how == "get":
        status, _, body = fetch(f"{endpoint}?{urllib.parse.urlencode({'update': update})}")
    elif how == "form":
        status, _, body = fetch(endpoint, urllib.parse.urlencode({"update": update}).encode(),
                                {"Content-Type": "application/x-www-form-urlencoded"})
    elif how == "direct":
        status, _, body = fetch(endpoint, update.encode(), {"Content-Type": "application/sparql-update"})
    else:
        status, _, body = get(endpoint, update)
    assert status == 403 and b"read-only" in body
    _, _, after = get(endpoint, f"ASK {{ <{COUNCIL}> <urn:p> 1 }}", format="json")
    assert json.loads(after)["boolean"] is False


def test_protocol_errors_are_4xx(endpoint):
    assert fetch(endpoint, b"ASK {}", {"Content-Type": "text/plain"})[0] == 415
    assert fetch(endpoint, b"ASK {}", {"Content-Type": "application/sparql-query; charset=UTF-16"})[0] == 415
    assert fetch(f"{endpoint}?query=ASK%7B%7D&query=ASK%7B%7D")[0] == 400
    status, headers, _ = fetch(f"{endpoint}?query=ASK%7B%7D", method="PUT")
    assert status == 405 and "GET" in headers["Allow"]
    assert get(endpoint, "ASK {}", inference="perhaps")[0] == 400


def test_service_description(endpoint):
    status, headers, body = fetch(endpoint, headers={"Accept": "text/turtle"})
    assert status == 200 and headers.get_content_type() == "text/turtle"
    graph = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = graph.value(None, rdflib.RDF.type, sd.Service)
    assert graph.value(service, sd.endpoint) == rdflib.URIRef(endpoint)
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    names = set(graph.objects(None, sd.name))
    assert rdflib.URIRef(f"{BASE}graph/ontology") in names


def test_protocol_dataset_selects_graphs(endpoint):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    ontology = f"{BASE}graph/ontology"

    def number(status_headers_body):
        status, _, body = status_headers_body
        assert status == 200, body
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    in_ontology = number(get(endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ontology}> {{ ?s ?p ?o }} }}"))
    assert 0 < in_ontology < number(get(endpoint, count))
    assert number(get(endpoint, count, **{"default-graph-uri": ontology})) == in_ontology
    named_only = get(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": ontology})
    assert number(named_only) == in_ontology
    assert number(get(endpoint, count, **{"named-graph-uri": ontology})) == 0  # the default graph is then empty


def test_inference_is_on_unless_the_request_says_false(endpoint):
    # A triple only the inferred graph holds.
    only_inferred = (f"SELECT ?s ?p ?o WHERE {{ GRAPH <{BASE}graph/inferred> {{ ?s ?p ?o FILTER(isIRI(?o)) }} "
                     f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{BASE}graph/inferred>) }} }} LIMIT 1")
    _, _, body = get(endpoint, only_inferred, format="json")
    row = json.loads(body)["results"]["bindings"][0]
    ask = f"ASK {{ <{row['s']['value']}> <{row['p']['value']}> <{row['o']['value']}> }}"
    assert json.loads(get(endpoint, ask)[2])["boolean"] is True
    assert json.loads(get(endpoint, ask, inference="false")[2])["boolean"] is False


def test_rows_are_limited(endpoint):
    status, headers, body = get(endpoint, "SELECT * WHERE { ?s ?p ?o }", format="csv")
    assert status == 200
    assert len(list(csv.reader(io.StringIO(body.decode())))) == MAX_ROWS + 1
    assert headers["X-Result-Truncated"] == str(MAX_ROWS)
    status, headers, body = get(endpoint, "CONSTRUCT WHERE { ?s ?p ?o }", format="nt")
    assert len(body.decode().splitlines()) == MAX_ROWS and headers["X-Result-Truncated"] == str(MAX_ROWS)


@pytest.mark.parametrize("rows, truncated", [
    (5, False),                  # written directly: few enough `{` to prove it whole
    (MAX_ROWS // 2, False),      # more `{` than MAX_ROWS (three bindings a row): evaluated again, whole
    (MAX_ROWS + 7, True),        # past the limit: cut at MAX_ROWS exactly
])
def test_json_answers_are_whole_or_cut_at_the_limit(endpoint, rows, truncated):
    query = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {rows}"
    status, headers, body = get(endpoint, query, format="json")
    assert status == 200
    bindings = json.loads(body)["results"]["bindings"]
    assert len(bindings) == (MAX_ROWS if truncated else rows)
    assert headers.get("X-Result-Truncated") == (str(MAX_ROWS) if truncated else None)
    assert all(set(row) == {"s", "p", "o"} for row in bindings)


def test_cors_on_get(endpoint):
    _, headers, _ = get(endpoint, "ASK {}")
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_healthz(endpoint):
    assert fetch(endpoint.replace("/sparql", "/healthz"))[0] == 200


def test_a_query_past_its_limit_is_stopped_and_others_are_served(endpoint):
    outcome = {}

    def endless():
        outcome["endless"] = get(endpoint, ENDLESS)

    started = time.monotonic()
    thread = threading.Thread(target=endless)
    thread.start()
    time.sleep(0.5)
    quick_started = time.monotonic()
    status, _, _ = get(endpoint, LABELS)
    quick = time.monotonic() - quick_started
    thread.join(60)
    status_endless, _, body = outcome["endless"]
    assert status == 200 and quick < TIMEOUT
    assert status_endless == 503 and b"WCOKG_QUERY_TIMEOUT" in body
    assert time.monotonic() - started < TIMEOUT + 5
    assert _served_again(endpoint) == 200


def _served_again(endpoint: str, tries: int = 3) -> int:
    """The status of a query after an overrun, allowing for the retired worker: a connection it
    accepted in the moment between its retirement and its listener closing is closed unanswered
    (seen once in a CI run), and a client's next attempt reaches a worker that serves."""
    for _ in range(tries - 1):
        try:
            return get(endpoint, LABELS)[0]
        except (ConnectionError, urllib.error.URLError):  # RemoteDisconnected is a ConnectionError
            time.sleep(0.5)
    return get(endpoint, LABELS)[0]


def _workers(server: subprocess.Popen) -> set[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return {int(pid) for pid in children}


def test_the_worker_of_an_overrunning_query_is_replaced(embedded_server):
    """The query cannot be interrupted, so its worker process must go, and another take its place."""
    base, server = embedded_server
    before = _workers(server)
    assert len(before) == 2
    assert get(base + "/sparql", ENDLESS)[0] == 503
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (_workers(server) & before == before or len(_workers(server)) < 2):
        time.sleep(0.2)
    after = _workers(server)
    gone = before - after
    assert len(gone) == 1 and len(after) == 2, (before, after)
    assert not Path(f"/proc/{gone.pop()}").exists()
    assert all(get(base + "/sparql", LABELS)[0] == 200 for _ in range(4))


def test_etag_and_if_none_match(embedded):
    endpoint = embedded + "/sparql"
    status, headers, body = get(endpoint, LABELS)
    assert status == 200 and headers["ETag"]
    status, again, body = get(endpoint, LABELS, {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b"" and again["ETag"] == headers["ETag"]
    assert get(endpoint, LABELS, format="csv")[1]["ETag"] != headers["ETag"]
    assert get(endpoint, LABELS, {"If-None-Match": '"0-stale"'})[0] == 200


def test_head_tells_the_length_of_what_get_sends(embedded):
    endpoint = embedded + "/sparql"
    url = f"{endpoint}?{urllib.parse.urlencode({'query': LABELS, 'format': 'csv'})}"
    status, headers, body = fetch(url)
    head_status, head_headers, head_body = fetch(url, method="HEAD")
    assert status == head_status == 200 and body and head_body == b""
    assert head_headers["Content-Length"] == headers["Content-Length"] == str(len(body))
    assert head_headers["Content-Type"] == headers["Content-Type"] == "text/csv; charset=utf-8"
    assert head_headers["ETag"] == headers["ETag"] and headers["Vary"] == "Accept"


def test_a_service_query_makes_no_request(embedded):
    """Refused before evaluation: the server never connects to the endpoint a query names."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        status, _, body = get(embedded + "/sparql", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}")
        assert status == 400 and b"SERVICE is not allowed" in body
        # A connection made while the request ran would wait in the backlog now.
        listener.settimeout(0.2)
        with pytest.raises(TimeoutError):
            listener.accept()


TRICKY_QUERY_STRINGS = [
    "", "query=", "query", "&&query=a&&", "a=1&a=2&b", "query=SELECT+%3Fs+WHERE+%7B%7D",
    "query=%", "query=%4", "query=%zz%41", "query=100%25+sure", "query=a%2Bb+c", "query=%5C%5Cx41\\x41",
    "query=caf%C3%A9", "query=%C3", "query=%FF%FE", "query=%e2%82%ac", "query=a=b=c", "=x", "x=%0A%23%20r1",
    "query=caf\u00e9",  # raw non-ASCII: werkzeug's parse
]


def _args_both_ways(query_string: str) -> tuple[list, list]:
    """The URL parameters as /sparql reads them and as werkzeug's own Request reads them."""
    from werkzeug import Request
    from werkzeug.test import EnvironBuilder

    from wcokg.web.endpoint import ProtocolRequest

    environ = EnvironBuilder(path="/sparql").get_environ()
    environ["QUERY_STRING"] = query_string.encode().decode("latin-1")  # as a WSGI server passes it
    return (list(ProtocolRequest(environ).args.items(multi=True)), list(Request(environ).args.items(multi=True)))


@pytest.mark.parametrize("query_string", TRICKY_QUERY_STRINGS)
def test_url_parameters_are_read_as_werkzeug_reads_them(query_string):
    ours, werkzeugs = _args_both_ways(query_string)
    assert ours == werkzeugs


def test_random_url_parameters_are_read_as_werkzeug_reads_them():
    import random

    from wcokg.web.endpoint import url_parameters

    pieces = ["a", "Z", "0", "9", "f", "%", "+", "&", "=", "\\", "x", " ", "%41", "%2B", "%26", "%3D", "%25",
              "%5C", "%0A", "%C3%A9", "%E2%82%AC", "%C3", "%FF", "%g1", "%%", "\u00e9", "\u20ac", ";"]
    rng = random.Random(7)
    decoded_in_c = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        ours, werkzeugs = _args_both_ways(text)
        assert ours == werkzeugs, text
        decoded_in_c += url_parameters(text.encode()) is not None
    assert decoded_in_c > 500  # the C decoder reads the usual strings, not only werkzeug
