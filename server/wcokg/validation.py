"""Validating RDF against the SHACL shapes, with reports a person can act on.

pyshacl does the SHACL work, with the ontology (and its concept schemes) as ontology graph so
that sh:class sees subclasses. Results keep every language's message; a report is rendered in
the language the reader asks for.

A submission is validated together with the current graph (shapes/wco-rules.ttl asks whether
its codes, bodies and instruments exist there), but only its own nodes are focus nodes, so the
report speaks of the submission alone and stays fast on a large graph. SHACL runs in a child
process that is killed past WCOKG_VALIDATION_TIMEOUT.
"""
from __future__ import annotations

import html
import json
import multiprocessing
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib import RDF, SH

from .config import CANONICAL_BASE, Settings
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
    #: The result's node in the report graph, when pyshacl found it.
    graph_node: rdflib.term.Node | None = field(default=None, repr=False, compare=False)

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
def message_languages(home: Path, base: str) -> dict[str, str]:
    """The language of each message text of the shapes.

    pyshacl drops the language tag of SHACL-SPARQL messages; their text finds it again here.
    """
    return {str(m): m.language for m in shapes_graph(home, base).objects(None, SH.message)
            if getattr(m, "language", None)}


@lru_cache(maxsize=4)
def ontology_graph(home: Path, base: str) -> rdflib.Graph:
    return _graph_of(sorted((home / "ontology").glob("*.ttl")), base)


def validate_graph(data: rdflib.Graph, settings: Settings, focus_nodes: list | None = None) -> Report:
    """SHACL-validate `data` (ontology and concept schemes added) against the shapes."""
    # The ontology goes into the data graph itself: sh:class and sh:targetClass follow
    # rdfs:subClassOf there, and pyshacl mixes an ont_graph in only when it runs inference.
    mixed = data + ontology_graph(settings.home, settings.base)
    _, results_graph, text = pyshacl.validate(
        mixed,
        shacl_graph=shapes_graph(settings.home, settings.base),
        inference="none",
        advanced=True,
        allow_warnings=True,
        focus_nodes=focus_nodes,
    )
    if not isinstance(results_graph, rdflib.Graph):
        raise ValidationFailure(str(text))
    results = _results(results_graph, message_languages(settings.home, settings.base))
    return Report(conforms=not any(r.severity == "Violation" for r in results), results=results, graph=results_graph)


class ValidationFailure(Exception):
    """Validation could not run to its end: broken shapes, or past the time limit."""


def validate_submission(triples: Iterable[ox.Triple], settings: Settings, store=None, table=None) -> Report:
    """Validate a submission's triples together with the asserted graphs of `store`.

    `table` (a tables.MappedTable) locates each result in the row and column it came from.
    Status reports already in the store may be repeated but not changed: history is kept.
    """
    triples = list(triples)
    data = rdflib.Graph()
    for t in triples:
        data.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    focus = sorted({to_rdflib(t.subject) for t in triples})
    extra = _redefined_status_reports(triples, store) if store is not None else []
    if store is not None:
        for graph in store.query_graphs(inferred=False):
            for q in store.quads(graph):
                data.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    report = _with_timeout(lambda: _shacl_turtle(data, settings, focus), settings) \
        if focus else Report(conforms=True, graph=_empty_report())
    report.results = [*(_cell_results(table) if table is not None else []), *extra, *report.results]
    for result in report.results:
        if table is not None and result.row is None:
            result.row, result.column = table.locate(result.focus, result.path)
        _record(report.graph, result, settings.base)
    report.conforms = not report.violations
    report.graph.set((next(report.graph.subjects(RDF.type, SH.ValidationReport)), SH.conforms,
                      rdflib.Literal(report.conforms)))
    return report


def _shacl_turtle(data: rdflib.Graph, settings: Settings, focus: list) -> str:
    return validate_graph(data, settings, focus_nodes=focus).graph.serialize(format="turtle")


def _with_timeout(work, settings: Settings) -> Report:
    """Run `work` (returning the report graph as Turtle) in a forked child, killed past the validation timeout."""
    timeout = settings.validation_timeout
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child():
        try:
            send.send(("ok", work()))
        except Exception as err:  # the parent re-raises it as a ValidationFailure
            send.send(("error", str(err)))

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise ValidationFailure(f"validation took longer than {timeout:g} s (WCOKG_VALIDATION_TIMEOUT)")
        status, payload = receive.recv()
    except EOFError:
        raise ValidationFailure("validation stopped without an answer") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
    if status == "error":
        raise ValidationFailure(payload)
    graph = rdflib.Graph().parse(data=payload, format="turtle")
    results = _results(graph, message_languages(settings.home, settings.base))
    return Report(conforms=not any(r.severity == "Violation" for r in results), results=results, graph=graph)


def _empty_report() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.add((rdflib.BNode(), RDF.type, SH.ValidationReport))
    return graph


_STATUS_REPORT = "https://w3id.org/wcokg/ontology#StatusReport"


def _redefined_status_reports(triples: list[ox.Triple], store) -> list[Result]:
    """Status reports the store holds that the submission would change (only repeating them is allowed)."""
    status_class = ox.NamedNode(_under(store.settings.base, _STATUS_REPORT))
    type_ = ox.NamedNode(str(RDF.type))
    stated = {}
    for t in triples:
        stated.setdefault(t.subject, set()).add((t.predicate, t.object))
    out = []
    for subject, facts in stated.items():
        held = {(row["p"], row["o"]) for row in store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", inferred=False,
                                                              substitutions={ox.Variable("s"): subject})}
        if (type_, status_class) not in held or facts <= held:
            continue
        changed = sorted(facts - held, key=str)[0]
        out.append(Result(
            severity="Violation", focus=subject.value, path=changed[0].value, value=_text(changed[1]),
            messages={"en": "This status report is already in the graph: a status update adds a new dated status "
                            "report (a new status date) and never changes an earlier one.",
                      "fr": "Ce rapport de situation est déjà dans le graphe : une mise à jour ajoute un nouveau "
                            "rapport daté (une nouvelle date de situation) et ne modifie jamais un rapport antérieur."}))
    return out


def _under(base: str, iri: str) -> str:
    """A canonical IRI moved under `base`, as the build moves the graph."""
    return base + iri[len(CANONICAL_BASE):] if iri.startswith(CANONICAL_BASE) else iri


def _text(term) -> str:
    return term.value if hasattr(term, "value") else str(term)


def _cell_results(table) -> list[Result]:
    return [Result(severity="Violation", focus="", path=None, value=None, row=row, column=column,
                   messages={"en": f"The cell cannot be read: {message}.",
                             "fr": f"La cellule est illisible : {message}."})
            for row, column, message in table.errors]


def _record(graph: rdflib.Graph, result: Result, base: str) -> None:
    """Put a result found outside pyshacl, and any row and column, into the sh:ValidationReport graph."""
    locator = rdflib.URIRef(_under(base, "https://w3id.org/wcokg/ontology#locator"))
    node = result.graph_node
    if node is None:
        node = rdflib.BNode()
        graph.add((next(graph.subjects(RDF.type, SH.ValidationReport)), SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.resultSeverity, SH[result.severity]))
        if result.focus:
            graph.add((node, SH.focusNode, rdflib.URIRef(result.focus)))
        if result.path:
            graph.add((node, SH.resultPath, rdflib.URIRef(result.path)))
        if result.value is not None:
            graph.add((node, SH.value, rdflib.Literal(result.value)))
        for lang, message in result.messages.items():
            graph.add((node, SH.resultMessage, rdflib.Literal(message, lang=lang)))
    if result.row is not None:
        where = f"row {result.row}" + (f", column {result.column}" if result.column else "")
        graph.add((node, locator, rdflib.Literal(where)))


def validate_files(paths: list[Path], settings: Settings) -> Report:
    """Validate the files together (their union is one data graph); InputError if one is unreadable."""
    return validate_graph(_graph_of(paths, settings.base), settings)


def _results(graph: rdflib.Graph, languages: dict[str, str]) -> list[Result]:
    out = []
    for node in graph.subjects(RDF.type, SH.ValidationResult):
        def one(pred):
            value = graph.value(node, pred)
            return None if value is None else str(value)

        messages = {}
        for m in graph.objects(node, SH.resultMessage):
            messages.setdefault(getattr(m, "language", None) or languages.get(str(m), "en"), str(m))
        severity = one(SH.resultSeverity) or str(SH.Violation)
        out.append(Result(
            severity=severity.rsplit("#", 1)[-1],
            focus=one(SH.focusNode),
            path=one(SH.resultPath),
            value=one(SH.value),
            messages=messages,
            shape=one(SH.sourceShape),
            graph_node=node,
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
            "results": [{**{k: v for k, v in asdict(r).items() if k not in ("messages", "graph_node")},
                         "message": r.message(lang)} for r in report.results],
        }, ensure_ascii=False, indent=2) + "\n"
    if fmt == "turtle":
        return report.graph.serialize(format="turtle") if report.graph is not None else ""
    if fmt == "html":
        return _html(report, lang)
    lines = []
    for r in report.results:
        where = f" [{_WORDS[lang]['row']} {r.row}" + (f", {_WORDS[lang]['column']} {r.column}" if r.column else "") + "]" \
            if r.row else ""
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
