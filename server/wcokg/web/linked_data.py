"""Linked data: every IRI under the base answers at the same path, and the dumps for partners.

    /<path>              the resource <BASE><path>: a page (HTML) or its description in Turtle,
                         JSON-LD, N-Triples or RDF/XML (Accept or ?format=); ?inferred=true adds
                         the inferred triples, ?lang=fr the French labels
    /ontology            the ontology: pyLODE documentation, or the ontology graph
    /shapes              the SHACL shapes graph
    /.well-known/void    the VoID/DCAT description of the dataset, with every dump's size and checksum
    /context.jsonld      the JSON-LD context the JSON-LD answers and dumps are compacted with
    /dumps/              the list of dumps; /dumps/wcokg.<ext>[.gz] one of them

The server may run under the canonical base (https://w3id.org/wcokg/) and still answer
locally: the IRI of a request is the base plus its path, whatever host it reached. Links on
the pages stay on the server that served them. Flask tries rules with fixed parts before the
catch-all, so /sparql, /api/..., /submissions and /healthz keep their own handlers.

Dumps are read from the embedded store and written once per store generation beside it.
"""
from __future__ import annotations

import io
import json
import threading

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request, send_file, url_for
from werkzeug.exceptions import NotFound

from .. import export, linked_data
from .. import store as layout
from ..backends import Formats, NotAcceptable, QueryRequest
from ..rdf_io import parse_file, rebase
from ..sparql import GRAPH_FORMATS
from . import context, negotiate
from .endpoint import GRAPH_OFFERS
from .ui import language

blueprint = Blueprint("linked_data", __name__, template_folder="../templates")

OFFERS = {"html": ("text/html", "application/xhtml+xml"), **GRAPH_OFFERS}
_YES = {"true", "1", "yes", "on"}
_generated = threading.Lock()


def _format() -> str:
    fmt = negotiate(OFFERS, "html")
    if fmt is None:
        raise NotAcceptable("no acceptable format; this resource is offered as " + ", ".join(
            media[0] for media in OFFERS.values()))
    return fmt


def _local_href(iri: str) -> str:
    """Where a browser follows an IRI: on this server when it lies under the base."""
    base = context().settings.base
    return "/" + iri[len(base):] if iri.startswith(base) else iri


def _rdf(triples: list[ox.Triple], fmt: str) -> Response:
    media_type, oxfmt = GRAPH_FORMATS[fmt]
    if oxfmt is ox.RdfFormat.JSON_LD:
        body = _jsonld(triples)
    else:
        body = ox.serialize(triples, format=oxfmt, prefixes=export.prefixes(context().settings)) or b""
    return _varying(Response(body, mimetype=media_type))


def _jsonld(triples: list[ox.Triple]) -> bytes:
    out = io.BytesIO()
    export.write_jsonld(triples, out, _context_document()["@context"])
    return out.getvalue()


def _varying(response: Response) -> Response:
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _graph(name: str) -> list[ox.Triple]:
    """A whole named graph, through the backend."""
    graph = ox.NamedNode(f"{context().settings.base}graph/{name}")
    text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
    answer, _ = context().backend.answer(QueryRequest(text, Formats(None, "nt")))
    return [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]


def _cached(name: str, make) -> bytes:
    """Bytes derived from the store, kept for its current generation (beside the store)."""
    generation = context().backend.generation()
    if generation is None:
        return make()
    path = export.cache_dir(context().settings, generation) / name
    with _generated:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(make())
            tmp.replace(path)
    return path.read_bytes()


# -- the ontology, the shapes, the context ----------------------------------------------------------

@blueprint.route("/ontology")
def ontology() -> Response:
    fmt = _format()
    if fmt != "html":
        return _rdf(_graph(layout.ONTOLOGY), fmt)
    return _varying(Response(_cached("ontology.html", _pylode), mimetype="text/html"))


def _pylode() -> bytes:
    """The ontology's documentation, by pyLODE (a few seconds: made once per store generation)."""
    import logging

    import rdflib
    from pylode import OntPub

    logging.getLogger("root").setLevel(logging.WARNING)  # pyLODE logs its progress at INFO on the root logger
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(_graph(layout.ONTOLOGY), format=ox.RdfFormat.N_TRIPLES), format="nt")
    return OntPub(graph).make_html().encode("utf-8")


@blueprint.route("/shapes")
def shapes() -> Response:
    fmt = _format()
    settings = context().settings
    # Read from shapes/, as validation reads them: the store does not keep them (see wcokg.store).
    triples = [q.triple for path in sorted(settings.shapes_dir.glob("*.ttl"))
               for q in rebase(parse_file(path), settings.base)]
    if fmt != "html":
        return _rdf(triples, fmt)
    turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=export.prefixes(context().settings))
    return _varying(Response(render_template(
        "document.html", lang=language(), title="wco-kg SHACL shapes", iri=request.base_url,
        formats=_alternates(), text=turtle.decode("utf-8")), mimetype="text/html"))


def _context_document() -> dict:
    data = _cached("context.jsonld", lambda: json.dumps(
        {"@context": export.jsonld_context(context().settings, _graph(layout.ONTOLOGY))}, indent=1).encode())
    return json.loads(data)


@blueprint.route("/context.jsonld")
def jsonld_context() -> Response:
    return _varying(Response(json.dumps(_context_document(), indent=1), mimetype="application/ld+json"))


# -- the dataset description and the dumps ----------------------------------------------------------

@blueprint.route("/.well-known/void")
def void() -> Response:
    fmt = negotiate(OFFERS, "turtle")
    if fmt is None:
        raise NotAcceptable("no acceptable format; the description is offered as " + ", ".join(
            media[0] for media in GRAPH_OFFERS.values()))
    settings = context().settings
    generation = context().backend.generation() or 0
    try:
        nt = _cached("void.nt", lambda: ox.serialize(export.well_known_void(settings, generation),
                                                     format=ox.RdfFormat.N_TRIPLES))
    except export.ExportError as err:  # no embedded store to describe
        abort(503, str(err))
    triples = [q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]
    if fmt == "html":
        turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=export.prefixes(settings))
        return _varying(Response(render_template(
            "document.html", lang=language(), title="wco-kg: VoID and DCAT description", iri=request.base_url,
            formats=_alternates(), text=turtle.decode("utf-8")), mimetype="text/html"))
    return _rdf(triples, fmt)


@blueprint.route("/dumps/")
def dumps() -> Response:
    settings = context().settings
    files = [{"name": f"wcokg.{fmt.extension}{suffix}", "format": fmt.name, "media_type": fmt.media_type,
              "compressed": bool(suffix), "url": url_for("linked_data.dump", name=f"wcokg.{fmt.extension}{suffix}")}
             for fmt in export.FORMATS.values() for suffix in (".gz", "")]
    profiles = [{"name": name, "summary": profile.query.summary,
                 "url": url_for("linked_data.profile_dump", name=name,
                                ext="csv" if profile.is_table else "ttl")}
                for name, profile in export.profile_catalogue(settings).items()]
    if negotiate({"html": ("text/html",), "json": ("application/json",)}, "html") == "json":
        return Response(json.dumps({"dumps": files, "profiles": profiles, "description": "/.well-known/void"},
                                   indent=1), mimetype="application/json")
    return Response(render_template("dumps.html", lang=language(), files=files, profiles=profiles),
                    mimetype="text/html")


@blueprint.route("/dumps/<name>")
def dump(name: str) -> Response:
    compressed = name.endswith(".gz")
    stem, _, extension = (name[:-3] if compressed else name).rpartition(".")
    fmt = export.FORMAT_BY_EXTENSION.get(extension)
    if stem != "wcokg" or fmt is None:
        raise NotFound(f"no dump {name}; see /dumps/")
    settings = context().settings
    try:
        with _generated:
            path = export.cached_dump(settings, fmt, compressed, context().backend.generation() or 0)
    except export.ExportError as err:  # no embedded store (a remote SPARQL server is behind the app)
        abort(503, str(err))
    return send_file(path, mimetype=export.GZIP_MEDIA_TYPE if compressed else fmt.media_type,
                     as_attachment=True, download_name=name, conditional=True, etag=True)


@blueprint.route("/dumps/profile/<name>.<ext>")
def profile_dump(name: str, ext: str) -> Response:
    settings = context().settings
    fmt = export.FORMAT_BY_EXTENSION.get(ext)
    if fmt is None and ext != "csv":
        raise NotFound(f"no format .{ext}; profiles come as .csv (tables) or .{', .'.join(export.FORMAT_BY_EXTENSION)}")
    lang = request.args.get("lang") if request.args.get("lang") in ("en", "fr") else None
    try:
        job = export.Export(settings, profile=name, values={"lang": lang} if lang else None)
    except export.ExportError as err:
        raise NotFound(str(err)) from None

    def make() -> bytes:
        out = io.BytesIO()
        if ext == "csv":
            job.write_table(out, lang or "en")
        else:
            job.write(fmt, out)
        return out.getvalue()

    try:
        body = _cached(f"profile-{name}-{lang or ''}.{ext}", make)
    except export.ExportError as err:
        raise NotFound(str(err)) from None
    return Response(body, mimetype="text/csv" if ext == "csv" else fmt.media_type)


# -- every other IRI under the base -----------------------------------------------------------------

def _alternates() -> list[tuple[str, str]]:
    """(format name, URL) of the machine-readable forms of this page."""
    return [(name, request.path + f"?format={name}") for name in ("turtle", "jsonld", "nt", "xml")]


@blueprint.route("/<path:path>")
def resource(path: str) -> Response:
    settings = context().settings
    iri = settings.base + path
    fmt = _format()
    inferred = (request.args.get("inferred") or "").lower() in _YES
    try:
        description = linked_data.describe(context().backend, iri, inferred)
    except ValueError:
        abort(404, f"{path}: not an IRI of this dataset")
    except linked_data.NotDescribed as err:
        raise NotFound(str(err)) from None
    if fmt != "html":
        response = _rdf(description.triples, fmt)
    else:
        lang = language()
        view = linked_data.page(description, lang, _local_href)
        response = _varying(Response(render_template(
            "resource.html", lang=lang, page=view, formats=_alternates(), inferred=inferred,
            truncated=description.truncated_at), mimetype="text/html"))
    if description.truncated_at is not None:
        response.headers["X-Result-Truncated"] = str(description.truncated_at)
    return response
