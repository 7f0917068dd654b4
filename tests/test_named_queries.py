"""Issue 6: every named query answers its question exactly, on the shipped data.

Each expected result was read off the source documents in ../shared/seeds (cited beside it),
not copied from the query output. Only the key columns are compared; titles are not.
"""
from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from wcokg import queries
from wcokg.backends import with_values
from wcokg.store import Store

from conftest import ROOT, wcokg

def run(settings, name, **values):
    query = queries.find(settings, name)
    result = Store(settings, read_only=True).query(queries.text_for(query, settings),
                                                  substitutions=queries.bind(query, values, settings))
    assert [v.value for v in result.variables] == list(query.columns)
    return [{v.value: (None if row[v] is None else row[v].value.removeprefix(settings.base)) for v in result.variables}
            for row in result]


def keys(rows, *columns):
    return [tuple(row[c] for c in columns) for row in rows]


def test_catalogue_has_documented_queries(built):
    catalogue = queries.catalogue(built)
    assert len(catalogue) >= 25
    for query in catalogue.values():
        assert query.summary and query.summary_fr and query.description and query.description_fr
        for param in query.params:
            assert param.description and param.description_fr and param.example is not None, (query.name, param.name)
            queries.bind(query, {param.name: param.example}, built)  # every example is a valid value


def test_activities_by_theme(built):
    # Green-customs rows of 001: I.4-7 and I.9 (circular economy, plastic waste, waste movements, :730-1400),
    # I.26 and II.52 (SAFE Pillar III environmental compliance), I.35 (green customs study).
    rows = run(built, "activities-by-theme", theme="green-customs")
    assert keys(rows, "part", "number", "priority") == [
        ("I", "4", "A"), ("I", "5", "A"), ("I", "6", "B"), ("I", "7", "A"), ("I", "9", "B"),
        ("I", "26", "B"), ("I", "35", "A"), ("II", "52", "B")]


@pytest.mark.parametrize("theme, expected", [
    # 001 Part I rows of the Technical Committee on Rules of Origin: the certificate-of-origin
    # interconnectivity study (I.30-31, :3265-3624), the origin-irregularities guide (I.32) and the e-CO course (I.36).
    ("rules-of-origin", [("I", "30", "A"), ("I", "31", "A"), ("I", "32", "A"), ("I", "36", "B")]),
    # 001 Part II rows of the ATA/Istanbul and containers conventions' committees (:8025-8289).
    ("temporary-admission", [("II", "46", "A"), ("II", "47", "A"), ("II", "48", "A"), ("II", "49", "B"), ("II", "50", "B")]),
    # 001: the Asia-Pacific plastic-waste conference (I.6), the technology conferences (I.20), the WCO-UPU
    # e-commerce conference (I.21) and the Global AEO Conferences (I.27, no priority printed).
    ("events", [("I", "6", "B"), ("I", "20", "B"), ("I", "21", "B"), ("I", "27", None)]),
    # 001: the stress-test tool "for business continuity and recovery" (I.28, :3037-3099).
    ("business-continuity", [("I", "28", "A")]),
    # 001 Part II rows whose subject is cooperation with other international organisations: the WTO and
    # others on the TFA (II.12), on CBM (II.15), the Data Model among them (II.16), the Single Window (II.19).
    ("international-cooperation", [("II", "12", "A"), ("II", "15", "B"), ("II", "16", "B"), ("II", "19", "A")]),
])
def test_activities_by_narrower_theme(built, theme, expected):
    assert keys(run(built, "activities-by-theme", theme=theme), "part", "number", "priority") == expected


def test_activities_by_status(built):
    # Status column of 001 for April 2024: I.8 (:1181-1184, funding still under examination), I.13, I.31,
    # I.34-36 and II.51 are waiting; all reported to the PTC in April 2024.
    rows = run(built, "activities-by-status", status="postponed")
    assert keys(rows, "part", "number", "meeting") == [
        (p, n, "meeting/ptc-2024-04") for p, n in
        [("I", "8"), ("I", "13"), ("I", "31"), ("I", "34"), ("I", "35"), ("I", "36"), ("II", "51")]]


def test_activities_by_priority(built):
    # Only two rows of 001 carry priority C: I.17 and II.18 (single window).
    assert keys(run(built, "activities-by-priority", priority="C"), "part", "number", "themes") == [
        ("I", "17", "digital-customs;single-window"), ("II", "18", "single-window")]


def test_activities_by_body(built):
    # 001: the SAFE WG (GTS) is named first in the responsible column of I.23-26 (:2539-2870),
    # II.34, II.35 and II.52, and after another body in II.4 and II.37.
    assert keys(run(built, "activities-by-body", body="body/SAFE-WG"), "part", "number", "role") == [
        ("I", "23", "lead"), ("I", "24", "lead"), ("I", "25", "lead"), ("I", "26", "lead"),
        ("II", "4", "support"), ("II", "34", "lead"), ("II", "35", "lead"), ("II", "37", "support"),
        ("II", "52", "lead")]


def test_activities_by_strategic_code(built):
    # The strategic-link column of 001 names FA3 (= DA3 of 004) for I.18, I.19 and II.26.
    assert keys(run(built, "activities-by-strategic-code", code="DA3"), "part", "number") == [
        ("I", "18"), ("I", "19"), ("II", "26")]


def test_programme_summary(built):
    # 001's April 2024 status column: Part I 11 completed, 25 in progress, 6 waiting; Part II mostly ongoing.
    rows = run(built, "programme-summary")
    assert keys(rows, "part", "status", "activities") == [
        ("I", "completed", "11"), ("I", "in-progress", "25"), ("I", "postponed", "6"),
        ("II", "completed", "2"), ("II", "in-progress", "49"), ("II", "postponed", "1")]
    assert sum(int(r["activities"]) for r in rows) == 94  # 002 para. 12


def test_cross_theme_items(built):
    # I.24 (AEO for e-commerce stakeholders), I.26 / II.52 (SAFE Pillar III and the environment),
    # II.9 (pool of experts on the E-Commerce FoS and SAFE); their instruments; and the Secretary
    # General's opening address (003 paras 1-5), which names e-commerce and green customs.
    rows = run(built, "cross-theme-items")
    assert keys(rows, "kind", "item", "shared") == [
        ("activity", "activity/ptc-2022-2025/I/24", "2"), ("activity", "activity/ptc-2022-2025/I/26", "2"),
        ("activity", "activity/ptc-2022-2025/II/52", "2"), ("activity", "activity/ptc-2022-2025/II/9", "2"),
        ("instrument", "instrument/AEO-ECOM-Guidelines", "2"),
        ("instrument", "instrument/SAFE-Pillar-III-Repository", "2"),
        ("instrument", "instrument/SAFE-Pillar3-Environmental-Tools", "2"),
        ("presentation", "meeting/ptc-249-250/presentation/1", "2")]
    assert {frozenset(r["themes"].split(";")) for r in rows} == {
        frozenset({"safe", "e-commerce"}), frozenset({"green-customs", "safe"}), frozenset({"green-customs", "e-commerce"})}


def test_cross_theme_bodies(built):
    # The PTC, the SAFE WG and the Capacity Building Committee each lead or support activities of all three themes.
    rows = run(built, "cross-theme-bodies")
    assert keys(rows, "body", "activities") == [("body/PTC", "20"), ("body/SAFE-WG", "9"), ("body/CBC", "5")]
    assert all(set(r["themes"].split(";")) == {"e-commerce", "safe", "green-customs"} for r in rows)


def test_cross_theme_meetings(built):
    # Only the 249th/250th sessions (003) have items of several of the three themes.
    assert keys(run(built, "cross-theme-meetings"), "meeting", "theme_code", "items") == [
        ("meeting/ptc-249-250", "e-commerce", "28"), ("meeting/ptc-249-250", "green-customs", "21"),
        ("meeting/ptc-249-250", "safe", "3")]


def test_theme_paths(built):
    # II.5 (E-Commerce FoS capacity building) and II.4 (private-sector participation, SAFE) are both
    # supported by the Capacity Building Committee.
    assert keys(run(built, "theme-paths", to_theme="safe"), "start", "link", "via", "end") == [
        ("activity/ptc-2022-2025/II/5", "body", "body/CBC", "activity/ptc-2022-2025/II/4")]


def test_instruments_by_theme(built):
    rows = run(built, "instruments-by-theme", theme="safe")
    assert keys(rows, "instrument", "kind", "activities") == [
        ("instrument/AEO-ECOM-Guidelines", "Guidelines", "1"), ("instrument/AEO-FreeZones-Guidelines", "Guidelines", "1"),
        ("instrument/SAFE-FoS", "FrameworkOfStandards", "4"), ("instrument/SAFE-Pillar-III-Repository", "Compendium", "1"),
        ("instrument/SAFE-Pillar3-Environmental-Tools", "Guidelines", "1")]


def test_instrument_activities(built):
    # 001: I.23 adopts the SAFE FoS 2025; II.34/35 keep it up to date; I.24-26, II.9 and II.52 build on it.
    rows = run(built, "instrument-activities", instrument="instrument/SAFE-FoS")
    assert keys(rows, "number", "relation") == [
        ("23", "concerns"), ("23", "maintains"), ("24", "concerns"), ("25", "concerns"), ("26", "concerns"),
        ("9", "concerns"), ("34", "concerns"), ("34", "maintains"), ("35", "concerns"), ("35", "maintains"),
        ("52", "concerns"), ("52", "maintains")]
    assert {r["status"] for r in rows} == {"in-progress"}


def test_body_roles(built):
    rows = {r["body"]: (r["lead"], r["support"], r["decision"]) for r in run(built, "body-roles")}
    assert rows["body/SAFE-WG"] == ("7", "2", "0")  # as in test_activities_by_body
    assert int(rows["body/PTC"][0]) > int(rows["body/SAFE-WG"][0])


def test_reporting_lines(built):
    # The Policy Commission: the CBC, the Enforcement Committee, the PSCG and the PTC report to it;
    # the PMMPT reports to the CBC; the committees and working groups of 001 Part II report to the PTC.
    rows = keys(run(built, "reporting-lines", top="body/PC"), "body", "reports_to")
    assert rows[:5] == [("body/PMMPT", "body/CBC"), ("body/CBC", "body/PC"), ("body/EC", "body/PC"),
                        ("body/PSCG", "body/PC"), ("body/PTC", "body/PC")]
    assert {b for b, to in rows[5:]} >= {"body/SAFE-WG", "body/DMPT", "body/RKC-MC", "body/TEG-NII"}
    assert {to for b, to in rows[5:]} == {"body/PTC"}
    assert ("body/PC", "body/Council") in keys(run(built, "reporting-lines"), "body", "reports_to")


def test_status_history(built):
    # 001 gives one status column, written for the PTC's April 2024 meeting.
    rows = run(built, "status-history", activity="activity/ptc-2022-2025/I/1")
    assert keys(rows, "status_date", "meeting", "status") == [("2024-04-01", "meeting/ptc-2024-04", "in-progress")]
    assert rows[0]["status_text"].startswith("Concernant la 4ème édition du Recueil")


def test_overdue_activities(built):
    # I.8: deadline spring 2023 (001:1150-1184), status in April 2024 "funding under examination".
    assert keys(run(built, "overdue-activities", at="2024-04-01"), "number", "last_deadline", "status") == [
        ("8", "2023-05-31", "postponed")]
    # Before the spring 2023 deadline passed, nothing was overdue.
    assert run(built, "overdue-activities", at="2023-05-31") == []


def test_programme_succession(built):
    # 002 para. 12-13: 42 + 52 activities; Part I ends with 19 completed, 6 in progress, 17 waiting;
    # para. 20: the draft 2025-2028 programme has 21 + 48 activities.
    rows = run(built, "programme-succession")
    assert keys(rows, "part", "activities", "next_programme", "next_activities", "final_status", "final_count") == [
        ("I", "42", "programme/ptc-2025-2028", "21", "completed", "19"),
        ("I", "42", "programme/ptc-2025-2028", "21", "in-progress", "6"),
        ("I", "42", "programme/ptc-2025-2028", "21", "postponed", "17"),
        ("II", "52", "programme/ptc-2025-2028", "48", None, None)]


def test_carry_over_candidates(built):
    rows = run(built, "carry-over-candidates")
    assert len(rows) == 42 - 11  # Part I less the 11 completed by April 2024
    assert ("8", "postponed") in keys(rows, "number", "status")


def test_meeting_decisions(built):
    # 000 para. 4, 8 and 12: in May 2025 the PTC temporarily endorsed its draft 2025-2028 programme
    # and agreed on the new split of the FBAP activities.
    assert keys(run(built, "meeting-decisions", meeting="meeting/ptc-2025-05"), "decision", "kind") == [
        ("meeting/ptc-2025-05/decision/1", "endorsed"), ("meeting/ptc-2025-05/decision/2", "agreed")]
    assert len(run(built, "meeting-decisions")) == 58


def test_meeting_reports(built):
    # 003 para. 25: the SAFE WG 31 and DMPT 72 reports are endorsed, the others noted; four are oral.
    rows = run(built, "meeting-reports")
    assert keys(rows, "report", "oral", "decided") == [
        ("report/API-PNR-CC-21", "true", "took-note"), ("report/CAP-22", "true", "took-note"),
        ("report/Council-145-146", "false", "took-note"), ("report/DMPT-72", "false", "endorsed"),
        ("report/DMPT-73", "true", "took-note"), ("report/PC-92", "false", "took-note"),
        ("report/RKC-MC-35", "false", "took-note"), ("report/SAFE-WG-31", "false", "endorsed"),
        ("report/TEG-NII-12", "true", "took-note")]


def test_presentations_by_organisation(built):
    # 003 paras 91-94 (:1392-1405): the Universal Postal Union's presentation under item VII.d.
    assert keys(run(built, "presentations-by-organisation", presenter="org/UPU"), "presentation", "item", "paragraph") == [
        ("meeting/ptc-249-250/presentation/18", "VII.d", "91")]
    assert len(run(built, "presentations-by-organisation")) == 29


def test_kpis_by_process(built):
    # 004 KPI table (:189-191): PS2 has three indicators.
    rows = run(built, "kpis-by-process", code="PS2")
    assert keys(rows, "kpi") == [("strategy/2022-2025/kpi/16",), ("strategy/2022-2025/kpi/17",), ("strategy/2022-2025/kpi/18",)]
    assert rows[0]["label_en"] == "PS2 – Curb criminal activities"
    assert {r["code"] for r in run(built, "kpis-by-process")} == {"PS1", "PS2", "PS3", "PS4", "PS5"}


def test_decisions_by_kind(built):
    # 002 para. 5: the Council approved the Strategic Plan, the Implementation Plan and the PTC programme in
    # June 2022; 000 para. 4-5: it approved the Strategic Plan 2025-2028 at its 145th/146th sessions.
    assert keys(run(built, "decisions-by-kind", kind="approved"), "decision", "body") == [
        ("meeting/council-145-146/decision/1", "body/Council"), ("meeting/council-2022-06/decision/1", "body/Council"),
        ("meeting/council-2022-06/decision/2", "body/Council"), ("meeting/council-2022-06/decision/3", "body/Council")]


def test_instruments_by_body(built):
    assert keys(run(built, "instruments-by-body", body="body/PTC"), "instrument") == [
        ("instrument/Customs-Glossary",), ("instrument/ECOM-FoS",), ("instrument/ECOM-Package",)]


@pytest.mark.parametrize("name", ["activities-without-kpi", "activities-without-source", "activities-without-english-title"])
def test_data_quality_gaps_are_closed(built, name):
    # Every row of 001 has a performance indicator, a source and a translated title.
    assert run(built, name) == []


def test_activities_without_deadline(built):
    # Every Part I row of 001 gives a dated deadline; Part II rows say "Travail continu", except II.8's.
    assert run(built, "activities-without-deadline", part="I") == []
    rows = run(built, "activities-without-deadline")
    assert {r["part"] for r in rows} == {"II"} and len(rows) == 51


# -- parameters are checked and bound, never pasted -----------------------------------------------

@pytest.mark.parametrize("values, message", [
    ({"theme": "nope"}, "is not a theme code"),
    ({"theme": "safe", "other": "x"}, "unknown parameter"),
])
def test_bad_enum_and_unknown_parameters(built, values, message):
    with pytest.raises(queries.ParameterError, match=message):
        queries.bind(queries.find(built, "activities-by-theme"), values, built)


@pytest.mark.parametrize("name, values, message", [
    ("overdue-activities", {"at": "2024-02-30"}, "is not a date"),
    ("activities-by-body", {"body": "https://example.org/body/PTC"}, "is not under"),
    ("activities-by-body", {"body": "body/PTC> } ; DROP ALL ; #"}, "not a valid IRI"),
    ("activities-by-strategic-code", {"code": "PS1\" || true || \""}, "does not match"),
])
def test_bad_values(built, name, values, message):
    with pytest.raises(queries.ParameterError, match=message):
        queries.bind(queries.find(built, name), values, built)


def test_cli_runs_a_named_query_with_parameters(built):
    out = wcokg("query", "--store", str(built.store), "activities-by-priority", "--param", "priority=C", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert [(r["part"], r["number"]) for r in csv.DictReader(io.StringIO(out.stdout))] == [("I", "17"), ("II", "18")]
    bad = wcokg("query", "--store", str(built.store), "activities-by-priority", "--param", "priority=Z")
    assert bad.returncode == 2 and "priority" in bad.stderr
    unknown = wcokg("query", "--store", str(built.store), "no-such-query")
    assert unknown.returncode == 2 and "no-such-query" in unknown.stderr
    with_file = wcokg("query", "--store", str(built.store), "queries/activities.rq", "--param", "a=b")
    assert with_file.returncode == 2 and "--param" in with_file.stderr


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "queries").glob("*.rq")))
def test_values_binding_agrees_with_substitution(built, name):
    # A remote server gets its parameters as a VALUES block; the answer must be the same.
    query = queries.find(built, name)
    bound = queries.bind(query, {p.name: p.example for p in query.params if p.example is not None}, built)
    store, text = Store(built, read_only=True), queries.text_for(query, built)
    substituted = store.query(text, substitutions=bound).serialize(format=ox.QueryResultsFormat.CSV)
    valued = store.query(with_values(text, [(v.value, t) for v, t in bound.items()])).serialize(format=ox.QueryResultsFormat.CSV)
    assert substituted == valued


def test_values_bind_a_parameter_in_every_subquery_that_names_it():
    # As a substitution does: else a remote server runs the subquery over every programme and
    # joins the one asked for afterwards (programme-summary at 100k: 0.5 s against 16 ms).
    text = ('SELECT ?p ?n WHERE { { SELECT ?p (COUNT(?x) AS ?n) WHERE { ?x <http://e/in> ?p } GROUP BY ?p } '
            '{ SELECT ?y WHERE { ?y <http://e/other> ?z } } ?p <http://e/label> "WHERE { ?p }" }')
    assert with_values(text, [("p", ox.NamedNode("http://e/1")), ("x", ox.Literal("2"))]) == (
        'SELECT ?p ?n WHERE { VALUES (?p ?x) { (<http://e/1> "2") }  '
        '{ SELECT ?p (COUNT(?x) AS ?n) WHERE { VALUES (?p ?x) { (<http://e/1> "2") }  ?x <http://e/in> ?p } GROUP BY ?p } '
        '{ SELECT ?y WHERE { ?y <http://e/other> ?z } } ?p <http://e/label> "WHERE { ?p }" }')


def test_gap_queries_find_an_activity_with_every_gap(tmp_path):
    """The data-quality queries return nothing on the shipped data; here they must find a gap.

    A store is built from the repository plus one time-bound activity that lacks its KPI,
    deadline, source and English title.
    """
    from dataclasses import replace

    from wcokg.build import build
    from wcokg.config import Settings

    home = tmp_path / "home"
    home.mkdir()
    for folder in ("ontology", "shapes", "queries"):
        (home / folder).symlink_to(ROOT / folder)
    (home / "data").mkdir()
    for path in (ROOT / "data").glob("*.ttl"):
        (home / "data" / path.name).symlink_to(path)
    (home / "data" / "gaps.ttl").write_text("""
        @prefix wco: <https://w3id.org/wcokg/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @base <https://w3id.org/wcokg/> .
        <activity/ptc-2022-2025/I/99> a wco:TimeBoundActivity ;
            wco:inProgrammePart <programme/ptc-2022-2025/I> ;
            wco:activityNumber "99" ;
            rdfs:label "Activité sans source, sans délai, sans indicateur ni titre anglais"@fr .
        """, encoding="utf-8")
    settings = replace(Settings(), home=home, store=tmp_path / "store")
    build(settings, progress=lambda message: None)
    gap = "activity/ptc-2022-2025/I/99"

    assert [(r["part"], r["number"]) for r in run(settings, "activities-without-kpi") if r["activity"] == gap] == [("I", "99")]
    assert [r["number"] for r in run(settings, "activities-without-deadline") if r["activity"] == gap] == ["99"]
    assert [r["title_fr"] for r in run(settings, "activities-without-english-title")
            if r["activity"] == gap] == ["Activité sans source, sans délai, sans indicateur ni titre anglais"]
    assert gap in {r["node"] for r in run(settings, "activities-without-source")}
