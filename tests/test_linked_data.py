"""Resolvable IRIs over real HTTP: content negotiation, pages, the ontology, VoID and the dumps."""
from __future__ import annotations

import gzip
import hashlib
import json
import urllib.error
import urllib.request

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from servers import serving

from conftest import ROOT
from wcokg.web import create_app

ACTIVITY = "activity/ptc-2022-2025/I/1"
WCO = "https://w3id.org/wcokg/ontology#"
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@pytest.fixture(scope="module")
def server(built):
    """The app on 127.0.0.1, on a port of its own, serving the canonical base."""
    with serving(create_app(built)) as url:
        yield url


def get(url: str, accept: str = "*/*", language: str | None = None):
    headers = {"Accept": accept} | ({"Accept-Language": language} if language else {})
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def triples_of(body: bytes, media_type: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(body, format=RDF_FORMATS[media_type])]


@pytest.mark.parametrize("media_type", list(RDF_FORMATS))
def test_resource_iri_answers_each_rdf_format(built, server, media_type):
    status, headers, body = get(f"{server}/{ACTIVITY}", media_type)
    assert status == 200
    assert headers.get_content_type() == media_type
    assert "Accept" in headers["Vary"]
    triples = triples_of(body, media_type)
    me = ox.NamedNode(built.base + ACTIVITY)
    assert ox.Triple(me, ox.NamedNode(WCO + "activityNumber"), ox.Literal("1")) in triples
    # The labels of what it links to, and its source, come along.
    ptc = ox.NamedNode(built.base + "body/PTC")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    assert ox.Triple(ptc, label, ox.Literal("Permanent Technical Committee", language="en")) in triples
    source = next(t.object for t in triples if t.subject == me and t.predicate.value.endswith("/source"))
    assert any(t.subject == source and t.predicate == label for t in triples)
    # And what points at it: its status report.
    assert any(t.object == me and t.predicate.value == WCO + "statusOf" for t in triples)


def test_format_parameter_wins_over_accept(server):
    status, headers, _ = get(f"{server}/{ACTIVITY}?format=nt", "text/html")
    assert status == 200 and headers.get_content_type() == "application/n-triples"


def test_inferred_triples_on_request(built, server):
    is_activity = ox.Triple(ox.NamedNode(built.base + ACTIVITY), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                            ox.NamedNode(WCO + "Activity"))
    _, _, asserted = get(f"{server}/{ACTIVITY}", "application/n-triples")
    _, _, inferred = get(f"{server}/{ACTIVITY}?inferred=true", "application/n-triples")
    assert is_activity not in triples_of(asserted, "application/n-triples")
    assert is_activity in triples_of(inferred, "application/n-triples")


@pytest.mark.parametrize("language, title, lead", [
    ("fr", "Compiler les mises à jour annuelles", "Comité technique permanent"),
    ("en", "Compile the annual updates", "Permanent Technical Committee"),
])
def test_browser_gets_a_page_in_its_language(server, language, title, lead):
    status, headers, body = get(f"{server}/{ACTIVITY}", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", language)
    assert status == 200 and headers.get_content_type() == "text/html"
    page = body.decode("utf-8")
    assert f'<html lang="{language}">' in page
    h1 = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert h1.startswith(title)
    assert f'<a href="/body/PTC">{lead}</a>' in page, "linked resources are links, on this server, with their labels"
    assert "001_52fccd21e62b4383.txt:260-348" in page, "the place in the source is shown"
    assert 'href="/document/PC0756-annex"' in page


def test_unknown_iri_is_404(server):
    status, _, body = get(f"{server}/activity/ptc-2022-2025/I/999", "text/turtle")
    assert status == 404
    assert b"activity/ptc-2022-2025/I/999" in body


def test_catch_all_does_not_shadow_the_other_routes(server):
    status, _, body = get(f"{server}/sparql", "text/turtle")
    assert status == 200 and b"sparql-service-description" in body
    status, _, body = get(f"{server}/healthz")
    assert status == 200 and body.startswith(b"ok: queries run ")
    status, headers, _ = get(f"{server}/openapi.json", "application/json")
    assert status == 200 and headers.get_content_type() == "application/json"
    status, headers, _ = get(f"{server}/api/queries", "application/json")
    assert status == 200 and headers.get_content_type() == "application/json"


def test_ontology_iri_serves_documentation_and_rdf(built, server):
    status, headers, body = get(f"{server}/ontology", "text/turtle")
    assert status == 200
    ontology = ox.NamedNode(built.base + "ontology")
    assert ox.Triple(ontology, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                     ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")) in triples_of(body, "text/turtle")
    status, headers, body = get(f"{server}/ontology", "text/html")
    assert status == 200 and headers.get_content_type() == "text/html"
    page = body.decode("utf-8")
    assert "wco-kg ontology" in page and "TimeBoundActivity" in page


def test_shapes_iri_serves_the_shapes(server):
    status, _, body = get(f"{server}/shapes", "text/turtle")
    assert status == 200
    node_shape = ox.NamedNode("http://www.w3.org/ns/shacl#NodeShape")
    assert any(t.object == node_shape for t in triples_of(body, "text/turtle"))


def test_jsonld_answers_read_as_plain_json_with_the_published_context(server):
    _, _, body = get(f"{server}/{ACTIVITY}", "application/ld+json")
    document = json.loads(body)
    node = next(n for n in document["@graph"] if n["@id"].endswith(ACTIVITY))
    assert node["activityNumber"] == "1"
    status, headers, published = get(f"{server}/context.jsonld")
    assert status == 200 and headers.get_content_type() == "application/ld+json"
    assert json.loads(published)["@context"] == document["@context"]


def test_void_describes_the_dumps_truthfully(built, server):
    status, headers, body = get(f"{server}/.well-known/void", "text/turtle")
    assert status == 200
    graph = rdflib.Graph().parse(data=body, format="turtle")
    shapes = rdflib.Graph().parse(ROOT / "shapes" / "dataset-description-shapes.ttl")
    conforms, _, text = pyshacl.validate(graph, shacl_graph=shapes)
    assert conforms, text
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    nq = next(d for d in graph.subjects(rdflib.RDF.type, dcat.Distribution)
              if str(graph.value(d, dcat.downloadURL)).endswith("wcokg.nq.gz"))
    path = str(graph.value(nq, dcat.downloadURL))[len(built.base):]  # the same path on this server
    status, headers, dump = get(f"{server}/{path}")
    assert status == 200 and headers.get_content_type() == "application/gzip"
    assert len(dump) == int(graph.value(nq, dcat.byteSize))
    assert hashlib.sha256(dump).hexdigest() == str(graph.value(graph.value(nq, spdx.checksum), spdx.checksumValue))
    quads = list(ox.parse(gzip.decompress(dump), format=ox.RdfFormat.N_QUADS))
    assert len(quads) > 10_000


def test_dump_list_and_profiles_over_http(server):
    status, _, body = get(f"{server}/dumps/", "application/json")
    listing = json.loads(body)
    assert {f["name"] for f in listing["dumps"]} >= {"wcokg.nq.gz", "wcokg.ttl", "wcokg.jsonld.gz"}
    assert {"schema-org", "work-programme", "theme-safe"} <= {p["name"] for p in listing["profiles"]}
    status, headers, body = get(f"{server}/dumps/profile/theme-safe.ttl")
    assert status == 200 and headers.get_content_type() == "text/turtle"
    assert triples_of(body, "text/turtle")
    assert get(f"{server}/dumps/wcokg.xlsx")[0] == 404
