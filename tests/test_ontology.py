"""The ontology: it parses, every term is labelled and defined in both languages, and it is consistent."""
from __future__ import annotations

import pytest
import rdflib
from owlrl.Namespaces import ERRNS
from rdflib import OWL, RDF, RDFS, SKOS

from conftest import ROOT

WCO = rdflib.Namespace("https://w3id.org/wcokg/ontology#")
ONTOLOGY_IRI = rdflib.URIRef("https://w3id.org/wcokg/ontology")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        graph.parse(path)
    return graph


def terms(graph, kind):
    return sorted(s for s in graph.subjects(RDF.type, kind) if isinstance(s, rdflib.URIRef) and s.startswith(WCO))


def test_ontology_header_has_version_iri(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionIRI) is not None
    assert {lit.language for lit in ontology.objects(ONTOLOGY_IRI, rdflib.DCTERMS.title)} == {"en", "fr"}


@pytest.mark.parametrize("kind", [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.Concept, SKOS.ConceptScheme])
def test_every_term_is_labelled_and_defined_in_english_and_french(ontology, kind):
    found = terms(ontology, kind) if kind not in (SKOS.Concept, SKOS.ConceptScheme) else sorted(ontology.subjects(RDF.type, kind))
    assert found, f"no {kind} in the ontology"
    for term in found:
        for pred in (RDFS.label, SKOS.definition):
            langs = sorted(lit.language for lit in ontology.objects(term, pred))
            assert langs == ["en", "fr"], f"{term} {pred}: languages {langs}"
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology, f"{term} lacks rdfs:isDefinedBy"


def test_every_property_declares_domain_and_range(ontology):
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in terms(ontology, kind):
            assert ontology.value(prop, RDFS.domain) is not None, f"{prop} has no rdfs:domain"
            assert ontology.value(prop, RDFS.range) is not None, f"{prop} has no rdfs:range"


def test_every_class_reuses_a_w3c_vocabulary_through_its_ancestors(ontology):
    w3c = ("http://www.w3.org/ns/", "http://www.w3.org/2006/time#", "http://xmlns.com/foaf/")
    for cls in terms(ontology, OWL.Class):
        ancestors = set(ontology.transitive_objects(cls, RDFS.subClassOf)) - {cls}
        assert any(str(a).startswith(w3c) for a in ancestors), f"{cls} is not aligned with ORG, PROV-O, OWL-Time..."


def test_part_of_and_reports_to_are_transitive_with_inverses(ontology):
    for prop, inverse in ((WCO.isPartOf, WCO.hasPart), (WCO.reportsTo, WCO.receivesReportsFrom)):
        assert (prop, RDF.type, OWL.TransitiveProperty) in ontology
        assert (prop, OWL.inverseOf, inverse) in ontology


def test_ontology_and_data_are_consistent_under_owl_rl(owlrl_closure):
    graph = owlrl_closure
    errors = [str(m) for e in graph.subjects(RDF.type, ERRNS.ErrorMessage) for m in graph.objects(e, ERRNS.error)]
    assert errors == []
    assert list(graph.subjects(RDF.type, OWL.Nothing)) == []
