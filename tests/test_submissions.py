"""Submissions: every input format, refusals, idempotence, withdrawal, limits, a killed ingest, HTTP."""
from __future__ import annotations

import csv
import io
import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from servers import serving

from wcokg import reasoning
from wcokg import store as layout
from wcokg.rdf_io import InputError
from wcokg.store import Store
from wcokg.submissions import LimitExceeded, NotFound, Refused, read, submissions, submit, validate, withdraw
from wcokg.tables import map_table
from wcokg.validation import ValidationFailure

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "submissions"
TEMPLATE = ROOT / "data" / "templates" / "work-programme.csv"
BASE = "https://w3id.org/wcokg/"


@pytest.fixture
def copy(built, tmp_path):
    """A store of our own, copied from the session's built store (which stays untouched)."""
    target = tmp_path / "store"
    shutil.copytree(built.store, target)
    return replace(built, store=target)


def snapshot(settings) -> set:
    store = Store(settings, read_only=True)
    return set(store.quads())


@lru_cache(maxsize=1)
def closed_ontology(ontology: frozenset) -> set:
    return reasoning.tbox_closure(ontology)


def whole(settings) -> None:
    """The inferred graph is exactly what the asserted graphs entail: no half-written state."""
    store = Store(settings, read_only=True)
    tbox = closed_ontology(frozenset((q.subject, q.predicate, q.object) for q in store.quads(store.graph(layout.ONTOLOGY))))
    asserted = {(q.subject, q.predicate, q.object) for g in store.query_graphs(inferred=False) for q in store.quads(g)}
    inferred = {(q.subject, q.predicate, q.object) for q in store.quads(store.graph(layout.INFERRED))}
    assert inferred == reasoning.entailments(asserted, tbox)


@pytest.mark.parametrize("name", ["activity.ttl", "activity.trig", "activity.nt", "activity.nq",
                                  "activity.rdf", "activity.jsonld"])
def test_every_rdf_format_reads_to_the_same_triples(built, name):
    triples, _ = read((FIXTURES / name).read_bytes(), name, built)
    reference, _ = read((FIXTURES / "activity.ttl").read_bytes(), "activity.ttl", built)
    assert set(triples) == set(reference) and len(triples) == 33


def test_table_maps_to_the_curated_shape(built):
    mapped = map_table(TEMPLATE.read_bytes(), "work-programme.csv", built)
    by = {(t.subject.value, t.predicate.value): t.object for t in mapped.triples}
    activity = BASE + "activity/ptc-2022-2025/I/43"
    assert by[activity, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"].value.endswith("#TimeBoundActivity")
    assert by[activity, "https://w3id.org/wcokg/ontology#deadline"].value == activity + "/deadline/1"
    report = by[activity, "https://w3id.org/wcokg/ontology#hasStatusReport"].value
    assert report == activity + "/status/2024-10-01"
    assert by[report, "https://w3id.org/wcokg/ontology#statusDate"] == \
        ox.Literal("2024-10-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    assert mapped.locate(activity, "https://w3id.org/wcokg/ontology#leadBody") == (2, "lead body")


def test_xlsx_maps_like_csv(built, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    for row in csv.reader(io.StringIO(TEMPLATE.read_text(encoding="utf-8"))):
        book.active.append(row)
    book.save(tmp_path / "work-programme.xlsx")
    from_xlsx = map_table((tmp_path / "work-programme.xlsx").read_bytes(), "work-programme.xlsx", built)
    from_csv = map_table(TEMPLATE.read_bytes(), "work-programme.csv", built)
    located = lambda mapped: {t for t in mapped.triples if not t.predicate.value.endswith("#locator")}
    assert located(from_xlsx) == located(from_csv)
    assert ox.Literal("work-programme.xlsx, row 2") in {t.object for t in from_xlsx.triples}


def test_broken_turtle_says_file_line_and_column(built):
    with pytest.raises(InputError) as err:
        read((FIXTURES / "broken.ttl").read_bytes(), "broken.ttl", built)
    assert (err.value.source, err.value.line) == ("broken.ttl", 6) and err.value.column  # the unclosed IRI


def test_submit_table_keeps_status_history_and_withdraw_restores(copy):
    before = snapshot(copy)
    done, report = submit(TEMPLATE.read_bytes(), "work-programme.csv", copy, agent="Secretariat")
    assert done.created and report.conforms
    store = Store(copy, read_only=True)
    reports = {r["r"].value for r in store.query(
        "SELECT ?r WHERE { <https://w3id.org/wcokg/activity/ptc-2022-2025/I/2> "
        "<https://w3id.org/wcokg/ontology#hasStatusReport> ?r }")}
    assert reports == {BASE + "activity/ptc-2022-2025/I/2/status/2024-04",
                       BASE + "activity/ptc-2022-2025/I/2/status/2025-03-01"}
    # Provenance lives in the submission graph, about the graph.
    prov = {r["p"].value: r["o"] for r in store.query(
        f"SELECT ?p ?o WHERE {{ GRAPH <{done.graph}> {{ <{done.graph}> ?p ?o }} }}")}
    assert prov["http://purl.org/dc/terms/title"].value == "work-programme.csv"
    assert prov["http://www.w3.org/ns/prov#generatedAtTime"].datatype.value.endswith("#dateTime")
    assert [s.id for s in submissions(copy)] == [done.id]
    whole(copy)
    withdraw(done.id, copy)
    assert snapshot(copy) == before
    with pytest.raises(NotFound):
        withdraw(done.id, copy)


def test_resending_is_idempotent(copy):
    first, _ = submit((FIXTURES / "activity.ttl").read_bytes(), "activity.ttl", copy)
    after_first = snapshot(copy)
    again, _ = submit((FIXTURES / "activity.ttl").read_bytes(), "activity.ttl", copy)
    assert (again.id, again.created) == (first.id, False)
    assert snapshot(copy) == after_first


@pytest.mark.parametrize("name", ["unknown-body.ttl", "status-redefined.ttl"])
def test_a_refused_submission_stores_nothing(copy, name):
    before = snapshot(copy)
    with pytest.raises(Refused) as refused:
        submit((FIXTURES / name).read_bytes(), name, copy)
    assert refused.value.report.violations
    assert snapshot(copy) == before


def test_limits(copy):
    content = (FIXTURES / "activity.ttl").read_bytes()
    with pytest.raises(LimitExceeded, match="WCOKG_MAX_UPLOAD_BYTES"):
        validate(content, "activity.ttl", replace(copy, max_upload_bytes=100))
    with pytest.raises(LimitExceeded, match="WCOKG_MAX_TRIPLES"):
        validate(content, "activity.ttl", replace(copy, max_triples=10))
    with pytest.raises(ValidationFailure, match="WCOKG_VALIDATION_TIMEOUT"):
        validate(content, "activity.ttl", replace(copy, validation_timeout=0.01))


def test_killed_ingest_leaves_the_store_whole(copy):
    before = snapshot(copy)
    lock = copy.store.with_name(copy.store.name + ".lock")
    code = ("import sys; from pathlib import Path; from dataclasses import replace; from wcokg.config import Settings;"
            "from wcokg.submissions import submit;"
            f"submit(Path({str(TEMPLATE)!r}).read_bytes(), 'work-programme.csv',"
            f" replace(Settings(), home=Path({str(ROOT)!r}), store=Path({str(copy.store)!r})))")
    child = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while not lock.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # inside the ingest: validating, reasoning or writing
    child.send_signal(signal.SIGKILL)
    child.wait()
    store = Store(copy, read_only=True)
    graphs = store.graphs_named(layout.SUBMISSION_PREFIX)
    if graphs:  # the write had committed: the submission is all there
        assert store.triple_count(graphs[0]) == len(map_table(TEMPLATE.read_bytes(), "w.csv", copy).triples) + 15
    else:
        assert snapshot(copy) == before
    del store
    whole(copy)


# -- HTTP --------------------------------------------------------------------------------------------

@pytest.fixture
def server(copy):
    from wcokg.web import create_app

    settings = replace(copy, write_token="s3cret", max_upload_bytes=20_000)
    with serving(create_app(settings)) as url:
        yield url, settings


def call(url, method="GET", body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode()


def test_http_validate_submit_list_withdraw(server):
    url, _ = server
    turtle = (FIXTURES / "activity.ttl").read_bytes()
    auth = {"Authorization": "Bearer s3cret", "Content-Type": "text/turtle"}

    status, headers, body = call(f"{url}/validate?name=unknown-body.ttl", "POST",
                                 (FIXTURES / "unknown-body.ttl").read_bytes(),
                                 {"Accept": "text/plain", "Accept-Language": "fr"})
    assert status == 200 and "Organe inconnu" in body and "Non conforme" in body

    assert call(f"{url}/submissions?name=a.ttl", "POST", turtle, {"Content-Type": "text/turtle"})[0] == 401
    assert call(f"{url}/submissions?name=a.ttl", "POST", turtle, {**auth, "Authorization": "Bearer no"})[0] == 401

    status, _, body = call(f"{url}/submissions?name=unknown-body.ttl", "POST",
                           (FIXTURES / "unknown-body.ttl").read_bytes(), auth)
    assert status == 422 and json.loads(body)["conforms"] is False

    status, headers, body = call(f"{url}/submissions?name=activity.ttl", "POST", turtle, auth)
    assert status == 201, body
    ident = json.loads(body)["submission"]["id"]
    assert headers["Location"] == f"/submissions/{ident}"
    assert call(f"{url}/submissions?name=activity.ttl", "POST", turtle, auth)[0] == 200

    status, _, body = call(f"{url}/submissions")
    assert [s["id"] for s in json.loads(body)["submissions"]] == [ident]
    assert call(f"{url}/submissions/{ident}", "DELETE", headers=auth)[0] == 204
    assert call(f"{url}/submissions/{ident}")[0] == 404


def test_http_limits_and_writes_off_without_token(server, copy):
    url, _ = server
    status, _, body = call(f"{url}/validate?name=big.ttl", "POST", b"#" * 30_000, {"Content-Type": "text/turtle"})
    assert status == 413
    from wcokg.web import create_app

    with serving(create_app(replace(copy, write_token=None))) as url:
        status, _, body = call(f"{url}/submissions?name=a.ttl", "POST", (FIXTURES / "activity.ttl").read_bytes(),
                               {"Authorization": "Bearer anything", "Content-Type": "text/turtle"})
        assert status == 403 and "WCOKG_WRITE_TOKEN" in body
