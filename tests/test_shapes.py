"""The shapes: valid SHACL, one node shape per main class, every message in English and French."""
from __future__ import annotations

import pyshacl
import pytest
import rdflib
from rdflib import RDF, SH

from conftest import ROOT, W3C, need_shared

WCO = rdflib.Namespace("https://w3id.org/wcokg/ontology#")
MAIN_CLASSES = ["Activity", "TimeBoundActivity", "Deadline", "StatusReport", "StatusTally", "WorkProgramme",
                "ProgrammePart", "WorkPlan", "PlanPhase", "Instrument", "WorkingBody", "SecretariatUnit",
                "ExternalOrganisation", "CustomsAdministration", "StrategicPlan", "StrategicElement",
                "KeyPerformanceIndicator", "Meeting", "AgendaItem", "Decision", "Presentation", "MeetingReport",
                "RequestedAction", "Document", "SourceDocument"]


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "shapes" / "wco-shapes.ttl")


def test_shapes_are_valid_shacl(shapes):
    shacl_shacl = need_shared(W3C / "data-shapes-test-suite/tests/core/complex/shacl-shacl.ttl")
    conforms, _, text = pyshacl.validate(shapes, shacl_graph=rdflib.Graph().parse(shacl_shacl))
    assert conforms, text


@pytest.mark.parametrize("name", MAIN_CLASSES)
def test_each_main_class_has_a_node_shape(shapes, name):
    assert list(shapes.subjects(SH.targetClass, WCO[name])), f"no node shape targets wco:{name}"


def test_every_constraint_has_a_severity_and_messages_in_both_languages(shapes):
    constraints = set(shapes.objects(None, SH.property)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    assert len(constraints) > 50
    for c in constraints:
        if shapes.value(c, SH.path) is None:
            continue
        langs = sorted(m.language for m in shapes.objects(c, SH.message))
        assert langs == ["en", "fr"], f"{c} ({shapes.value(c, SH.path)}): message languages {langs}"
        assert shapes.value(c, SH.severity) in (SH.Violation, SH.Warning, SH.Info), f"{c} has no severity"
