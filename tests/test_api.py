"""The named-query Web API over a real HTTP server on 127.0.0.1: listing, running, formats, errors, OpenAPI."""
from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request

import pytest
from openapi_spec_validator import validate

from servers import serving
from wcokg.web import create_app


@pytest.fixture(scope="module")
def server(built):
    with serving(create_app(built)) as url:
        yield url


def get(url: str, accept: str | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get_content_type(), err.read()


def test_catalogue_lists_every_query_with_its_parameters(server):
    status, media, body = get(f"{server}/api/queries")
    assert (status, media) == (200, "application/json")
    listed = {q["name"]: q for q in json.loads(body)["queries"]}
    assert len(listed) >= 25
    theme = listed["activities-by-theme"]
    assert theme["summary_fr"] == "Activités d'un thème"
    assert theme["params"][0]["name"] == "theme" and "green-customs" in theme["params"][0]["values"]
    assert theme["url"] == "/api/queries/activities-by-theme"


def test_run_returns_json_rows(server):
    status, media, body = get(f"{server}/api/queries/activities-by-priority?priority=C")
    assert (status, media) == (200, "application/json")
    result = json.loads(body)
    assert result["columns"] == ["activity", "part", "number", "themes", "title_en", "priority"]
    assert [(r["part"], r["number"]) for r in result["rows"]] == [("I", "17"), ("II", "18")]


@pytest.mark.parametrize("accept, media", [
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
])
def test_sparql_formats_by_negotiation(server, accept, media):
    status, got, body = get(f"{server}/api/queries/activities-by-priority?priority=C", accept)
    assert (status, got) == (200, media)
    assert b"ptc-2022-2025/I/17" in body and b"ptc-2022-2025/II/18" in body


def test_format_parameter_and_defaults(server):
    status, media, body = get(f"{server}/api/queries/overdue-activities?format=csv")  # default at=2024-04-01
    assert (status, media) == (200, "text/csv")
    assert [r["number"] for r in csv.DictReader(io.StringIO(body.decode()))] == ["8"]


@pytest.mark.parametrize("query, message", [
    ("activities-by-theme?theme=nope", "is not a theme code"),
    ("overdue-activities?at=yesterday", "is not a date"),
    ("activities-by-body?body=https://example.org/x", "is not under"),
    ("activities-by-theme?theme=safe&theme=aeo", "given 2 times"),
    ("activities-by-theme?colour=red", "unknown parameter"),
])
def test_bad_parameters_are_400_with_a_reason(server, query, message):
    status, media, body = get(f"{server}/api/queries/{query}", "application/json")
    assert status == 400
    assert message in json.loads(body)["error"]


def test_unknown_query_is_404_and_unacceptable_format_406(server):
    assert get(f"{server}/api/queries/no-such-query")[0] == 404
    assert get(f"{server}/api/queries/activities-by-theme", "image/png")[0] == 406


def test_openapi_document_validates_and_describes_every_query(server):
    status, media, body = get(f"{server}/openapi.json")
    assert (status, media) == (200, "application/json")
    document = json.loads(body)
    validate(document)
    assert document["openapi"].startswith("3.1")
    _, _, listed = get(f"{server}/api/queries")
    for query in json.loads(listed)["queries"]:
        operation = document["paths"][query["url"]]["get"]
        names = [p.get("name") for p in operation["parameters"] if "name" in p]
        assert names == [p["name"] for p in query["params"]]
    at = document["paths"]["/api/queries/overdue-activities"]["get"]["parameters"][0]
    assert at["schema"] == {"type": "string", "format": "date", "default": "2024-04-01"}
