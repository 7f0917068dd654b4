"""Data submissions over HTTP: validate, submit, list, show and withdraw.

    POST   /validate             report on an upload, nothing stored (no token needed)
    POST   /submissions          store a conforming upload (201; 200 if already stored; 422 + report)
    GET    /submissions          the stored submissions
    GET    /submissions/<id>     one of them
    DELETE /submissions/<id>     withdraw it

An upload is a multipart form field `file`, or the request body with its file name in `name`
(the extension, or else the Content-Type, gives the format). Writes need
`Authorization: Bearer $WCOKG_WRITE_TOKEN`; with no token configured every write is refused.
Reports come as JSON, text, Turtle or HTML (Accept or `format`), in English or French
(Accept-Language or `lang`).
"""
from __future__ import annotations

import hmac
import json

from flask import Blueprint, Response, abort, jsonify, request

from .. import submissions
from ..validation import Report, ValidationFailure, render
from . import context, error_response, negotiate

blueprint = Blueprint("submissions", __name__)

REPORT_FORMATS = {"json": "application/json", "text": "text/plain", "turtle": "text/turtle", "html": "text/html"}


def _upload() -> tuple[bytes, str, str | None]:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            abort(400, "send the file as the form field 'file'")
        return upload.read(), upload.filename or request.args.get("name", "upload"), upload.mimetype
    # Read the body before anything looks at form fields, which would consume it.
    content = request.get_data(cache=True)
    name = request.args.get("name")
    if not name and not request.mimetype:
        abort(400, "send the file as the form field 'file', or as the body with ?name=FILE.ttl")
    return content, name or "upload", request.mimetype


def _lang() -> str:
    asked = request.values.get("lang")
    if asked in ("en", "fr"):
        return asked
    return request.accept_languages.best_match(["en", "fr"]) or "en"


def _report(report: Report, status: int, **extra) -> Response:
    fmt = negotiate(REPORT_FORMATS, "json")
    if fmt is None:
        abort(406, f"reports are available as {', '.join(REPORT_FORMATS.values())}")
    if fmt == "json" and extra:
        body = json.dumps({**extra, "report": json.loads(render(report, "json", _lang()))}, ensure_ascii=False)
    else:
        body = render(report, fmt, _lang())
    return Response(body, status=status, mimetype=REPORT_FORMATS[fmt],
                    headers={"Content-Language": _lang()})


def _authorised() -> None:
    token = context().settings.write_token
    if not token:
        abort(403, "writes are disabled: the server has no write token (WCOKG_WRITE_TOKEN)")
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].encode(), token.encode()):
        abort(401, "a write needs 'Authorization: Bearer <token>'")


def _limits(err: Exception) -> Response:
    if isinstance(err, submissions.LimitExceeded):
        return error_response(413, str(err))
    return error_response(503, str(err))


@blueprint.post("/validate")
def validate():
    content, name, media_type = _upload()
    try:
        report = submissions.validate(content, name, context().settings, media_type)
    except (submissions.LimitExceeded, ValidationFailure) as err:
        return _limits(err)
    return _report(report, 200)


@blueprint.post("/submissions")
def submit():
    _authorised()
    content, name, media_type = _upload()
    try:
        done, report = submissions.submit(content, name, context().settings,
                                          agent=request.values.get("agent") or "web", media_type=media_type)
    except submissions.Refused as refused:
        return _report(refused.report, 422)
    except (submissions.LimitExceeded, ValidationFailure) as err:
        return _limits(err)
    response = _report(report, 201 if done.created else 200, submission=done.as_dict())
    response.headers["Location"] = f"/submissions/{done.id}"
    return response


@blueprint.get("/submissions")
def listing():
    return jsonify(submissions=[s.as_dict() for s in submissions.submissions(context().settings)])


@blueprint.get("/submissions/<ident>")
def show(ident: str):
    try:
        return jsonify(submissions.get(ident, context().settings).as_dict())
    except submissions.NotFound:
        abort(404, f"no submission {ident}")


@blueprint.delete("/submissions/<ident>")
def withdraw(ident: str):
    _authorised()
    try:
        submissions.withdraw(ident, context().settings)
    except submissions.NotFound:
        abort(404, f"no submission {ident}")
    return Response(status=204)
