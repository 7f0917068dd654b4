"""The shipped data: it conforms to the shapes with zero violations and keeps its linking conventions."""
from __future__ import annotations

import pytest
import rdflib
from rdflib import DCTERMS, SKOS

from wcokg.validation import validate_files

from conftest import ROOT

BASE = "https://w3id.org/wcokg/"
WCO = rdflib.Namespace(BASE + "ontology#")


def test_data_conforms_to_the_shapes(settings):
    report = validate_files(sorted((ROOT / "data").glob("*.ttl")), settings)
    assert report.violations == [], "\n".join(f"{r.focus} {r.path}: {r.message('en')}" for r in report.violations[:20])


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((ROOT / "data").glob("*.ttl")) + [ROOT / "ontology" / "concepts.ttl"]:
        graph.parse(path)
    return graph


def test_links_to_activities_cite_where_the_activity_is_read(graph):
    # A decision or agenda item of 003 linked to an activity of 001 cites both documents, and its
    # locator ends with the activity's own place, so a reader can open both ends of the link.
    links = list(graph.subject_objects(WCO.concernsActivity))
    assert len(links) >= 30
    for node, activity in links:
        assert {BASE + "document/PC0802", BASE + "document/PC0756-annex"} <= {
            str(s) for s in graph.objects(node, DCTERMS.source)}, node
        locator = str(graph.value(node, WCO.locator))
        assert f"activity concerned: {graph.value(activity, WCO.locator)}" in locator, node


def test_standing_reports_are_linked_to_their_activities(graph):
    # 003 para. 25 endorses the 31st SAFE WG report (003:487-488); Part II activity 34 of 001 is the PTC's
    # guidance on the SAFE WG's reports (001:7394-7429). Para. 72 notes the second periodic review of the
    # E-Commerce Package, which is Part I activity 3 (001:512-593).
    meeting, programme = BASE + "meeting/ptc-249-250/", BASE + "activity/ptc-2022-2025/"
    assert (rdflib.URIRef(meeting + "decision/25-e"), WCO.concernsActivity, rdflib.URIRef(programme + "II/34")) in graph
    assert (rdflib.URIRef(meeting + "decision/72-a"), WCO.concernsActivity, rdflib.URIRef(programme + "I/3")) in graph


def test_narrower_themes_come_with_their_broader_theme(graph):
    # The named queries match wco:theme exactly, so an item tagged with a narrower theme keeps the broader one.
    for node, theme in graph.subject_objects(WCO.theme):
        for broader in graph.objects(theme, SKOS.broader):
            assert (node, WCO.theme, broader) in graph, f"{node}: {theme} without {broader}"
