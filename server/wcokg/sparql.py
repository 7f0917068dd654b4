"""Running SPARQL queries and writing their results in the standard formats.

One place decides which formats exist and their media types, for the CLI and the endpoint alike.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

import pyoxigraph as ox

from .rdf_io import prefixes

#: Strings (long ones first), IRIs and comments: where keywords and braces are only text. The
#: lookahead lets the scan skip every other character at once (a third faster on a named query).
_OPAQUE = re.compile(r"""(?=["'<#])(?:"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}"""
                     r"""|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n\r]*)""")


def blank_opaque(text: str) -> str:
    """The query text with its strings, IRIs and comments blanked out, at the same offsets, so
    that what is read of it (a keyword, a brace) is the query's own syntax."""
    return _OPAQUE.sub(lambda m: " " * len(m.group()), text)


#: name -> (media type, pyoxigraph format) for SELECT/ASK results.
SOLUTION_FORMATS = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv", ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
}
#: name -> (media type, pyoxigraph format) for CONSTRUCT/DESCRIBE results.
GRAPH_FORMATS = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "xml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}
GRAPH_FORMATS["rdfxml"] = GRAPH_FORMATS["xml"]
GRAPH_FORMATS["ttl"] = GRAPH_FORMATS["turtle"]
DEFAULT_SOLUTION_FORMAT = "json"
DEFAULT_GRAPH_FORMAT = "turtle"


class QueryError(Exception):
    """A query that cannot run: a syntax error (with its position) or a refused feature."""


#: pyoxigraph's message for a prefixed name whose prefix the query does not declare: its
#: position (line:column, just past the name) and then a list of every character it expected.
_UNDECLARED = re.compile(r"error at (\d+):(\d+): expected one of Prefix not found")
#: A prefixed name ending where the parser stopped; group 1 is its prefix (empty for ':').
_PREFIXED_NAME = re.compile(r"(?<![\w.:-])([A-Za-z][\w.-]*)?:[^\s(){}\[\],;]*$")


def syntax_error(err: SyntaxError, text: str, known: Mapping[str, str]) -> QueryError:
    """The parser's error as a QueryError, an undeclared prefix named (see undeclared_prefix)."""
    return QueryError(undeclared_prefix(str(err), text, known) or f"SPARQL syntax {err}")


def undeclared_prefix(message: str, text: str, known: Mapping[str, str]) -> str | None:
    """For Oxigraph's message on a prefix used but not declared (which lists two hundred
    expected characters), one that names the prefix, with its declaration when `known` has
    it; None for any other message. An Oxigraph server sends the same message."""
    found = _UNDECLARED.match(message)
    if found is None:
        return None
    line, column = map(int, found.groups())
    lines = text.split("\n")
    name = _PREFIXED_NAME.search(lines[line - 1][:column - 1]) if 0 < line <= len(lines) else None
    where = f"SPARQL syntax error at {line}:{column}"
    if name is None:
        return f"{where}: a prefix used there is not declared (PREFIX name: <IRI>)"
    prefix = name.group(1) or ""
    hint = f"; declare it with PREFIX {prefix}: <{known[prefix]}>" if prefix in known else ""
    return f"{where}: the prefix {prefix}: is not declared{hint}"


@dataclass
class Serialized:
    body: bytes
    media_type: str


def is_graph_result(result) -> bool:
    return isinstance(result, ox.QueryTriples)


def serialize(result, fmt: str | None = None) -> Serialized:
    """Write a query result in the named format (the kind's default when None)."""
    if is_graph_result(result):
        table, default = GRAPH_FORMATS, DEFAULT_GRAPH_FORMAT
    else:
        table, default = SOLUTION_FORMATS, DEFAULT_SOLUTION_FORMAT
    fmt = fmt or default
    if fmt not in table:
        kind = "CONSTRUCT/DESCRIBE" if table is GRAPH_FORMATS else "SELECT/ASK"
        raise QueryError(f"format {fmt!r} does not apply to {kind} results (use one of {', '.join(sorted(table))})")
    media_type, oxfmt = table[fmt]
    return Serialized(result.serialize(format=oxfmt), media_type)


def run(store, text: str, *, inferred: bool = True, **kwargs):
    """Execute `text` on the store; syntax errors become QueryError with the parser's message."""
    try:
        return store.query(text, inferred=inferred, **kwargs)
    except SyntaxError as err:
        raise syntax_error(err, text, prefixes(store.settings)) from None
