"""The rules of shapes/wco-rules.ttl, checked on submissions validated together with the built graph."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from wcokg.store import Store
from wcokg.submissions import read, validate
from wcokg.validation import render, validate_submission

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"
BASE = "https://w3id.org/wcokg/"
ONT = f"{BASE}ontology#"
PREFIXES = """@prefix wco: <https://w3id.org/wcokg/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@base <https://w3id.org/wcokg/> .
"""


@pytest.fixture(scope="module")
def graph(built):
    return Store(built, read_only=True)


def check(text: str, built, graph, name="update.ttl"):
    return validate((PREFIXES + text).encode(), name, built, store=graph)


def shapes_of(report):
    return {r.shape.rsplit("#", 1)[-1] for r in report.violations if r.shape}


def test_a_conforming_activity_passes(built, graph):
    report = validate((FIXTURES / "activity.ttl").read_bytes(), "activity.ttl", built, store=graph)
    assert report.conforms, render(report)


def test_the_same_activity_alone_fails_its_references(built):
    # Without the graph, the plan code, bodies and instruments it names are unknown.
    triples, _ = read((FIXTURES / "activity.ttl").read_bytes(), "activity.ttl", built)
    alone = validate_submission(triples, built)
    assert {"CodesInStrategicPlan", "BodiesExist", "InstrumentsExist"} <= shapes_of(alone)


def test_duplicate_number_late_status_and_missing_evidence(built, graph):
    report = validate((FIXTURES / "duplicate-number.ttl").read_bytes(), "duplicate-number.ttl", built, store=graph)
    assert {"ActivityNumberUnique", "StatusWithinProgramme", "CompletedHasEvidence"} <= shapes_of(report)
    late = next(r for r in report.violations if r.shape.endswith("StatusWithinProgramme"))
    assert late.value == "2027-01-15" and late.path == ONT + "statusDate"


def test_time_bound_activity_without_deadline(built, graph):
    report = check("""<activity/ptc-2022-2025/I/95> a wco:TimeBoundActivity ;
        wco:inProgrammePart <programme/ptc-2022-2025/I> ; wco:activityNumber "95" .""", built, graph)
    assert any(r.path == ONT + "deadline" and "deadline" in r.message("en") for r in report.violations)


def test_unknown_body_and_instrument(built, graph):
    report = check("""<activity/ptc-2022-2025/I/1> wco:leadBody <body/NOBODY> ; wco:maintains <instrument/NOTHING> .""",
                   built, graph)
    values = {(r.shape.rsplit("#", 1)[-1], r.value) for r in report.violations if r.shape}
    assert ("BodiesExist", "https://w3id.org/wcokg/body/NOBODY") in values
    assert ("InstrumentsExist", "https://w3id.org/wcokg/instrument/NOTHING") in values


def test_messages_in_english_and_french(built, graph):
    report = validate((FIXTURES / "unknown-body.ttl").read_bytes(), "unknown-body.ttl", built, store=graph)
    assert not report.conforms
    assert "Unknown body" in render(report, "text", "en")
    assert "Organe inconnu" in render(report, "text", "fr")


def test_a_result_names_its_shape_by_iri_even_when_written_inline(built, graph):
    # An inline property shape is a blank node whose name changes from run to run: the result
    # names the node shape that holds it.
    report = check("<activity/ptc-2022-2025/I/99> a wco:Activity .", built, graph)
    shapes = {r.shape for r in report.results}
    assert f"{BASE}shapes#ActivityShape" in shapes
    assert all(shape and shape.startswith(f"{BASE}shapes#") for shape in shapes), shapes


def test_the_summary_counts_in_words_of_each_language(built, graph):
    report = validate((FIXTURES / "unknown-body.ttl").read_bytes(), "unknown-body.ttl", built, store=graph)
    one = dataclasses.replace(report, results=report.violations[:1])
    assert render(one, "text", "en").splitlines()[-1] == "Does not conform: 1 violation."
    assert render(one, "text", "fr").splitlines()[-1] == "Non conforme : 1 violation."
    two = dataclasses.replace(report, results=report.violations[:1] * 2)
    assert render(two, "text", "fr").splitlines()[-1] == "Non conforme : 2 violations."


def test_a_status_report_may_not_be_redefined(built, graph):
    report = validate((FIXTURES / "status-redefined.ttl").read_bytes(), "status-redefined.ttl", built, store=graph)
    [result] = [r for r in report.violations if r.shape is None]  # found outside SHACL: it needs the store's history
    assert result.focus.endswith("/I/1/status/2024-04")
    assert result.value.endswith("concept/status/postponed")
    assert "nouvelle date de situation" in result.message("fr")


def test_repeating_a_status_report_unchanged_is_allowed(built, graph):
    report = check("""<activity/ptc-2022-2025/I/1/status/2024-04> wco:statusDate "2024-04-01"^^xsd:date .""",
                   built, graph)
    assert report.conforms, render(report)


def test_table_errors_carry_row_and_column(built, graph):
    report = validate((FIXTURES / "table-errors.csv").read_bytes(), "table-errors.csv", built, store=graph)
    located = {(r.row, r.column) for r in report.violations}
    assert (2, "priority") in located                 # Z is not a priority level
    assert (3, "lead body") in located                # NOBODY is not in the graph
    assert (4, "strategic-plan codes") in located     # PS99 is not in the plan
    assert (4, None) in located or any(r.row == 4 and r.shape and r.shape.endswith("CompletedHasEvidence")
                                       for r in report.violations)
    as_json = render(report, "json", "fr")
    assert '"row": 3' in as_json and '"column": "lead body"' in as_json
    assert "ligne 2, colonne priority" in render(report, "text", "fr")
    assert "row 3, column lead body" in render(report, "turtle")


def test_a_decision_concerns_activities_only(built, graph):
    report = check("<meeting/ptc-249-250/decision/11> wco:concernsActivity <activity/ptc-2022-2025/II/44> .", built, graph)
    assert report.conforms, render(report)
    report = check("<meeting/ptc-249-250/decision/11> wco:concernsActivity <instrument/ATA-Convention> .", built, graph)
    assert [r.path for r in report.violations] == [ONT + "concernsActivity"], render(report)
