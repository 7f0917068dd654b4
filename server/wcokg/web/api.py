"""/api/queries: the named queries of queries/ as a Web API, and /openapi.json describing it.

    GET /api/queries                    the catalogue: titles, descriptions, parameters, columns
    GET /api/queries/<name>?param=...   run one; JSON rows, or SPARQL JSON/XML, CSV, TSV
    GET /openapi.json                   OpenAPI 3.1 description of the whole HTTP API

Parameter values are checked against their declared type (400 with the reason) and bound to
the query's variables as RDF terms, never written into the query text.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, request, url_for

from .. import queries
from ..backends import Formats, QueryRequest
from . import answer_response, context, error_response, negotiate

blueprint = Blueprint("api", __name__)

#: Format name -> the media types that ask for it (the first is the one answered with).
OFFERS = {
    "json": ("application/json",),
    "sparql-json": ("application/sparql-results+json",),
    "xml": ("application/sparql-results+xml", "application/xml", "text/xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
}
#: The request parameter that names a format; no query may use it as a parameter.
FORMAT_PARAM = "format"
_BACKEND_FORMAT = {"json": "json", "sparql-json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv"}


@blueprint.errorhandler(queries.ParameterError)
def _bad_parameter(err: Exception) -> Response:
    return error_response(400, str(err))


@blueprint.errorhandler(queries.UnknownQuery)
def _unknown_query(err: Exception) -> Response:
    return error_response(404, str(err))


def describe(query: queries.NamedQuery) -> dict:
    """A query as the catalogue lists it."""
    settings = context().settings
    params = []
    for param in query.params:
        entry = {key: value for key, value in vars(param).items() if value not in (None, "", False) or key == "required"}
        if param.type == "enum":
            entry["values"] = list(queries.concept_codes(settings, param.scheme))
        params.append(entry)
    return {
        "name": query.name,
        "summary": query.summary, "summary_fr": query.summary_fr,
        "description": query.description, "description_fr": query.description_fr,
        "params": params,
        "columns": list(query.columns),
        "url": url_for("api.run_query", name=query.name),
    }


@blueprint.get("/api/queries")
def list_queries() -> Response:
    return jsonify(queries=[describe(q) for q in queries.catalogue(context().settings).values()])


@blueprint.get("/api/queries/<name>")
def run_query(name: str) -> Response:
    settings = context().settings
    query = queries.find(settings, name)
    values = {}
    for key in request.args:
        if key == FORMAT_PARAM:
            continue
        given = request.args.getlist(key)
        if len(given) > 1:
            raise queries.ParameterError(f"parameter {key} is given {len(given)} times; give it once")
        values[key] = given[0]
    bound = queries.bind(query, values, settings)
    fmt = negotiate(OFFERS, "json")
    if fmt is None:
        return error_response(406, f"no acceptable format; this API offers {', '.join(m[0] for m in OFFERS.values())}")
    job = QueryRequest(queries.text_for(query, settings), Formats(_BACKEND_FORMAT[fmt], None),
                       substitutions=tuple((variable.value, term) for variable, term in bound.items()))
    render = (lambda answer: jsonify(_rows(query, answer.body, answer.truncated_at))) if fmt == "json" else None
    return answer_response(*context().backend.answer(job), render)


def _rows(query: queries.NamedQuery, sparql_json: bytes, truncated_at: int | None) -> dict:
    """SPARQL JSON results as plain rows: {column: value}, numbers and booleans as JSON ones."""
    results = json.loads(sparql_json)
    columns = results["head"]["vars"]
    rows = [{column: _value(binding.get(column)) for column in columns} for binding in results["results"]["bindings"]]
    return {"query": query.name, "columns": columns, "rows": rows, "truncated_at": truncated_at}


_NUMBERS = {"http://www.w3.org/2001/XMLSchema#" + kind: int
            for kind in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger")}


def _value(term: dict | None):
    if term is None:
        return None
    datatype = term.get("datatype")
    if datatype in _NUMBERS:
        return int(term["value"])
    if datatype == "http://www.w3.org/2001/XMLSchema#boolean":
        return term["value"] == "true"
    return term["value"]


# -- OpenAPI ---------------------------------------------------------------------------------

_SCHEMAS = {
    "iri": {"type": "string", "format": "iri-reference"},
    "date": {"type": "string", "format": "date"},
    "integer": {"type": "integer"},
    "string": {"type": "string", "maxLength": queries.MAX_STRING},
}
_ERROR = {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
                                         "text/plain": {"schema": {"type": "string"}}}}


def _error(description: str) -> dict:
    return {**_ERROR, "description": description}


def _parameter_schema(param: queries.Parameter) -> dict:
    if param.type == "enum":
        schema = {"type": "string", "enum": list(queries.concept_codes(context().settings, param.scheme))}
    else:
        schema = dict(_SCHEMAS[param.type])
    if param.pattern:
        schema["pattern"] = f"^(?:{param.pattern})$"
    if param.default is not None:
        schema["default"] = int(param.default) if param.type == "integer" else param.default
    return schema


def _operation(query: queries.NamedQuery) -> dict:
    parameters = [{
        "name": param.name, "in": "query", "required": param.required,
        "description": f"{param.description} / {param.description_fr}".strip(" /"),
        "schema": _parameter_schema(param),
        **({"example": param.example} if param.example is not None else {}),
    } for param in query.params]
    parameters.append({"$ref": "#/components/parameters/format"})
    rows = {"type": "object", "properties": {
        "query": {"type": "string"},
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            column: {"type": ["string", "integer", "boolean", "null"]} for column in query.columns}}},
        "truncated_at": {"type": ["integer", "null"]},
    }}
    return {
        "operationId": query.name,
        "summary": query.summary,
        "description": f"{query.description}\n\n{query.summary_fr} : {query.description_fr}",
        "tags": ["named queries"],
        "parameters": parameters,
        "responses": {
            "200": {"description": f"Columns: {', '.join(query.columns)}", "content": {
                "application/json": {"schema": rows},
                **{media[0]: {"schema": {"type": "string"}} for name, media in OFFERS.items() if name != "json"},
            }},
            "400": _error("A parameter value does not fit its type"),
            "406": _error("No acceptable format"),
            "503": _error("The query ran past the time limit"),
        },
    }


def openapi_document() -> dict:
    catalogue = queries.catalogue(context().settings)
    paths = {"/api/queries": {"get": {
        "operationId": "listQueries", "summary": "List the named queries", "tags": ["named queries"],
        "responses": {"200": {"description": "The catalogue", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"queries": {"type": "array", "items": {"type": "object"}}}}}}}},
    }}}
    for name, query in catalogue.items():
        paths[f"/api/queries/{name}"] = {"get": _operation(query)}
    paths["/sparql"] = {"get": {
        "operationId": "sparqlQuery", "summary": "SPARQL 1.1 Protocol query (read-only)", "tags": ["SPARQL"],
        "parameters": [{"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
                        "description": "The SPARQL query; without it, the service description"},
                       {"$ref": "#/components/parameters/format"}],
        "responses": {"200": {"description": "Query results in the negotiated format"},
                      "400": _error("The query is malformed or refused"),
                      "503": _error("The query ran past the time limit")},
    }}
    paths["/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This description", "tags": ["meta"],
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}},
    }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "wco-kg API", "version": "0.1.0",
                 "description": "Named queries over the WCO technical-work knowledge graph, and its SPARQL endpoint."},
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": paths,
        "components": {
            "parameters": {"format": {
                "name": FORMAT_PARAM, "in": "query", "required": False,
                "description": "Result format, overriding the Accept header",
                "schema": {"type": "string"},
            }},
            "schemas": {"Error": {"type": "object", "properties": {
                "status": {"type": "integer"}, "error": {"type": "string"}}}},
        },
    }


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())
