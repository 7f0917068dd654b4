"""The W3C SPARQL 1.1 Protocol tests that apply to a read-only query endpoint, as HTTP exchanges.

Each test of protocol/manifest.ttl is a list of requests with the status, format and boolean
expected back. The tests that expect an update to succeed do not apply (this endpoint refuses
every update); the tests that expect an update to be refused do.
"""
from __future__ import annotations

import http.client
from dataclasses import replace

import pyoxigraph as ox
import pytest
import rdflib

from conftest import W3C, need_shared
from servers import start_wcokg, stop
from wcokg.store import Store

PROTOCOL = W3C / "sparql" / "sparql11" / "protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
FORMATS = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}


def _manifest() -> rdflib.Graph | None:
    path = PROTOCOL / "manifest.ttl"
    return rdflib.Graph().parse(path, format="turtle") if path.exists() else None


def _tests() -> list[str]:
    graph = _manifest()
    if graph is None:
        return ["(absent)"]
    entries = graph.value(rdflib.URIRef(PROTOCOL.as_uri() + "/manifest.ttl"), MF.entries) \
        or graph.value(None, MF.entries)
    return [str(test).rsplit("#", 1)[-1] for test in rdflib.collection.Collection(graph, entries)]


@pytest.fixture(scope="module")
def manifest() -> rdflib.Graph:
    need_shared(PROTOCOL / "manifest.ttl")
    return _manifest()


@pytest.fixture(scope="module")
def server(manifest, settings, tmp_path_factory):
    """A server over a store holding every graph the tests name (dataN.nt under its label)."""
    test_settings = replace(settings, store=tmp_path_factory.mktemp("w3c") / "store")
    graphs = {}
    for data in manifest.objects(None, UT.graphData):
        name = str(manifest.value(data, rdflib.RDFS.label))
        path = PROTOCOL / str(manifest.value(data, UT.graph)).rsplit("/", 1)[-1]
        graphs[ox.NamedNode(name)] = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
    store = Store(test_settings)
    store.replace_graphs(graphs)
    store.flush()
    store.close()
    base, process = start_wcokg(test_settings.store)
    yield base
    stop(process)


def _requests(graph: rdflib.Graph, test: rdflib.URIRef) -> list[rdflib.term.Node]:
    action = graph.value(test, MF.action)
    return list(rdflib.collection.Collection(graph, graph.value(action, HT.requests)))


@pytest.mark.parametrize("name", _tests())
def test_protocol(name, manifest, server):
    test = next(t for t in manifest.subjects(rdflib.RDF.type, MF.ProtocolTest) if str(t).endswith("#" + name))
    requests = _requests(manifest, test)
    first = requests[0]
    headers = {str(manifest.value(h, HT.fieldName)): str(manifest.value(h, HT.fieldValue))
               for h in rdflib.collection.Collection(manifest, manifest.value(first, HT.headers) or rdflib.RDF.nil)}
    expected_first = {str(s).rsplit("#StatusCode", 1)[-1]
                      for s in manifest.objects(manifest.value(first, HT.resp), MF.expectedStatus)}
    is_update = "sparql-update" in headers.get("content-type", "") or "update=" in str(
        manifest.value(manifest.value(first, HT.body), CNT.chars) or "") + str(manifest.value(first, HT.absolutePath))
    if is_update and "4xx" not in expected_first:
        pytest.skip("expects an update to succeed: this endpoint is read-only and refuses every update")
    host, port = server.removeprefix("http://").split(":")
    for request in requests:
        _exchange(manifest, request, host, int(port))


def _exchange(graph: rdflib.Graph, request, host: str, port: int) -> None:
    path = str(graph.value(request, HT.absolutePath)).replace("/sparql/", "/sparql/", 1)
    method = str(graph.value(request, HT.methodName))
    headers = {str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
               for h in rdflib.collection.Collection(graph, graph.value(request, HT.headers) or rdflib.RDF.nil)}
    body_node = graph.value(request, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        # Like a raw HTTP client: no Content-Type unless the test gives one.
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body or b"")))
        connection.endheaders(body)
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    expected = graph.value(request, HT.resp)
    statuses = {str(s).rsplit("#StatusCode", 1)[-1] for s in graph.objects(expected, MF.expectedStatus)}
    assert f"{response.status // 100}xx" in statuses, (method, path, response.status, content)
    media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
    fmt = graph.value(expected, MF.expectedFormat)
    if fmt is not None:
        assert media_type in FORMATS[str(fmt)], (path, media_type)
    boolean = graph.value(expected, MF.expectedBoolean)
    if boolean is not None:
        result = ox.parse_query_results(content, ox.QueryResultsFormat.from_media_type(media_type))
        assert bool(result) is boolean.toPython(), (path, content)
