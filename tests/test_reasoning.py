"""Inference: the fast two-step closure equals owlrl's full OWL-RL closure on the shipped data."""
from __future__ import annotations

import rdflib
from rdflib import OWL, RDF

from wcokg.reasoning import to_rdflib
from wcokg.store import Store

BASE = "https://w3id.org/wcokg/"
ONTOLOGY_NS = BASE + "ontology"


def instance_triples(triples):
    """Triples about the data's own resources (not ontology terms), without owl:sameAs tautologies."""
    return {
        (s, p, o) for s, p, o in triples
        if isinstance(s, rdflib.URIRef) and s.startswith(BASE) and not s.startswith(ONTOLOGY_NS)
        and p != OWL.sameAs
    }


def test_fast_closure_equals_owlrl_closure(built, owlrl_closure):
    store = Store(built, read_only=True)
    ours = {(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            for g in store.query_graphs(inferred=True) for q in store.quads(g)}
    expected, got = instance_triples(owlrl_closure), instance_triples(ours)
    assert expected - got == set(), f"missed {len(expected - got)}, e.g. {sorted(expected - got)[:5]}"
    assert got - expected == set(), f"extra {len(got - expected)}, e.g. {sorted(got - expected)[:5]}"


def test_inference_types_bodies_and_closes_reporting_lines(built):
    store = Store(built, read_only=True)
    ask = lambda q: bool(store.query("PREFIX wco: <https://w3id.org/wcokg/ontology#> " + q))
    assert ask("ASK { <https://w3id.org/wcokg/body/SAFE-WG> wco:reportsTo <https://w3id.org/wcokg/body/Council> }")
    assert ask("ASK { <https://w3id.org/wcokg/body/Council> wco:receivesReportsFrom <https://w3id.org/wcokg/body/PTC> }")
    assert ask("ASK { <https://w3id.org/wcokg/programme/ptc-2022-2025/I> wco:isPartOf <https://w3id.org/wcokg/programme/ptc-2022-2025> }")


def test_ontology_uses_only_constructs_the_fast_rules_cover():
    """A restriction, chain, key or functional property would need rules the fast path lacks."""
    from conftest import ROOT

    graph = rdflib.Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path)
    unsupported = [OWL.Restriction, OWL.FunctionalProperty, OWL.InverseFunctionalProperty]
    for kind in unsupported:
        assert list(graph.subjects(RDF.type, kind)) == [], kind
    for pred in (OWL.propertyChainAxiom, OWL.hasKey, OWL.unionOf, OWL.intersectionOf, OWL.oneOf, OWL.sameAs):
        assert list(graph.subject_objects(pred)) == [], pred


def test_addition_entails_what_a_full_refresh_would(built):
    """entailments_of_addition, which looks only at the change, agrees with a full recompute.

    The addition reaches into the existing graph: a new body that reports to the PTC (so the
    transitive reportsTo closure must join old triples) and an activity with a new subclass
    type, inverse and part-of links.
    """
    import pyoxigraph as ox

    from conftest import ROOT
    from wcokg import store as layout
    from wcokg.reasoning import entailments, entailments_of_addition, tbox_closure

    store = Store(built, read_only=True)
    added = {(q.subject, q.predicate, q.object)
             for q in ox.parse(path=str(ROOT / "tests/fixtures/submissions/activity.ttl"))}
    wco = "https://w3id.org/wcokg/ontology#"
    body = ox.NamedNode(BASE + "body/Test-Group")
    added |= {(body, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(wco + "WorkingGroup")),
              (body, ox.NamedNode(wco + "reportsTo"), ox.NamedNode(BASE + "body/PTC"))}
    tbox = tbox_closure((q.subject, q.predicate, q.object) for q in store.quads(store.graph(layout.ONTOLOGY)))
    asserted = {(q.subject, q.predicate, q.object) for g in store.query_graphs(inferred=False) for q in store.quads(g)}
    before = entailments(asserted, tbox)
    after = entailments(asserted | added, tbox)

    incremental = entailments_of_addition(store, added, tbox)

    assert (before | incremental) - added == after
    assert (body, ox.NamedNode(wco + "reportsTo"), ox.NamedNode(BASE + "body/Council")) in incremental


def test_in_store_closure_equals_python_rules(built):
    """reasoning.close (the build's SPARQL rules, inside a store) entails what `entailments` does."""
    from wcokg import store as layout
    from wcokg.reasoning import close, entailments, tbox_closure

    store = Store(built, read_only=True)
    memory = Store.in_memory(built)
    memory.add(q for g in store.query_graphs(inferred=False) for q in store.quads(g))
    close(memory)
    tbox = tbox_closure((q.subject, q.predicate, q.object) for q in store.quads(store.graph(layout.ONTOLOGY)))
    asserted = {(q.subject, q.predicate, q.object) for g in store.query_graphs(inferred=False) for q in store.quads(g)}
    got = {(q.subject, q.predicate, q.object) for q in memory.quads(memory.graph(layout.INFERRED))}
    assert got == entailments(asserted, tbox)
