"""/sparql: the SPARQL 1.1 Protocol for queries, read-only; and /healthz.

    GET  /sparql?query=...                     query in the URL
    POST /sparql  (application/x-www-form-urlencoded, query=...)
    POST /sparql  (application/sparql-query, the query as the body)
    GET  /sparql                               the SPARQL Service Description

default-graph-uri / named-graph-uri name the dataset; without them the default graph is the
union of the data graphs, with the inferred triples unless `inference=false`. The result
format follows `format` (a name or media type) or else Accept. Answers carry an ETag, and a
request whose If-None-Match matches is answered 304 without running the query again.

/sparql is answered by `QueryEndpoint`, a WSGI middleware in front of Flask (see there why);
/healthz is an ordinary route of this blueprint.
"""
from __future__ import annotations

import codecs
import logging
from functools import lru_cache

import pyoxigraph as ox
from flask import Blueprint, Response
from werkzeug import Request
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType
from werkzeug.sansio.utils import get_current_url
from werkzeug.utils import cached_property, get_content_type

from ..backends import Answer, Formats, NotAcceptable, QueryRequest, UpdateRefused
from ..sparql import GRAPH_FORMATS
from . import Context, answer_headers, context, error_response, negotiate, not_modified, status_of

log = logging.getLogger(__name__)

blueprint = Blueprint("endpoint", __name__)

#: Format name -> the media types that ask for it (the first is the one answered with).
SOLUTION_OFFERS = {
    "json": ("application/sparql-results+json", "application/json"),
    "xml": ("application/sparql-results+xml", "application/xml", "text/xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
}
GRAPH_OFFERS = {
    "turtle": ("text/turtle", "application/x-turtle"),
    "nt": ("application/n-triples", "text/plain"),
    "jsonld": ("application/ld+json", "application/json"),
    "xml": ("application/rdf+xml", "application/xml", "text/xml"),
    # Other names for the same formats, for the format parameter.
    "rdfxml": ("application/rdf+xml",),
    "ttl": ("text/turtle",),
}
_ALLOWED = "GET, POST, OPTIONS"
_ACCEPTED_CHARSETS = {"utf-8", "utf8", "us-ascii"}
_NO = {"false", "0", "no", "off"}
_YES = {"true", "1", "yes", "on"}

SD = "http://www.w3.org/ns/sparql-service-description#"
_W3C_FORMATS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD", "rdfxml": "RDF_XML",
}


def respond(req: Request, ctx: Context) -> Response | AnswerResponse:
    """The response to any request at /sparql: a query's answer, the service description, or an error."""
    if req.method == "OPTIONS":
        return _cors(Response(status=204, headers={"Allow": _ALLOWED}), req)
    if req.method not in ("GET", "HEAD", "POST"):
        response = error_response(405, f"{req.method} is not allowed at /sparql; use {_ALLOWED}", req)
        response.headers["Allow"] = _ALLOWED
        return response
    try:
        query = query_request(req)
        response = service_description(req, ctx) if query is None else AnswerResponse(
            *ctx.backend.answer(query), req)
    except HTTPException as err:
        response = error_response(err.code or 500, err.description or err.name, req)
    except Exception as err:  # noqa: BLE001 - the known errors get their status; others are 500
        status = status_of(err)
        if status is None:
            log.exception("/sparql failed")
            response = error_response(500, "the server failed to answer; the error is in its log", req)
        else:
            response = error_response(status, str(err), req)
    return _cors(response, req)


def query_request(req: Request) -> QueryRequest | None:
    """The query a protocol request asks for; None when it asks for the service description."""
    text = _query_text(req)
    if text is None:
        return None
    default_graphs, named_graphs = _iris(req, "default-graph-uri"), _iris(req, "named-graph-uri")
    if default_graphs is not None or named_graphs is not None:
        # A protocol dataset is exactly what it names: a part left out is empty.
        default_graphs, named_graphs = default_graphs or (), named_graphs or ()
    return QueryRequest(
        text,
        Formats(negotiate(SOLUTION_OFFERS, "json", req), negotiate(GRAPH_OFFERS, "turtle", req)),
        inferred=_inference(req),
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        base_iri=_endpoint_url(req.scheme, req.host, req.root_path, req.path),
    )


class QueryEndpoint:
    """WSGI middleware that answers /sparql before Flask, passing every other path on to it.

    Flask's work per request (contexts, routing, signals, response conversion) took 0.5-0.8 ms,
    five times what an answer from the result cache takes, and /sparql is where requests come
    by the thousand; it needs none of that work, only werkzeug's request parsing.
    """

    paths = frozenset(("/sparql", "/sparql/"))

    def __init__(self, app, ctx: Context):
        self.app = app
        self.ctx = ctx

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") not in self.paths:
            return self.app(environ, start_response)
        req = ProtocolRequest(environ)
        req.max_content_length = self.ctx.settings.max_upload_bytes
        return respond(req, self.ctx)(environ, start_response)


class ProtocolRequest(Request):
    """werkzeug's Request, with the URL parameters decoded in C.

    werkzeug decodes them with urllib, which goes from one %-escape to the next in Python: a
    named query sent in the URL holds about a thousand escapes, 90 µs of a 0.9 ms answer.
    """

    @cached_property
    def args(self):
        pairs = url_parameters(self.query_string)
        return super().args if pairs is None else self.parameter_storage_class(pairs)


def url_parameters(query_string: bytes) -> list[tuple[str, str]] | None:
    """The name-value pairs of an ASCII query string whose escapes are all well formed and spell
    UTF-8, decoded by CPython's C decoder of backslash escapes (the one pickle uses), each %XX
    turned into \\xXX; None for any other query string, which werkzeug's own parse reads."""
    if not query_string.isascii():
        return None
    try:
        return [(_unquote_plus(name), _unquote_plus(value))
                for name, _, value in (part.partition(b"=") for part in query_string.split(b"&") if part)]
    except (ValueError, UnicodeDecodeError):
        return None


def _unquote_plus(raw: bytes) -> str:
    raw = raw.replace(b"+", b" ")
    if b"%" not in raw:
        return raw.decode("ascii")
    return codecs.escape_decode(raw.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0].decode("utf-8")


@lru_cache(maxsize=64)
def _endpoint_url(scheme: str, host: str, root_path: str, path: str) -> str:
    """request.base_url, memoized: its IRI decoding costs as much as a cached answer."""
    return get_current_url(scheme, host, root_path, path)


def _query_text(req: Request) -> str | None:
    """The query of the request, or None when it asks for the service description."""
    if req.method in ("GET", "HEAD"):
        if "update" in req.args:
            raise UpdateRefused("SPARQL Update is not accepted: this endpoint is read-only")
        return _single(req.args.getlist("query"))
    media_type = req.mimetype
    charset = (req.mimetype_params.get("charset") or "utf-8").lower()
    if media_type == "application/sparql-update" or (
            media_type == "application/x-www-form-urlencoded" and "update" in req.form):
        raise UpdateRefused("SPARQL Update is not accepted: this endpoint is read-only")
    if charset not in _ACCEPTED_CHARSETS:
        raise UnsupportedMediaType(f"charset={charset}: queries must be sent in UTF-8")
    if media_type == "application/x-www-form-urlencoded":
        text = _single(req.form.getlist("query"))
        if text is None:
            raise BadRequest("the form has no 'query' field")
        return text
    if media_type == "application/sparql-query":
        try:
            return req.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as err:
            raise BadRequest(f"the query is not UTF-8 (byte {err.start})") from None
    raise UnsupportedMediaType(
        f"Content-Type {media_type or '(none)'} is not a query: send application/sparql-query "
        "or application/x-www-form-urlencoded with a 'query' field")


def _single(values: list[str]) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"{len(values)} queries in one request; send one 'query' parameter")
    return values[0] if values else None


def _iris(req: Request, name: str) -> tuple[str, ...] | None:
    values = req.args.getlist(name) + (req.form.getlist(name) if req.method == "POST" else [])
    return tuple(values) if values else None


def _inference(req: Request) -> bool:
    value = (req.values.get("inference") or "true").strip().lower()
    if value not in _NO | _YES:
        raise BadRequest(f"inference={value!r}: expected true or false")
    return value in _YES


_CORS = (("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", "ETag, X-Result-Truncated"))


def _cors(response: Response | AnswerResponse, req: Request) -> Response | AnswerResponse:
    if req.method in ("GET", "HEAD", "OPTIONS"):
        response.headers.extend(_CORS)
    return response


class AnswerResponse:
    """A query's answer as a WSGI response, its headers written as a plain list.

    What `answer_response` does with a werkzeug Response, without the Response: building one
    and turning it into WSGI took a third of the time of an answer from the result cache.
    """

    __slots__ = ("status", "headers", "body")

    def __init__(self, answer: Answer, etag: str | None, req: Request):
        if not_modified(etag, req.environ):
            self.status, self.headers, self.body = "304 NOT MODIFIED", [], b""
        else:
            self.status, self.body = "200 OK", b"" if req.method == "HEAD" else answer.body
            self.headers = [("Content-Type", _content_type(answer.media_type)),
                            ("Content-Length", str(len(answer.body)))]
        self.headers += answer_headers(answer, etag)

    def __call__(self, environ, start_response):
        start_response(self.status, self.headers)
        return [self.body]


@lru_cache(maxsize=32)
def _content_type(media_type: str) -> str:
    return get_content_type(media_type, "utf-8")  # as a werkzeug Response of that mimetype


def service_description(req: Request, ctx: Context) -> Response:
    """The SPARQL 1.1 Service Description of this endpoint, in the negotiated RDF format."""
    fmt = negotiate(GRAPH_OFFERS, "turtle", req)
    if fmt is None:
        raise NotAcceptable("no acceptable format for the service description; this endpoint offers "
                            + ", ".join(media for media, _ in GRAPH_FORMATS.values()))
    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(req.base_url)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
    ]
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(f"http://www.w3.org/ns/formats/{name}"))
                for name in _W3C_FORMATS.values()]
    for iri in ctx.backend.named_graphs():
        graph = ox.BlankNode()
        triples += [ox.Triple(dataset, sd("namedGraph"), graph), ox.Triple(graph, sd("name"), ox.NamedNode(iri))]
    media_type, oxfmt = GRAPH_FORMATS[fmt]
    return Response(ox.serialize(triples, format=oxfmt, prefixes={"sd": SD}), mimetype=media_type)


@blueprint.route("/healthz")
def healthz() -> Response:
    """200 once queries can be answered (the store is open or the SPARQL server answers), and
    where they run: in memory, on disk, or on the SPARQL server (this server process's view)."""
    try:
        where = context().backend.health()
    except Exception as err:  # noqa: BLE001 - any failure means not healthy; say why
        return Response(f"unavailable: {err}\n", status=503, mimetype="text/plain")
    return Response(f"ok: {where}\n", mimetype="text/plain")
