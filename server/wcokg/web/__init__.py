"""The web application: one Flask app, one blueprint per concern.

    endpoint       /sparql (SPARQL 1.1 Protocol), /healthz, the query UI
    api            /api/queries (the named queries of queries/), /openapi.json
    submissions    /validate, /submissions (data updates, validated before they go in)
    linked_data    /<path> (every IRI under the base, content-negotiated), /ontology, /shapes,
                   /.well-known/void, /context.jsonld, /dumps/
    (more blueprints are added to BLUEPRINTS as features land)

Every blueprint reaches the shared state through `context()`: the settings and the one
query backend (embedded store or remote SPARQL server) the app was created with. Blueprints
pick formats with `negotiate()` and let errors of `ERROR_STATUS` through: the app answers
every error the same way, as JSON or plain text with a message (`error_response()`).
`serve()` runs the app under granian.
"""
from __future__ import annotations

import importlib
import json
import logging
import os
import signal
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Callable, Mapping, Sequence

from flask import Flask, Response, current_app, request
from werkzeug import Request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from ..backends import (Answer, Backend, BackendUnavailable, NotAcceptable, QueryFailed, QueryTimeout, UpdateRefused,
                        open_backend)
from ..config import Settings
from ..rdf_io import InputError
from ..sparql import QueryError

#: Modules of this package that define a `blueprint`; registered in this order.
BLUEPRINTS = (
    "endpoint",
    "api",
    "ui",
    "submissions",
    "linked_data",
)


@dataclass
class Context:
    settings: Settings
    backend: Backend


def context() -> Context:
    """The settings and backend of the running app."""
    return current_app.extensions["wcokg"]


# -- content negotiation -----------------------------------------------------------------------

def negotiate(offers: Mapping[str, str | Sequence[str]], default: str, req: Request | None = None) -> str | None:
    """The name of the format the client wants among `offers` (name -> its media types).

    A `format` parameter (a name or a media type) wins over the Accept header; Accept is
    read with its q-values; no preference gives `default`. None: nothing offered is acceptable.
    `req` is the request (Flask's current one when not given).
    """
    req = req or request
    return _negotiated(tuple(offers.items()), default, req.values.get("format"), req.environ.get("HTTP_ACCEPT", ""))


@lru_cache(maxsize=256)
def _negotiated(offers: tuple[tuple[str, str | tuple[str, ...]], ...], default: str, asked: str | None,
                accept: str) -> str | None:
    # Memoized: clients send the same few Accept headers, and parsing one costs more than a cache hit.
    types = {name: (media,) if isinstance(media, str) else tuple(media) for name, media in offers}
    if asked:
        asked = asked.strip().lower()
        return next((name for name, media in types.items() if asked == name or asked in media), None)
    accepted = parse_accept_header(accept, MIMEAccept)
    if not accepted:
        return default
    # On a tie (*/* included) werkzeug keeps the first candidate: the default's types go first.
    candidates = list(types.get(default, ())) + [m for name, media in types.items() if name != default for m in media]
    best = accepted.best_match(candidates)
    return next((name for name, media in types.items() if best in media), None) if best else None


# -- errors --------------------------------------------------------------------------------------

#: Exceptions a blueprint may let through, and the HTTP status each is answered with.
ERROR_STATUS: dict[type[Exception], int] = {
    QueryError: 400,
    InputError: 400,
    UpdateRefused: 403,
    NotAcceptable: 406,
    QueryFailed: 500,
    BackendUnavailable: 502,
    QueryTimeout: 503,
}


def answer_response(answer: Answer, etag: str | None, render: Callable[[Answer], Response] | None = None,
                    req: Request | None = None) -> Response:
    """The HTTP response for a query answer: 304 when If-None-Match holds its ETag, else the
    answer as the backend wrote it (or as `render` turns it into a response)."""
    req = req or request
    if not_modified(etag, req.environ):
        response = Response(status=304)
    else:
        response = render(answer) if render else Response(answer.body, mimetype=answer.media_type)
    response.headers.extend(answer_headers(answer, etag))
    return response


def answer_headers(answer: Answer, etag: str | None) -> list[tuple[str, str]]:
    """The headers every query answer carries besides its content's: Vary, its ETag and truncation."""
    headers = [("Vary", "Accept")]
    if answer.truncated_at is not None:
        headers.append(("X-Result-Truncated", str(answer.truncated_at)))
    if etag is not None:
        headers.append(("ETag", etag))
    return headers


def not_modified(etag: str | None, environ: Mapping) -> bool:
    """Whether the request's If-None-Match holds `etag`: the client has the answer already."""
    return etag is not None and etag in environ.get("HTTP_IF_NONE_MATCH", "")


def error_response(status: int, message: str, req: Request | None = None) -> Response:
    """An error as JSON {"status", "error"} when the client prefers JSON, else as plain text."""
    req = req or request
    if req.accept_mimetypes.best_match(["text/plain", "application/json"]) == "application/json":
        response = Response(json.dumps({"status": status, "error": message}) + "\n", mimetype="application/json")
    else:
        response = Response(message.rstrip("\n") + "\n", mimetype="text/plain")
    response.status_code = status
    return response


def status_of(err: Exception) -> int | None:
    """The HTTP status an error of ERROR_STATUS is answered with; None for any other error."""
    return next((code for kind, code in ERROR_STATUS.items() if isinstance(err, kind)), None)


def _known_error(err: Exception) -> Response:
    return error_response(status_of(err), str(err))


def _http_error(err: HTTPException) -> Response:
    response = error_response(err.code or 500, err.description or err.name)
    for name, value in err.get_headers():  # Allow on 405, Retry-After, ...
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


# -- the app ---------------------------------------------------------------------------------------

def create_app(settings: Settings | None = None, backend: Backend | None = None) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.extensions["wcokg"] = Context(settings, backend or open_backend(settings))
    for kind in ERROR_STATUS:
        app.register_error_handler(kind, _known_error)
    app.register_error_handler(HTTPException, _http_error)
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(f"{__name__}.{name}").blueprint)
    from .endpoint import QueryEndpoint
    app.wsgi_app = QueryEndpoint(app.wsgi_app, app.extensions["wcokg"])
    return app


#: Request threads per server process; queries run on as many threads of their own.
THREADS = 8


def _retire_worker() -> None:
    """Ask this server worker to finish its requests and exit, ending a query that overran.

    The server starts a fresh worker in its place; the others go on serving meanwhile.
    """
    os.kill(os.getpid(), signal.SIGTERM)


def _worker_app(settings: Settings) -> Flask:
    """The app of one server worker, made after the fork: each opens its own read-only store
    handle, at once, so that its copy in memory is on its way before the first request."""
    backend = open_backend(settings, THREADS, on_overrun=_retire_worker)
    backend.open_in_background()
    return create_app(settings, backend)


def _thread_count_advice(record: logging.LogRecord) -> bool:
    """Drop granian's advice to run fewer request threads than THREADS on few cores.

    Its rule of thumb is for threads that run Python; ours mostly wait for a query, which runs
    without the GIL, and 8 threads served 20-90 % more point lookups a second than 5 on 2 cores.
    """
    return "Python threads, which seems quite high" not in record.getMessage()


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int | None = None) -> int:
    """Serve the app with granian: `workers` processes, each with its request and query threads.

    granian reads and writes HTTP in Rust, where gunicorn's threaded worker does it in Python:
    serving a constant answer, gunicorn managed 1,400-1,700 requests/s on two cores, granian
    8,000-12,000, which is the difference between a cheap query's cost and its cost twice over.
    A worker that stops (retired after an overrun, or crashed) is started again.
    """
    from granian import Granian
    from granian.constants import Interfaces

    server = Granian(
        "wcokg.web",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers or settings.workers,
        blocking_threads=THREADS,
        websockets=False,
        respawn_failed_workers=True,
        respawn_interval=1.0,
        # A worker told to stop finishes its other requests, at most this long.
        workers_kill_timeout=max(10, round(settings.query_timeout)),
        log_level="warning",
    )
    logging.getLogger("_granian").addFilter(_thread_count_advice)  # granian's own logger
    server.serve(target_loader=partial(_worker_app, settings), wrap_loader=False)
    return 0
