"""OWL-RL inference that can be refreshed in seconds after every change.

owlrl's full closure is too slow to rerun after each submission (minutes at 100k triples),
yet almost all of its work is on the ontology, which is small and rarely changes. So the
closure is computed in two steps whose union equals owlrl's (tests/test_reasoning.py checks
this on the shipped data):

1. owlrl closes the ontology alone (the TBox): transitive subclass and subproperty
   hierarchies, inherited domains and ranges, equivalences turned into two-way subsumption.
2. The OWL 2 RL rules that fire on instances given that closed TBox (cax-sco, prp-dom,
   prp-rng, prp-spo1, prp-inv1/2, prp-symp, prp-trp) run over the asserted triples.

The rules run in two ways that give the same triples (tests/test_reasoning.py checks it). A
build runs them inside the store it fills in memory (`close`): a few SPARQL CONSTRUCT
queries, each one rule family with the TBox pairs in VALUES, so the asserted triples never
pass through Python one by one. A change to a live store (a submission, a withdrawal)
must be one transaction, so it runs them in Python (`entailments`,
`entailments_of_addition`), semi-naively: each round only looks at what the previous round
added.

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


def close(store: Store, progress=None) -> int:
    """Fill the store's (empty) inferred graph with the entailments of everything in it.

    The same triples as `entailments`, computed by the store: the TBox closure goes in first,
    then each rule family is a CONSTRUCT of the triples it entails that the store lacks (by
    MINUS, a hash anti-join: FILTER NOT EXISTS looks each row up, ten times slower here),
    added before the next family runs. Each family is closed on its own (the property family
    follows chains of subproperties, inverses and symmetry in one step, the transitive one
    uses property paths), so a family runs again only when another has added triples of a
    property it reads. The additions are one transaction each, not one in all: this is for
    a store no one reads yet, such as the one a build fills in memory. Returns the size of
    the inferred graph.
    """
    say = progress or (lambda message: None)
    tbox = ontology_closure(store, say)
    graph = store.graph(layout.INFERRED)
    store.add(ox.Quad(*t, graph) for t in tbox if not store.holds(t))
    rules = _Rules(_Axioms(tbox))
    pending = set(rules.families)
    while pending:
        family = next(f for f in rules.families if f in pending)  # in order: types come last
        pending.discard(family)
        added = {(t.subject, t.predicate, t.object) for t in store.query(rules.families[family])}
        say(f"reasoning: {family}: {len(added)} new triples")
        if not added:
            continue
        store.add(ox.Quad(*t, graph) for t in added)
        written = {p for _, p, _ in added}
        pending |= {f for f in rules.families if rules.reads[f] & written and (f != family or not rules.idempotent[f])}
    inferred = store.triple_count(graph)
    say(f"reasoning: {inferred} inferred triples")
    return inferred


class _Rules:
    """The instance rules as SPARQL CONSTRUCT queries, one per family, with what each reads."""

    def __init__(self, axioms: _Axioms):
        self.families, self.reads, self.idempotent = {}, {}, {}
        forward, forward_resources, backward = _property_chains(axioms)
        if forward or forward_resources or backward:
            self._add("subproperties, inverses and symmetry",
                      {p for p, _ in forward | forward_resources | backward}, True, f"""
                CONSTRUCT {{ ?s ?q ?o . ?o ?r ?s }} WHERE {{
                  {{ {{ VALUES (?p ?q) {{ {_pairs(forward)} }} ?s ?p ?o }}
                    UNION {{ VALUES (?p ?q) {{ {_pairs(forward_resources)} }} ?s ?p ?o FILTER(!isLiteral(?o)) }}
                    MINUS {{ VALUES ?q {{ {_terms(q for _, q in forward | forward_resources)} }} ?s ?q ?o }} }}
                  UNION {{ VALUES (?p ?r) {{ {_pairs(backward)} }} ?s ?p ?o FILTER(!isLiteral(?o))
                    MINUS {{ VALUES ?r {{ {_terms(r for _, r in backward)} }} ?o ?r ?s }} }}
                }}""")
        if axioms.transitive:
            paths = " UNION ".join(f"{{ ?s {p}+ ?o BIND({p} AS ?p) }}" for p in sorted(axioms.transitive, key=str))
            self._add("transitive properties", set(axioms.transitive), True, f"""
                CONSTRUCT {{ ?s ?p ?o }} WHERE {{
                  {paths} MINUS {{ VALUES ?p {{ {_terms(axioms.transitive)} }} ?s ?p ?o }}
                }}""")
        domains = {(p, c) for p, classes in axioms.domains.items() for c in classes}
        ranges = {(p, c) for p, classes in axioms.ranges.items() for c in classes}
        if domains or ranges:
            typed = {p for p, _ in domains | ranges}
            self._add("domains and ranges", typed, TYPE not in typed, f"""
                CONSTRUCT {{ ?x a ?c }} WHERE {{
                  {{ SELECT DISTINCT ?x ?c WHERE {{
                    {{ VALUES (?p ?c) {{ {_pairs(domains)} }} ?x ?p ?o }}
                    UNION {{ VALUES (?p ?c) {{ {_pairs(ranges)} }} ?s ?p ?x FILTER(!isLiteral(?x)) }}
                  }} }}
                  MINUS {{ ?x a ?c }}
                }}""")
        superclasses = _transitive_closure(axioms.superclasses)
        if superclasses:
            self._add("superclasses", {TYPE}, True, f"""
                CONSTRUCT {{ ?x a ?c }} WHERE {{
                  {{ SELECT DISTINCT ?x ?c WHERE {{
                    VALUES (?class ?c) {{ {_pairs((k, c) for k, cs in superclasses.items() for c in cs)} }}
                    ?x a ?class
                  }} }}
                  MINUS {{ ?x a ?c }}
                }}""")

    def _add(self, family: str, reads: set, idempotent: bool, query: str) -> None:
        self.families[family], self.reads[family], self.idempotent[family] = query, reads, idempotent


def _property_chains(axioms: _Axioms) -> tuple[set, set, set]:
    """What one triple `s p o` entails through any chain of subproperty, inverse and symmetry
    axioms: pairs (p, q) giving `s q o` whatever o is (subproperties only), pairs (p, q)
    giving `s q o` when o is no literal (the chain went back and forth), and pairs (p, r)
    giving `o r s` (the chain ended reversed). Closed, so one pass finds them all."""
    forward, forward_resources, backward = set(), set(), set()
    properties = set(axioms.superproperties) | set(axioms.inverses) | axioms.symmetric
    up = _transitive_closure(axioms.superproperties)
    for p in properties:
        seen, todo = set(), [(p, False)]
        while todo:
            q, reversed_ = todo.pop()
            steps = [(r, reversed_) for r in axioms.superproperties.get(q, ())]
            steps += [(r, not reversed_) for r in axioms.inverses.get(q, ())]
            steps += [(q, not reversed_)] if q in axioms.symmetric else []
            for step in steps:
                if step not in seen:
                    seen.add(step)
                    todo.append(step)
        seen.discard((p, False))
        forward |= {(p, q) for q in up.get(p, ())}
        forward_resources |= {(p, q) for q, reversed_ in seen if not reversed_ and q not in up.get(p, ())}
        backward |= {(p, q) for q, reversed_ in seen if reversed_}
    return forward, forward_resources, backward


def _transitive_closure(edges: dict) -> dict:
    closed = {}
    for start in edges:
        seen, todo = set(), list(edges[start])
        while todo:
            node = todo.pop()
            if node not in seen and node != start:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        closed[start] = seen
    return {k: v for k, v in closed.items() if v}


def _terms(terms) -> str:
    return " ".join(sorted(set(map(str, terms))))


def _pairs(pairs) -> str:
    return " ".join(f"({a} {b})" for a, b in sorted(pairs, key=str))


def refresh(store: Store, progress=None, drop: Iterable[ox.NamedNode] = ()) -> int:
    """Recompute the inferred graph of a live store from everything asserted, in one
    transaction that also drops the graphs of `drop` (a withdrawn submission, say), whose
    triples are then not reasoned over; returns the inferred graph's size."""
    say = progress or (lambda message: None)
    tbox = ontology_closure(store, say)
    drop = list(drop)
    asserted = {
        (q.subject, q.predicate, q.object)
        for graph in store.query_graphs(inferred=False) if graph not in drop
        for q in store.quads(graph)
    }
    say(f"reasoning: applying OWL-RL instance rules to {len(asserted)} asserted triples")
    inferred = entailments(asserted, tbox)
    store.replace_graphs({store.graph(layout.INFERRED): [ox.Triple(*t) for t in inferred]}, drop=drop)
    say(f"reasoning: {len(inferred)} inferred triples")
    return len(inferred)


def ontology_closure(store: Store, progress=None) -> set[tuple]:
    """The owlrl closure of the store's ontology graph (cached per process by tbox_closure)."""
    ontology = [(q.subject, q.predicate, q.object) for q in store.quads(store.graph(layout.ONTOLOGY))]
    if progress:
        progress(f"reasoning: closing the ontology with owlrl ({len(ontology)} triples)")
    return tbox_closure(ontology)
