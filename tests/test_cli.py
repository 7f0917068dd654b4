"""The `wcokg` command line, as a user runs it: query and validate, bad input included."""
from __future__ import annotations

import csv
import io
import json

from conftest import ROOT, wcokg

PTC = "https://w3id.org/wcokg/body/PTC"
QUERY = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
         f"SELECT ?label WHERE {{ <{PTC}> rdfs:label ?label }} ORDER BY ?label")


def test_query_prints_csv(built):
    out = wcokg("query", "--store", str(built.store), "-e", QUERY, "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows == [["label"], ["Comité technique permanent"], ["Permanent Technical Committee"]]


def test_query_reads_a_file_and_defaults_to_sparql_json(built, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text(QUERY, encoding="utf-8")
    out = wcokg("query", "--store", str(built.store), str(path))
    assert out.returncode == 0, out.stderr
    bindings = json.loads(out.stdout)["results"]["bindings"]
    assert [b["label"]["xml:lang"] for b in bindings] == ["fr", "en"]


def test_construct_prints_turtle_and_ntriples(built):
    construct = f"CONSTRUCT {{ <{PTC}> ?p ?o }} WHERE {{ <{PTC}> ?p ?o }}"
    turtle = wcokg("query", "--store", str(built.store), "-e", construct, "--format", "turtle")
    assert turtle.returncode == 0 and "Permanent Technical Committee" in turtle.stdout
    nt = wcokg("query", "--store", str(built.store), "-e", construct, "--format", "nt")
    assert all(line.startswith(f"<{PTC}>") for line in nt.stdout.splitlines() if line)


def test_query_without_inference_hides_inferred_triples(built):
    ask = f"ASK {{ <{PTC}> a <http://www.w3.org/ns/org#OrganizationalUnit> }}"
    with_inf = wcokg("query", "--store", str(built.store), "-e", ask)
    without = wcokg("query", "--store", str(built.store), "-e", ask, "--no-inference")
    assert json.loads(with_inf.stdout)["boolean"] is True
    assert json.loads(without.stdout)["boolean"] is False


def test_malformed_query_exits_2_with_position(built):
    out = wcokg("query", "--store", str(built.store), "-e", "SELECT * WHERE { ?s ?p }")
    assert out.returncode == 2
    assert "1:" in out.stderr and "syntax" in out.stderr.lower()


def test_an_undeclared_prefix_is_named_with_its_declaration(built):
    out = wcokg("query", "--store", str(built.store), "-e", "SELECT ?name WHERE { ?body wco:acronym ?name }")
    assert out.returncode == 2
    assert "the prefix wco: is not declared; declare it with PREFIX wco: <https://w3id.org/wcokg/ontology#>" in out.stderr


def test_query_against_missing_store_exits_2(tmp_path):
    out = wcokg("query", "--store", str(tmp_path / "nowhere"), "-e", "ASK {}")
    assert out.returncode == 2 and "wcokg build" in out.stderr


def test_validate_conforming_file_exits_0():
    out = wcokg("validate", str(ROOT / "data" / "bodies.ttl"), str(ROOT / "data" / "sources.ttl"))
    assert out.returncode == 0, out.stdout
    assert "Conforms" in out.stdout


def test_validate_violations_exit_1_with_messages_in_the_asked_language(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix wco: <https://w3id.org/wcokg/ontology#> .\n"
        "<https://w3id.org/wcokg/activity/x/I/1> a wco:TimeBoundActivity ; wco:activityNumber \"1a\" .\n",
        encoding="utf-8")
    en = wcokg("validate", str(bad))
    assert en.returncode == 1
    assert "A time-bound activity (Part I) needs at least one deadline" in en.stdout
    assert "digits only" in en.stdout
    fr = wcokg("validate", "--lang", "fr", str(bad))
    assert "doit avoir au moins un délai" in fr.stdout
    report = json.loads(wcokg("validate", "--format", "json", str(bad)).stdout)
    assert report["conforms"] is False
    assert {r["path"] for r in report["results"]} >= {"https://w3id.org/wcokg/ontology#deadline"}


def test_validate_syntax_error_exits_2_with_file_line_column(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b .\n", encoding="utf-8")
    out = wcokg("validate", str(broken))
    assert out.returncode == 2
    assert f"{broken}:3:" in out.stderr
