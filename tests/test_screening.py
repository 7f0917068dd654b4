"""Screening of query text: updates and SERVICE are refused wherever they hide, and nothing else is."""
from __future__ import annotations

import pytest

from wcokg.backends import UpdateRefused, screen
from wcokg.sparql import QueryError


@pytest.mark.parametrize("text, own_dataset", [
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("SELECT * FROM <https://example.org/g> WHERE { ?s ?p ?o }", True),
    ("select * from named <https://example.org/g> where { graph ?g { ?s ?p ?o } }", True),
    # Keywords as text: in strings, IRIs and comments, or part of a name or variable.
    ('SELECT * WHERE { ?s ?p "DROP SERVICE FROM" } # INSERT, LOAD, SERVICE', False),
    ("SELECT * WHERE { ?s <https://example.org/service/from/load> ?o }", False),
    ('SELECT * WHERE { ?s ?p """a long "string" with\nSERVICE <x> { } and \\""" CLEAR ALL""" }', False),
    ("PREFIX ex: <https://example.org/> SELECT ?service WHERE { ?service ex:from ex:load }", False),
    ("SELECT * WHERE { ?s ?p ?o }\n# from the report of the 250th session", False),
])
def test_queries_pass_and_say_whether_they_name_a_dataset(text, own_dataset):
    assert screen(text) is own_dataset


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p \"x\"SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",  # an escape SPARQL decodes
    "SELECT * WHERE { <urn:a> <urn:b> <urn:c> } # a comment\nSERVICE",
])
def test_service_is_refused(text):
    with pytest.raises(QueryError, match="SERVICE is not allowed"):
        screen(text)


@pytest.mark.parametrize("text", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "DROP ALL",
    "SELECT * WHERE { ?s ?p ?o } ; CLEAR DEFAULT",
    "\\u0044ROP ALL",
])
def test_updates_are_refused(text):
    with pytest.raises(UpdateRefused):
        screen(text)
