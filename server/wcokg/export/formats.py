"""The dump formats, the names dumps are written with, and the JSON-LD context.

Every part of an export speaks of formats and namespaces, so they live here, below the rest,
with the one error every part raises (the namespace table itself is `wcokg.rdf_io.PREFIXES`,
which the endpoint and the web UI read too). pyoxigraph's serializers write N-Triples, N-Quads,
Turtle, TriG and RDF/XML as they read; JSON-LD goes through rdflib to be compacted with the
published context, so that it reads as plain JSON.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Iterable

import pyoxigraph as ox

from ..config import Settings
from ..rdf_io import PREFIXES, prefixes


class ExportError(Exception):
    """An export that cannot be made as asked (unknown graph, profile, format...)."""


@dataclass(frozen=True)
class DumpFormat:
    name: str
    rdf_format: ox.RdfFormat
    extension: str

    @property
    def media_type(self) -> str:
        return self.rdf_format.media_type

    @property
    def quads(self) -> bool:
        """Whether the dump keeps graph names (JSON-LD is kept to one graph, to read as plain JSON)."""
        return self.rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


FORMATS = {f.name: f for f in (
    DumpFormat("nq", ox.RdfFormat.N_QUADS, "nq"),
    DumpFormat("trig", ox.RdfFormat.TRIG, "trig"),
    DumpFormat("ttl", ox.RdfFormat.TURTLE, "ttl"),
    DumpFormat("nt", ox.RdfFormat.N_TRIPLES, "nt"),
    DumpFormat("jsonld", ox.RdfFormat.JSON_LD, "jsonld"),
    DumpFormat("rdfxml", ox.RdfFormat.RDF_XML, "rdf"),
)}
FORMAT_BY_EXTENSION = {f.extension: f for f in FORMATS.values()}
GZIP_MEDIA_TYPE = "application/gzip"

RDF, RDFS, XSD = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["xsd"]
DCTERMS, DCAT, VOID, SPDX, FOAF, OWL, PROV = (PREFIXES[p] for p in ("dcterms", "dcat", "void", "spdx", "foaf", "owl", "prov"))
IANA = "https://www.iana.org/assignments/media-types/"


# -- the JSON-LD context -----------------------------------------------------------------------

def jsonld_context(settings: Settings, ontology: Iterable[ox.Quad | ox.Triple]) -> dict:
    """Prefixes, and a plain term for every class and property of the ontology.

    Object properties are typed @id, so their values read as IRI strings.
    """
    context: dict = dict(prefixes(settings))
    namespace = context["wco"]
    kinds: dict[str, str] = {}
    for t in ontology:
        if t.predicate.value == RDF + "type" and t.subject.value.startswith(namespace):
            kinds.setdefault(t.subject.value, t.object.value)
            if t.object.value == OWL + "ObjectProperty":
                kinds[t.subject.value] = t.object.value
    for iri, kind in sorted(kinds.items()):
        term = iri[len(namespace):]
        if not term or term in context:
            continue
        context[term] = {"@id": iri, "@type": "@id"} if kind == OWL + "ObjectProperty" else iri
    for term, iri, is_link in (("label", RDFS + "label", False), ("source", DCTERMS + "source", True),
                               ("title", DCTERMS + "title", False), ("notation", PREFIXES["skos"] + "notation", False)):
        context.setdefault(term, {"@id": iri, "@type": "@id"} if is_link else iri)
    return context


def write_jsonld(triples: Iterable[ox.Triple], out: IO[bytes], context: dict) -> None:
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    out.write(graph.serialize(format="json-ld", context=context, auto_compact=True, ensure_ascii=False)
              .encode("utf-8"))
