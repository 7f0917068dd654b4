"""Validating a submission with the context taken from the store gives what the whole graph gives.

validation.submission_context takes from the store only what the shapes read about the
submission's nodes; these tests validate each submission both ways and compare the results.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from wcokg.reasoning import to_rdflib
from wcokg.store import Store
from wcokg.submissions import read
from wcokg.validation import submission_context, validate_graph, validate_submission

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"
PREFIXES = """@prefix wco: <https://w3id.org/wcokg/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@base <https://w3id.org/wcokg/> .
"""
# Each reads the store past the submission's own triples in its own way.
UPDATES = {
    # a status report of a stored activity, dated after its programme: the path to the
    # programme's dates runs through the store only
    "late-status": """<activity/ptc-2022-2025/I/1/status/2030-01> a wco:StatusReport ;
        wco:statusOf <activity/ptc-2022-2025/I/1> ; wco:statusDate "2030-01-01"^^xsd:date ;
        wco:executionStatus <concept/status/in-progress> ; dcterms:source <document/PC0756-annex> ;
        wco:locator "Submitted update" .""",
    # a second French label on a stored activity: the stored labels count
    "second-label": """<activity/ptc-2022-2025/I/1> rdfs:label "Autre titre"@fr .""",
    # a new activity numbered like a stored one of the same part
    "taken-number": """<activity/ptc-2022-2025/I/1-bis> a wco:PermanentActivity ;
        wco:inProgrammePart <programme/ptc-2022-2025/I> ; wco:activityNumber "1" .""",
    # a stored activity's number given again, and an unknown body
    "stored-activity": """<activity/ptc-2022-2025/I/2> wco:activityNumber "3" ; wco:leadBody <body/NOBODY> .""",
}


@pytest.fixture(scope="module")
def graph(built):
    return Store(built, read_only=True)


@pytest.fixture(scope="module")
def whole(graph):
    """Every asserted triple of the store, as the submission used to be validated with."""
    data = rdflib.Graph()
    for g in graph.query_graphs(inferred=False):
        for q in graph.quads(g):
            data.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return data


def submissions():
    names = sorted(p.name for p in FIXTURES.iterdir() if p.name != "broken.ttl")
    return [pytest.param(name, (FIXTURES / name).read_bytes(), id=name) for name in names] + \
        [pytest.param(f"{key}.ttl", (PREFIXES + text).encode(), id=key) for key, text in UPDATES.items()]


def found(results) -> set:
    """Each SHACL result by focus, path, severity and source shape (a blank one by its message)."""
    return {(r.focus, r.path, r.severity, r.shape if r.shape.startswith("http") else r.message("en"))
            for r in results if r.shape}


@pytest.mark.parametrize("name, content", submissions())
def test_the_context_gives_the_results_of_the_whole_graph(built, graph, whole, name, content):
    triples, _ = read(content, name, built)
    data = whole + rdflib.Graph()
    for t in triples:
        data.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    focus = sorted({to_rdflib(t.subject) for t in triples})
    expected = found(validate_graph(data, built, focus_nodes=focus).results)
    assert found(validate_submission(triples, built, store=graph).results) == expected


def test_the_updates_do_fail_on_what_the_store_holds(built, graph):
    # Without the store's part, each of these conforms or fails otherwise: the comparison above
    # is about the store's context, not about submissions that fail on their own.
    for key, text in UPDATES.items():
        triples, _ = read((PREFIXES + text).encode(), f"{key}.ttl", built)
        with_store = found(validate_submission(triples, built, store=graph).results)
        alone = found(validate_submission(triples, built).results)
        assert with_store != alone, key


def test_the_context_is_a_small_part_of_the_graph(built, graph, whole):
    triples, _ = read((FIXTURES / "activity.ttl").read_bytes(), "activity.ttl", built)
    context = submission_context(triples, graph)
    assert 0 < len(context) < len(whole) / 10
