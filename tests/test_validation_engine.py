"""shacl_engine.Validator gives plain pyshacl's results, one for one.

It validates each property shape for all focus nodes at once and asks each SHACL-SPARQL rule
once for all focus nodes (a VALUES block binding $this, shacl_engine.with_focus_nodes) instead
of once per node. These tests validate the same data graph with both and compare every result,
on a submission where several nodes break each rule of shapes/wco-rules.ttl.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyshacl.graph_abstraction import DataGraph

from wcokg import shacl_engine, validation
from wcokg.reasoning import to_rdflib
from wcokg.store import Store
from wcokg.submissions import read

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"
PREFIXES = """@prefix wco: <https://w3id.org/wcokg/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@base <https://w3id.org/wcokg/> .
"""
# Each copy breaks every rule of wco-rules.ttl (a taken number, an unknown plan code, body and
# instrument, a status report dated after the programme and completed without evidence) and some
# core shapes (no English label, a deadline without dates).
BROKEN = """<activity/ptc-2022-2025/I/8{n}> a wco:TimeBoundActivity ;
    wco:inProgrammePart <programme/ptc-2022-2025/I> ; wco:activityNumber "5" ;
    rdfs:label "Activité {n}"@fr ;
    wco:alignedWith <strategy/2022-2025/NOPE{n}> ;
    wco:leadBody <body/NOBODY{n}> ; wco:maintains <instrument/NOTHING{n}> ;
    wco:deadline <activity/ptc-2022-2025/I/8{n}/deadline/1> ;
    wco:hasStatusReport <activity/ptc-2022-2025/I/8{n}/status/2030-01> ;
    dcterms:source <document/PC0756-annex> ; wco:locator "Submitted update" .
<activity/ptc-2022-2025/I/8{n}/deadline/1> a wco:Deadline ;
    wco:deadlineText "Juin 2025"@fr ; wco:deadlineBody <body/NOBODY{n}> ;
    dcterms:source <document/PC0756-annex> ; wco:locator "Submitted update" .
<activity/ptc-2022-2025/I/8{n}/status/2030-01> a wco:StatusReport ;
    wco:statusOf <activity/ptc-2022-2025/I/8{n}> ; wco:statusDate "2030-01-01"^^xsd:date ;
    wco:executionStatus <concept/status/completed> ;
    dcterms:source <document/PC0756-annex> ; wco:locator "Submitted update" .
"""
RULES = ("ActivityNumberUnique", "CodesInStrategicPlan", "BodiesExist", "InstrumentsExist",
         "StatusWithinProgramme", "CompletedHasEvidence")


@pytest.fixture(scope="module")
def graph(built):
    return Store(built, read_only=True)


def results(engine, triples, settings, focus) -> Counter:
    """Every result of validating the triples with `engine`, counted, by all it says."""
    shapes = validation.shapes_graph(settings.home, settings.base)
    options = {**validation._OPTIONS, "focus_nodes": focus}
    _, report, _ = engine(shacl_engine.data_graph(triples), shacl_graph=shapes, options=options).run()
    return Counter((r.severity, r.focus, r.path, r.value, r.shape, tuple(sorted(r.messages.items())))
                   for r in validation._results(report, settings))


def test_the_same_results_as_pyshacl_with_every_rule_broken_by_several_nodes(built, graph):
    text = PREFIXES + "".join(BROKEN.format(n=n) for n in range(3))
    triples = [*read(text.encode(), "broken.ttl", built)[0],
               *read((FIXTURES / "activity.ttl").read_bytes(), "activity.ttl", built)[0]]
    everything = [*triples, *validation.submission_context(triples, graph),
                  *validation._ontology_triples(validation._files(built.home / "ontology"), built.base)]
    focus = sorted({to_rdflib(t.subject) for t in triples})
    ours = results(shacl_engine.Validator, everything, built, focus)
    assert ours == results(pyshacl.Validator, everything, built, focus)
    broken = Counter(shape.rsplit("#", 1)[-1] for _, _, _, _, shape, _ in ours.elements() if shape)
    assert all(broken[rule] >= 3 for rule in RULES), broken


def test_every_rule_is_asked_once_for_all_focus_nodes(built):
    # Else the comparison above would compare pyshacl with itself.
    shapes = validation.shapes_graph(built.home, built.base)
    nodes = [rdflib.URIRef("https://example.org/a"), rdflib.URIRef("https://example.org/b")]
    selects = list(shapes.objects(None, rdflib.SH.select))
    assert len(selects) == len(RULES)
    for select in selects:
        batched = shacl_engine.with_focus_nodes(str(select), nodes)
        assert batched is not None and "VALUES $this { <https://example.org/a> <https://example.org/b> }" in batched


@pytest.mark.parametrize("query", [
    "SELECT $this ?value WHERE { $this ?p ?value OPTIONAL { ?value ?q ?x } }",
    "SELECT $this ?value WHERE { { $this ?p ?value } UNION { ?value ?p $this } }",
    "SELECT $this ?value WHERE { { ?x ?p ?value FILTER(?x = $this) } }",
    "SELECT $this ?value WHERE { GRAPH ?g { $this ?p ?value } }",
    "SELECT $this ?value WHERE { $this ?p ?value { SELECT $this ?value WHERE { $this ?q ?value } } }",
    "SELECT $this (COUNT(?value) AS ?n) WHERE { $this ?p ?value }",
    "SELECT $this ?value WHERE { $this ?p ?value } LIMIT 1",
    "SELECT $this ?value WHERE { $this ?p ?value } GROUP BY $this ?value",
    "SELECT ?value WHERE { $this ?p ?value }",
    "SELECT * WHERE { $this ?p ?value }",
    "SELECT $this ?value FROM <https://example.org/g> WHERE { $this ?p ?value }",
])
def test_a_query_that_could_answer_otherwise_goes_node_by_node(query):
    assert shacl_engine.with_focus_nodes(query, [rdflib.URIRef("https://example.org/a")]) is None


def test_braces_in_strings_iris_and_comments_do_not_count():
    query = """SELECT DISTINCT $this ?value WHERE {  # a comment with { and }
        $this <https://example.org/p#{x}> ?value .
        FILTER(?value != "}" && ?value != '''{''')
        FILTER NOT EXISTS { ?value a ?type . FILTER NOT EXISTS { ?type ?q "{" } }
    }"""
    assert shacl_engine.with_focus_nodes(query, [rdflib.URIRef("https://example.org/a")]).startswith(
        "SELECT DISTINCT $this ?value WHERE { VALUES $this { <https://example.org/a> }")


def test_a_value_shared_by_focus_nodes_is_reported_for_each():
    # pyshacl validates a nested property shape once per value node, so a value that two focus
    # nodes share is reported twice; _PropertyConstraint must not merge them.
    shapes = rdflib.Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:AShape a sh:NodeShape ; sh:targetClass ex:A ;
            sh:property [ sh:path ex:p ; sh:property [ sh:path ex:q ; sh:minCount 1 ] ] .""")
    data = """@prefix ex: <https://example.org/> .
        ex:a1 a ex:A ; ex:p ex:b . ex:a2 a ex:A ; ex:p ex:b . ex:a3 a ex:A ; ex:p ex:c ."""

    def found(engine):
        graph = DataGraph.from_rdflib(rdflib.Graph().parse(format="turtle", data=data))
        _, report, _ = engine(graph, shacl_graph=shapes, options=dict(validation._OPTIONS)).run()
        return Counter(str(focus) for focus in report.objects(None, rdflib.SH.focusNode))

    assert found(shacl_engine.Validator) == found(pyshacl.Validator) == Counter(
        {"https://example.org/b": 2, "https://example.org/c": 1})
