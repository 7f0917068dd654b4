"""Reading RDF: the format from a file name or media type, located syntax errors, rebasing.

Parsing goes through pyoxigraph: it reports line and column, never fetches a remote
JSON-LD context and does not expand external XML entities, so an upload cannot make the
server read a file or a URL.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox

from .config import CANONICAL_BASE, Settings

FORMATS_BY_EXTENSION = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
}


@dataclass
class InputError(Exception):
    """Input that cannot be read, with where: file, line and column when known."""

    source: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.source, "line": self.line, "column": self.column, "message": self.message}


def format_for(name: str, media_type: str | None = None) -> ox.RdfFormat:
    """The RDF format of a file name or, failing that, of a media type."""
    if media_type:
        fmt = ox.RdfFormat.from_media_type(media_type.split(";")[0].strip())
        if fmt is not None:
            return fmt
    fmt = FORMATS_BY_EXTENSION.get(Path(name).suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS_BY_EXTENSION))
        raise InputError(name, f"unknown RDF format (expected one of {known})")
    return fmt


def parse(content: bytes, source: str, fmt: ox.RdfFormat | None = None, base: str = CANONICAL_BASE) -> list[ox.Quad]:
    """All quads of `content`, or an InputError that says where the syntax breaks."""
    fmt = fmt or format_for(source)
    try:
        return list(ox.parse(content, format=fmt, base_iri=base, rename_blank_nodes=True))
    except (SyntaxError, ValueError, UnicodeDecodeError) as err:
        raise _located(err, source) from None


def load_file(store: ox.Store, path: Path, graph: ox.NamedNode, base: str) -> None:
    """Add a file's triples to `graph` of a pyoxigraph store, under `base`, or raise an InputError.

    With the canonical base the store parses the file itself, in Rust (a million triples
    never become Python objects); another base needs every IRI moved, so the quads pass
    through `rebase`. Blank nodes get fresh names either way.
    """
    if base != CANONICAL_BASE:
        store.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in rebase(parse_file(path), base))
        return
    try:
        store.load(path=str(path), format=format_for(str(path)), base_iri=CANONICAL_BASE, to_graph=graph)
    except OSError as err:
        raise InputError(str(path), err.strerror or str(err)) from None
    except (SyntaxError, ValueError, UnicodeDecodeError) as err:
        raise _located(err, str(path)) from None


def _located(err: Exception, source: str) -> InputError:
    if not isinstance(err, SyntaxError):
        return InputError(source, str(err))
    message = str(err)
    # pyoxigraph prefixes "Parser error at line L column C: "; the position is kept apart.
    if ": " in message and message.startswith("Parser error"):
        message = message.split(": ", 1)[1]
    return InputError(source, message, err.lineno, err.offset)


def parse_file(path: Path, base: str = CANONICAL_BASE) -> list[ox.Quad]:
    try:
        content = Path(path).read_bytes()
    except OSError as err:
        raise InputError(str(path), err.strerror or str(err)) from None
    return parse(content, str(path), base=base)


def rebase(quads: Iterable[ox.Quad], base: str) -> Iterator[ox.Quad]:
    """Quads with IRIs under the canonical base moved under `base` (no-op when they agree)."""
    if base == CANONICAL_BASE:
        yield from quads
        return

    def move(term):
        if isinstance(term, ox.NamedNode) and term.value.startswith(CANONICAL_BASE):
            return ox.NamedNode(base + term.value[len(CANONICAL_BASE):])
        if isinstance(term, ox.Literal) and term.datatype.value.startswith(CANONICAL_BASE):
            return ox.Literal(term.value, datatype=move(term.datatype))
        return term

    for q in quads:
        graph = q.graph_name
        yield ox.Quad(move(q.subject), move(q.predicate), move(q.object),
                      graph if isinstance(graph, ox.DefaultGraph) else move(graph))


def rebase_text(text: str, base: str) -> str:
    """SPARQL or Turtle text written against the canonical base, moved under `base`."""
    return text if base == CANONICAL_BASE else text.replace(CANONICAL_BASE, base)


#: The namespaces wco-kg writes and reads, by their usual prefixes, under the canonical base.
PREFIXES = {
    "wco": "https://w3id.org/wcokg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "void": "http://rdfs.org/ns/void#",
    "spdx": "http://spdx.org/rdf/terms#",
    "sh": "http://www.w3.org/ns/shacl#",
    "schema": "https://schema.org/",
}


def prefixes(settings: Settings) -> dict[str, str]:
    """PREFIXES with the ontology's namespace moved under the configured base."""
    return {name: rebase_text(iri, settings.base) for name, iri in PREFIXES.items()}
