"""What a resource IRI answers: its description, as triples and as a page to read.

The description of a resource is what a reader needs without a second request: the triples
it is the subject of (with the inferred ones on request), the triples that point at it, the
labels of every resource and property they name, and so its sources (dcterms:source, with
the document's label, and wco:locator). It is one CONSTRUCT query through the app's backend,
so it works the same on the embedded store and on a remote SPARQL server.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .backends import Backend, Formats, QueryRequest

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
DCTERMS_SOURCE = "http://purl.org/dc/terms/source"
LOCATOR = "https://w3id.org/wcokg/ontology#locator"

_DESCRIPTION = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT {
  $r ?p ?o . ?o rdfs:label ?objectLabel . ?p rdfs:label ?propertyLabel . ?o ?blankP ?blankO .
  ?s ?q $r . ?s rdfs:label ?subjectLabel . ?q rdfs:label ?inverseLabel .
}
WHERE {
  {
    $r ?p ?o .
    OPTIONAL { ?o rdfs:label ?objectLabel }
    OPTIONAL { ?p rdfs:label ?propertyLabel }
    OPTIONAL { ?o ?blankP ?blankO FILTER(isBlank(?o)) }
  } UNION {
    ?s ?q $r .
    OPTIONAL { ?s rdfs:label ?subjectLabel }
    OPTIONAL { ?q rdfs:label ?inverseLabel }
  }
}
"""


class NotDescribed(LookupError):
    """No triple names this IRI (HTTP 404)."""


@dataclass
class Description:
    iri: str
    triples: list[ox.Triple]
    #: The row limit when the description was cut there, else None.
    truncated_at: int | None = None


def describe(backend: Backend, iri: str, inferred: bool = False) -> Description:
    """The description of `iri`; NotDescribed when the graph does not name it."""
    node = ox.NamedNode(iri)  # ValueError for an invalid IRI, before anything reaches the query text
    text = _DESCRIPTION.replace("$r", str(node))
    answer, _ = backend.answer(QueryRequest(text, Formats(None, "nt"), inferred=inferred))
    triples = [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
    if not any(t.subject == node or t.object == node for t in triples):
        raise NotDescribed(f"nothing is known of <{iri}>")
    return Description(iri, triples, answer.truncated_at)


# -- a page to read ------------------------------------------------------------------------------

@dataclass
class Value:
    """One value on the page: a literal's text, or a link with its label."""

    text: str
    href: str | None = None
    lang: str | None = None
    datatype: str | None = None


@dataclass
class Row:
    property: Value
    values: list[Value] = field(default_factory=list)


@dataclass
class Page:
    iri: str
    title: str
    types: list[Value]
    rows: list[Row]
    incoming: list[Row]
    sources: list[Value]
    locators: list[str]


class Labels:
    """The best label of each IRI in one language: that language, else English, French, any, the IRI's tail."""

    def __init__(self, triples: list[ox.Triple], lang: str):
        self.lang = lang
        self._found: dict[str, dict[str, str]] = {}
        for t in triples:
            if t.predicate.value in (RDFS_LABEL, SKOS_PREF_LABEL) and isinstance(t.object, ox.Literal):
                self._found.setdefault(t.subject.value, {}).setdefault(t.object.language or "", t.object.value)

    def __call__(self, iri: str) -> str:
        found = self._found.get(iri, {})
        for lang in (self.lang, "en", "fr", ""):
            if lang in found:
                return found[lang]
        if found:
            return next(iter(found.values()))
        return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def page(description: Description, lang: str, local_href) -> Page:
    """The page of a description in `lang`; `local_href(iri)` gives the link for an IRI."""
    labels = Labels(description.triples, lang)
    me = ox.NamedNode(description.iri)

    def value(term) -> Value:
        if isinstance(term, ox.NamedNode):
            return Value(labels(term.value), local_href(term.value))
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value.rsplit("#", 1)[-1] if not term.language else None
            return Value(term.value, lang=term.language, datatype=None if datatype == "string" else datatype)
        return Value(str(term))

    def rows(pairs) -> list[Row]:
        grouped: dict[str, Row] = {}
        for predicate, term in pairs:
            row = grouped.setdefault(predicate.value, Row(value(predicate)))
            row.values.append(value(term))
        for row in grouped.values():
            row.values.sort(key=lambda v: (v.lang not in (lang, None), v.text.casefold()))
        return sorted(grouped.values(), key=lambda r: r.property.text.casefold())

    own = [t for t in description.triples if t.subject == me]
    shown = [t for t in own if t.predicate.value not in (RDF_TYPE, DCTERMS_SOURCE, LOCATOR)]
    return Page(
        iri=description.iri,
        title=labels(description.iri),
        types=sorted((value(t.object) for t in own if t.predicate.value == RDF_TYPE), key=lambda v: v.text),
        rows=rows((t.predicate, t.object) for t in shown),
        incoming=rows((t.predicate, t.subject) for t in description.triples if t.object == me),
        sources=sorted((value(t.object) for t in own if t.predicate.value == DCTERMS_SOURCE), key=lambda v: v.text),
        locators=sorted(t.object.value for t in own if t.predicate.value == LOCATOR),
    )
