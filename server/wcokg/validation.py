"""Validating RDF against the SHACL shapes, with reports a person can act on.

pyshacl does the SHACL work, with the ontology (and its concept schemes) as ontology graph so
that sh:class sees subclasses. Results keep every language's message; a report is rendered in
the language the reader asks for.
"""
from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pyshacl
import rdflib
from rdflib import RDF, SH

from .config import Settings
from .rdf_io import InputError, parse_file, rebase
from .reasoning import to_rdflib

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass
class Result:
    severity: str
    focus: str
    path: str | None
    value: str | None
    messages: dict[str, str]
    shape: str | None = None
    row: int | None = None
    column: str | None = None

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or self.messages.get("en") or next(iter(self.messages.values()), "")


@dataclass
class Report:
    conforms: bool
    results: list[Result] = field(default_factory=list)
    graph: rdflib.Graph | None = None

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]


def _graph_of(paths: list[Path], base: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        for q in rebase(parse_file(path), base):
            graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph


@lru_cache(maxsize=4)
def shapes_graph(home: Path, base: str) -> rdflib.Graph:
    return _graph_of(sorted((home / "shapes").glob("*.ttl")), base)


@lru_cache(maxsize=4)
def ontology_graph(home: Path, base: str) -> rdflib.Graph:
    return _graph_of(sorted((home / "ontology").glob("*.ttl")), base)


def validate_graph(data: rdflib.Graph, settings: Settings) -> Report:
    """SHACL-validate `data` (ontology and concept schemes added) against the shapes."""
    # The ontology goes into the data graph itself: sh:class and sh:targetClass follow
    # rdfs:subClassOf there, and pyshacl mixes an ont_graph in only when it runs inference.
    mixed = data + ontology_graph(settings.home, settings.base)
    conforms, results_graph, _ = pyshacl.validate(
        mixed,
        shacl_graph=shapes_graph(settings.home, settings.base),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    results = _results(results_graph)
    return Report(conforms=not any(r.severity == "Violation" for r in results), results=results, graph=results_graph)


def validate_files(paths: list[Path], settings: Settings) -> Report:
    """Validate the files together (their union is one data graph); InputError if one is unreadable."""
    return validate_graph(_graph_of(paths, settings.base), settings)


def _results(graph: rdflib.Graph) -> list[Result]:
    out = []
    for node in graph.subjects(RDF.type, SH.ValidationResult):
        def one(pred):
            value = graph.value(node, pred)
            return None if value is None else str(value)

        messages = {}
        for m in graph.objects(node, SH.resultMessage):
            messages.setdefault(getattr(m, "language", None) or "en", str(m))
        severity = one(SH.resultSeverity) or str(SH.Violation)
        out.append(Result(
            severity=severity.rsplit("#", 1)[-1],
            focus=one(SH.focusNode),
            path=one(SH.resultPath),
            value=one(SH.value),
            messages=messages,
            shape=one(SH.sourceShape),
        ))
    out.sort(key=lambda r: (SEVERITY_ORDER.get(r.severity, 3), r.focus or "", r.path or ""))
    return out


# -- rendering ---------------------------------------------------------------------------

_WORDS = {
    "en": {"conforms": "Conforms: no violations.", "fails": "Does not conform", "violations": "violations",
           "warnings": "warnings", "focus": "focus", "path": "path", "value": "value", "row": "row", "column": "column",
           "title": "Validation report"},
    "fr": {"conforms": "Conforme : aucune violation.", "fails": "Non conforme", "violations": "violations",
           "warnings": "avertissements", "focus": "nœud", "path": "chemin", "value": "valeur", "row": "ligne",
           "column": "colonne", "title": "Rapport de validation"},
}


def _summary(report: Report, lang: str) -> str:
    w = _WORDS[lang]
    warnings = sum(1 for r in report.results if r.severity != "Violation")
    head = w["conforms"] if report.conforms else f"{w['fails']}: {len(report.violations)} {w['violations']}."
    return head + (f" {warnings} {w['warnings']}." if warnings else "")


def render(report: Report, fmt: str = "text", lang: str = "en") -> str:
    lang = lang if lang in _WORDS else "en"
    if fmt == "json":
        return json.dumps({
            "conforms": report.conforms,
            "results": [{**{k: v for k, v in asdict(r).items() if k != "messages"}, "message": r.message(lang)}
                        for r in report.results],
        }, ensure_ascii=False, indent=2) + "\n"
    if fmt == "turtle":
        return report.graph.serialize(format="turtle") if report.graph is not None else ""
    if fmt == "html":
        return _html(report, lang)
    lines = []
    for r in report.results:
        where = f" [{_WORDS[lang]['row']} {r.row}, {_WORDS[lang]['column']} {r.column}]" if r.row else ""
        lines.append(f"{r.severity}: {r.focus}{where}")
        if r.path:
            lines.append(f"  {_WORDS[lang]['path']}: {r.path}")
        if r.value is not None:
            lines.append(f"  {_WORDS[lang]['value']}: {r.value}")
        lines.append(f"  {r.message(lang)}")
    lines.append(_summary(report, lang))
    return "\n".join(lines) + "\n"


def _html(report: Report, lang: str) -> str:
    w = _WORDS[lang]
    rows = "".join(
        f"<tr class='{r.severity.lower()}'><td>{r.severity}</td><td>{html.escape(r.focus or '')}</td>"
        f"<td>{html.escape(r.path or '')}</td><td>{html.escape(r.value or '')}</td>"
        f"<td>{r.row or ''}</td><td>{html.escape(r.column or '')}</td><td>{html.escape(r.message(lang))}</td></tr>"
        for r in report.results
    )
    return (f"<!doctype html><html lang='{lang}'><meta charset='utf-8'><title>{w['title']}</title>"
            f"<h1>{w['title']}</h1><p>{html.escape(_summary(report, lang))}</p>"
            f"<table><tr><th>severity</th><th>{w['focus']}</th><th>{w['path']}</th><th>{w['value']}</th>"
            f"<th>{w['row']}</th><th>{w['column']}</th><th>message</th></tr>{rows}</table></html>\n")
