"""Issue 3's query contract: activities.rq answers per activity; every data-quality check finds nothing."""
from __future__ import annotations

import csv
import io

import pytest

from wcokg import sparql
from wcokg.store import Store

from conftest import ROOT, wcokg

QC = sorted((ROOT / "queries" / "qc").glob("*.rq"))


@pytest.mark.parametrize("path", QC, ids=[p.stem for p in QC])
def test_quality_check_finds_nothing(built, path):
    store = Store(built, read_only=True)
    out = sparql.serialize(sparql.run(store, path.read_text(encoding="utf-8")), "csv").body.decode()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows == [], f"{path.name}: {len(rows)} offending rows, e.g. {rows[:5]}"


def test_activities_query_prints_one_row_per_activity(built):
    out = wcokg("query", "--store", str(built.store), "queries/activities.rq", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {"programme", "part", "number", "priority", "status", "title_fr", "title_en", "bodies", "themes"} <= set(rows[0])
    keys = [(r["programme"], r["part"], r["number"]) for r in rows]
    assert len(keys) == len(set(keys)), "an activity appears on two rows"
    parts = {part: sum(1 for r in rows if r["part"] == part) for part in ("I", "II")}
    # The cover note (002, para. 12) counts 42 activities in Part I and 52 in Part II.
    assert parts == {"I": 42, "II": 52}
    assert all("2022-2025" in r["programme"] for r in rows)
    first = rows[0]
    # Part I, activity 1 (001_…:260-266): priority B, led by the PTC with the Policy Commission and the Council.
    assert (first["part"], first["number"], first["priority"]) == ("I", "1", "B")
    assert set(first["bodies"].split(";")) >= {"PTC", "PC", "Council"}
    assert "e-commerce" in first["themes"].split(";")
