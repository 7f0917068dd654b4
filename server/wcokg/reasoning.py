"""OWL-RL inference that can be refreshed in seconds after every change.

owlrl's full closure is too slow to rerun after each submission (minutes at 100k triples),
yet almost all of its work is on the ontology, which is small and rarely changes. So the
closure is computed in two steps whose union equals owlrl's (tests/test_reasoning.py checks
this on the shipped data):

1. owlrl closes the ontology alone (the TBox): transitive subclass and subproperty
   hierarchies, inherited domains and ranges, equivalences turned into two-way subsumption.
2. The OWL 2 RL rules that fire on instances given that closed TBox (cax-sco, prp-dom,
   prp-rng, prp-spo1, prp-inv1/2, prp-symp, prp-trp) run semi-naively over the asserted
   triples: each round only looks at what the previous round added.

The ontology uses no class expressions (restrictions, unions, intersections), property
chains, keys or functional properties, so no other OWL 2 RL rule can fire on instances;
test_reasoning.py fails if that stops being true.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Iterable

import owlrl
from owlrl.Namespaces import ERRNS
import pyoxigraph as ox
import rdflib
from rdflib import OWL, RDF, RDFS

from . import store as layout
from .store import Store

TYPE = ox.NamedNode(str(RDF.type))
_XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


def to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype == _XSD_STRING:
            # RDF 1.1 makes "x" and "x"^^xsd:string one term; rdflib keeps them apart.
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def to_oxigraph(term):
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def tbox_closure(ontology: Iterable[tuple]) -> set[tuple]:
    """owlrl's OWL-RL closure of the ontology triples, as oxigraph term tuples."""
    return set(_closed(frozenset(ontology)))


@lru_cache(maxsize=2)
def _closed(ontology: frozenset) -> frozenset:
    # owlrl takes seconds on the ontology, which rarely changes: a process closes it once.
    graph = rdflib.Graph()
    for s, p, o in ontology:
        graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)
    errors = set(graph.subjects(RDF.type, ERRNS.ErrorMessage))
    if errors:
        messages = sorted(str(m) for e in errors for m in graph.objects(e, ERRNS.error))
        raise InconsistentOntology("; ".join(messages))
    return frozenset(
        (to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))
        for s, p, o in graph
        if not isinstance(s, rdflib.Literal) and not (p == OWL.sameAs and s == o)
    )


class InconsistentOntology(Exception):
    """owlrl found the ontology inconsistent (a violated disjointness, say)."""


class _Axioms:
    """The closed TBox, indexed for the instance rules."""

    def __init__(self, tbox: Iterable[tuple]):
        self.superclasses = defaultdict(set)
        self.domains = defaultdict(set)
        self.ranges = defaultdict(set)
        self.superproperties = defaultdict(set)
        self.inverses = defaultdict(set)
        self.transitive, self.symmetric = set(), set()
        sub_class, sub_prop = ox.NamedNode(str(RDFS.subClassOf)), ox.NamedNode(str(RDFS.subPropertyOf))
        domain, range_ = ox.NamedNode(str(RDFS.domain)), ox.NamedNode(str(RDFS.range))
        inverse = ox.NamedNode(str(OWL.inverseOf))
        transitive, symmetric = ox.NamedNode(str(OWL.TransitiveProperty)), ox.NamedNode(str(OWL.SymmetricProperty))
        for s, p, o in tbox:
            if p == sub_class and s != o:
                self.superclasses[s].add(o)
            elif p == sub_prop and s != o:
                self.superproperties[s].add(o)
            elif p == domain:
                self.domains[s].add(o)
            elif p == range_:
                self.ranges[s].add(o)
            elif p == inverse:
                self.inverses[s].add(o)
                self.inverses[o].add(s)
            elif p == TYPE and o == transitive:
                self.transitive.add(s)
            elif p == TYPE and o == symmetric:
                self.symmetric.add(s)

    def consequences(self, s, p, o) -> Iterable[tuple]:
        if p == TYPE:
            for c in self.superclasses.get(o, ()):
                yield s, TYPE, c
        for c in self.domains.get(p, ()):
            yield s, TYPE, c
        for q in self.superproperties.get(p, ()):
            yield s, q, o
        if isinstance(o, ox.Literal):
            return
        for c in self.ranges.get(p, ()):
            yield o, TYPE, c
        for q in self.inverses.get(p, ()):
            yield o, q, s
        if p in self.symmetric:
            yield o, p, s


def entailments(asserted: Iterable[tuple], tbox: set[tuple]) -> set[tuple]:
    """The triples that the closed TBox and the instance rules add to `asserted`."""
    axioms = _Axioms(tbox)
    known = set(asserted) | tbox
    # Indexes for prp-trp, kept for transitive properties only.
    objects_of = defaultdict(set)   # (subject, property) -> objects
    subjects_of = defaultdict(set)  # (object, property) -> subjects
    for s, p, o in known:
        if p in axioms.transitive:
            objects_of[s, p].add(o)
            subjects_of[o, p].add(s)
    delta = set(known)
    while delta:
        new = set()
        for s, p, o in delta:
            new.update(axioms.consequences(s, p, o))
            if p in axioms.transitive:
                new.update((s, p, z) for z in objects_of.get((o, p), ()))
                new.update((w, p, o) for w in subjects_of.get((s, p), ()))
        new = {t for t in new if not isinstance(t[0], ox.Literal)} - known
        for s, p, o in new:
            if p in axioms.transitive:
                objects_of[s, p].add(o)
                subjects_of[o, p].add(s)
        known |= new
        delta = new
    return known - set(asserted)


def entailments_of_addition(store: Store, added: Iterable[tuple], tbox: set[tuple]) -> set[tuple]:
    """What adding `added` to the store's asserted triples adds to its inferred graph.

    The instance rules are monotonic, so the closure after an addition is the closure before
    it plus what follows from the added triples, joined with everything already known. The
    rules run semi-naively from the added triples, and every lookup (is this triple known?
    what does this transitive property already link?) goes to the store's indexes, so the
    cost follows the size of the addition, not of the store: a one-activity submission to a
    100k-triple graph costs milliseconds where `refresh` costs seconds.
    """
    axioms = _Axioms(tbox)
    seen = set(added)

    def linked(subject=None, property_=None, object_=None) -> set[tuple]:
        return store.matching(subject, property_, object_) | {
            t for t in seen if (subject is None or t[0] == subject) and t[1] == property_
            and (object_ is None or t[2] == object_)}

    delta = {t for t in seen if not store.holds(t)}
    inferred = set()
    while delta:
        new = set()
        for s, p, o in delta:
            new.update(axioms.consequences(s, p, o))
            if p in axioms.transitive:
                new.update((s, p, z) for _, _, z in linked(o, p))
                new.update((w, p, o) for w, _, _ in linked(None, p, s))
        delta = {t for t in new - seen if not isinstance(t[0], ox.Literal) and t not in tbox and not store.holds(t)}
        seen |= delta
        inferred |= delta
    return inferred


def refresh(store: Store, progress=None) -> int:
    """Recompute the inferred graph from everything asserted; returns its size."""
    say = progress or (lambda message: None)
    ontology_graph = store.graph(layout.ONTOLOGY)
    ontology = [(q.subject, q.predicate, q.object) for q in store.quads(ontology_graph)]
    say(f"reasoning: closing the ontology with owlrl ({len(ontology)} triples)")
    tbox = tbox_closure(ontology)
    asserted = {
        (q.subject, q.predicate, q.object)
        for graph in store.query_graphs(inferred=False)
        for q in store.quads(graph)
    }
    say(f"reasoning: applying OWL-RL instance rules to {len(asserted)} asserted triples")
    inferred = entailments(asserted, tbox)
    store.replace_graphs({store.graph(layout.INFERRED): [ox.Triple(*t) for t in inferred]})
    say(f"reasoning: {len(inferred)} inferred triples")
    return len(inferred)
