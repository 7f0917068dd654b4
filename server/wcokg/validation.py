"""Validating RDF against the SHACL shapes, with reports a person can act on.

pyshacl does the SHACL work, with the ontology (and its concept schemes) as ontology graph so
that sh:class sees subclasses. Results keep every language's message; a report is rendered in
the language the reader asks for.

A submission is validated together with the current graph (shapes/wco-rules.ttl asks whether
its codes, bodies and instruments exist there), but only its own nodes are focus nodes, so the
report speaks of the submission alone. The graph does not go to pyshacl whole: a few SPARQL
queries take from the store only what the shapes read about the submission's nodes
(submission_context), so the cost follows the submission's size, not the graph's. SHACL runs
in a child process that is killed past WCOKG_VALIDATION_TIMEOUT.
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
from pyshacl.graph_abstraction import DataGraph
from rdflib import RDF, SH

from .config import CANONICAL_BASE, Settings
from .rdf_io import parse_file, rebase
from .reasoning import to_rdflib
from .shacl_engine import Validator, data_graph

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass
class Result:
    severity: str
    focus: str
    path: str | None
    value: str | None
    messages: dict[str, str]
    #: The IRI of the shape the result comes from; for a property shape written inline in a
    #: node shape (a blank node, whose name changes from run to run), that node shape's IRI.
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


def _files(directory: Path) -> tuple:
    """The Turtle files of a directory with their size and modification time: a cache key that
    changes when one of them is edited, so a long-running server sees new shapes or ontology."""
    return tuple((path, stat.st_size, stat.st_mtime_ns)
                 for path in sorted(directory.glob("*.ttl")) for stat in [path.stat()])


def shapes_graph(home: Path, base: str) -> rdflib.Graph:
    return _parsed(_files(home / "shapes"), base)


def ontology_graph(home: Path, base: str) -> rdflib.Graph:
    return _parsed(_files(home / "ontology"), base)


@lru_cache(maxsize=8)
def _parsed(files: tuple, base: str) -> rdflib.Graph:
    # Treat the graph as read-only: every caller shares it.
    return _graph_of([path for path, *_ in files], base)


def message_languages(home: Path, base: str) -> dict[str, str]:
    """The language of each message text of the shapes.

    pyshacl drops the language tag of SHACL-SPARQL messages; their text finds it again here.
    """
    return _languages(_files(home / "shapes"), base)


@lru_cache(maxsize=8)
def _languages(files: tuple, base: str) -> dict[str, str]:
    return {str(m): m.language for m in _parsed(files, base).objects(None, SH.message)
            if getattr(m, "language", None)}


def validate_graph(data: rdflib.Graph, settings: Settings, focus_nodes: list | None = None) -> Report:
    """SHACL-validate `data` (ontology and concept schemes added) against the shapes."""
    return _validate_mixed(data + ontology_graph(settings.home, settings.base), settings, focus_nodes)


#: pyshacl's options: SHACL-AF (for the SHACL-SPARQL rules), warnings that do not fail, no
#: inference, no copy of the data graph.
_OPTIONS = {"inference": "none", "advanced": True, "allow_warnings": True, "inplace": True}


def _validate_mixed(mixed, settings: Settings, focus_nodes: list | None) -> Report:
    """SHACL-validate a data graph (rdflib or InMemoryData) that holds the ontology already.

    The ontology goes into the data graph itself: sh:class and sh:targetClass follow
    rdfs:subClassOf there, and pyshacl mixes an ont_graph in only when it runs inference.
    pyshacl may change the graph (inplace): it is ours and thrown away, so it is not copied.
    """
    data = mixed if isinstance(mixed, DataGraph) else DataGraph.from_rdflib(mixed)
    try:
        _, results_graph, text = Validator(data, shacl_graph=shapes_graph(settings.home, settings.base),
                                            options={**_OPTIONS, "focus_nodes": focus_nodes}).run()
    except pyshacl.errors.ValidationFailure as err:
        raise ValidationFailure(str(err)) from err
    if not isinstance(results_graph, rdflib.Graph):
        raise ValidationFailure(str(text))
    results = _results(results_graph, settings)
    return Report(conforms=not any(r.severity == "Violation" for r in results), results=results, graph=results_graph)


class ValidationFailure(Exception):
    """Validation could not run to its end: broken shapes, or past the time limit."""


def validate_submission(triples: Iterable[ox.Triple], settings: Settings, store=None, table=None) -> Report:
    """Validate a submission's triples together with the asserted graphs of `store`.

    `table` (a tables.MappedTable) locates each result in the row and column it came from.
    Status reports already in the store may be repeated but not changed: history is kept.
    """
    triples = list(triples)
    focus = sorted({to_rdflib(t.subject) for t in triples})
    context = submission_context(triples, store) if store is not None else []
    extra = _redefined_status_reports(triples, context, settings.base) if store is not None else []
    # Parsed here, once per process, so that every forked child inherits them.
    ontology = _ontology_triples(_files(settings.home / "ontology"), settings.base)
    shapes_graph(settings.home, settings.base)
    report = _with_timeout(lambda: _shacl_turtle([*triples, *context, *ontology], settings, focus), settings) \
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


#: What the rules of shapes/wco-rules.ttl follow from a focus node through other nodes
#: (wcosh:StatusWithinProgramme: status report -> activity -> programme part -> programme).
_RULE_LINKS = ("statusOf", "inProgrammePart", "isPartOf")

_DESCRIBE = """
CONSTRUCT {{ ?node ?p ?o . ?o ?q ?v }} WHERE {{
    VALUES ?start {{ {nodes} }}
    {reach}
    ?node ?p ?o .
    OPTIONAL {{ ?o ?q ?v FILTER(isBlank(?o)) }}
}}"""

_SAME_NUMBER = """
CONSTRUCT {{ ?other <{part}> ?part ; <{number}> ?number }} WHERE {{
    VALUES (?part ?number) {{ {pairs} }}
    ?other <{part}> ?part ; <{number}> ?number .
}}"""


def submission_context(triples: list[ox.Triple], store) -> list[ox.Triple]:
    """The triples of the store's asserted graphs that the shapes read when they validate the
    submission's nodes: with the submission and the ontology, they give the very results that
    validating the submission together with the whole graph gives.

    Why this is enough. Only the submission's subjects are focus nodes, so only what a shape
    reads from one of them matters:
    - SHACL core reads a focus node's own triples (targets, counts, values: all of its triples
      go in, those the store holds too) and, for sh:class and sh:node, the triples of its value
      nodes (their rdf:type, skos:inScheme): every IRI value is described, and a blank one
      with its own triples, in the same query. Class hierarchies come from the ontology.
    - wcosh:StatusWithinProgramme follows wco:statusOf/wco:inProgrammePart/wco:isPartOf to a
      programme's dates. Each link of that path is in the submission (then both its ends are
      submission nodes) or in the store, so the path is found by starting from every node the
      submission names and following those links in the store (_RULE_LINKS): the nodes reached
      are described whole.
    - wcosh:ActivityNumberUnique looks for another activity of the same part with the same
      number: the store's activities with one of the (part, number) pairs of the submission's
      activities are added, with those two triples.
    - wcosh:CodesInStrategicPlan, BodiesExist and InstrumentsExist read the rdf:type of values:
      described above. CompletedHasEvidence reads the focus node alone.
    A new rule that reads further must extend this; tests/test_validation_context.py compares
    the results with those of the whole graph.
    """
    named = {term for t in triples for term in (t.subject, t.object) if isinstance(term, ox.NamedNode)}
    if not named:
        return []
    wco = _under(store.settings.base, "https://w3id.org/wcokg/ontology#")
    links = "|".join(f"<{wco}{link}>" for link in _RULE_LINKS)
    context = set(_describe(store, named, f"?start ({links})* ?node ."))
    focus = {t.subject for t in triples}
    values = {t.object for t in [*triples, *context]
              if t.subject in focus and isinstance(t.object, ox.NamedNode)}
    described = {t.subject for t in context} | named
    context.update(_describe(store, values - described, "BIND(?start AS ?node)"))
    context.update(_same_numbers(store, focus, [*triples, *context], wco))
    return list(context)


def _describe(store, nodes: set, reach: str) -> Iterable[ox.Triple]:
    """The store's triples about the nodes `reach` binds to ?node from each ?start of `nodes`."""
    if not nodes:
        return []
    return store.query(_DESCRIBE.format(nodes=" ".join(map(str, nodes)), reach=reach), inferred=False)


def _same_numbers(store, focus: set, known: list[ox.Triple], wco: str) -> Iterable[ox.Triple]:
    """The store's activities that share a programme part and a number with a focus node."""
    part, number = ox.NamedNode(wco + "inProgrammePart"), ox.NamedNode(wco + "activityNumber")
    parts, numbers = {}, {}
    for t in known:
        if t.subject in focus and t.predicate in (part, number):
            (parts if t.predicate == part else numbers).setdefault(t.subject, set()).add(t.object)
    pairs = {(p, n) for node in parts.keys() & numbers.keys() for p in parts[node] for n in numbers[node]}
    if not pairs:
        return []
    return store.query(_SAME_NUMBER.format(part=part.value, number=number.value,
                                           pairs=" ".join(f"({p} {n})" for p, n in pairs)), inferred=False)


def _shacl_turtle(triples: list[ox.Triple], settings: Settings, focus: list) -> str:
    """The report graph, as Turtle, of the triples (the ontology among them), run in the child process."""
    return _validate_mixed(data_graph(triples), settings, focus).graph.serialize(format="turtle")


@lru_cache(maxsize=8)
def _ontology_triples(files: tuple, base: str) -> tuple:
    return tuple(q.triple for path, *_ in files for q in rebase(parse_file(path), base))


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
    results = _results(graph, settings)
    return Report(conforms=not any(r.severity == "Violation" for r in results), results=results, graph=graph)


def _empty_report() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.add((rdflib.BNode(), RDF.type, SH.ValidationReport))
    return graph


_STATUS_REPORT = "https://w3id.org/wcokg/ontology#StatusReport"


def _redefined_status_reports(triples: list[ox.Triple], context: list[ox.Triple], base: str) -> list[Result]:
    """Status reports the store holds that the submission would change (only repeating them is allowed).

    The context holds every stored triple of each submission subject (submission_context).
    """
    status_class = ox.NamedNode(_under(base, _STATUS_REPORT))
    type_ = ox.NamedNode(str(RDF.type))
    stated, held = {}, {}
    for t in triples:
        stated.setdefault(t.subject, set()).add((t.predicate, t.object))
    for t in context:
        if t.subject in stated:
            held.setdefault(t.subject, set()).add((t.predicate, t.object))
    out = []
    for subject, facts in stated.items():
        have = held.get(subject, set())
        if (type_, status_class) not in have or facts <= have:
            continue
        changed = sorted(facts - have, key=str)[0]
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


def _shape_name(report: rdflib.Graph, shape: rdflib.term.Node | None, shapes: rdflib.Graph) -> str | None:
    """A result's shape by IRI: its own, or for an inline property shape its node shape's.

    The report holds a copy of an inline shape (pyshacl copies it in, and the report may have
    been parsed again from Turtle), so the original is found by its path and messages.
    """
    if shape is None:
        return None
    if not isinstance(shape, rdflib.BNode):
        return str(shape)
    return _inline_shape_owners(shapes).get((report.value(shape, SH.path), frozenset(report.objects(shape, SH.message))))


@lru_cache(maxsize=8)
def _inline_shape_owners(shapes: rdflib.Graph) -> dict[tuple, str]:
    """(path, messages) of each inline property shape -> the IRI of the node shape holding it."""
    return {(shapes.value(inline, SH.path), frozenset(shapes.objects(inline, SH.message))): str(owner)
            for owner, inline in shapes.subject_objects(SH.property)
            if isinstance(inline, rdflib.BNode) and not isinstance(owner, rdflib.BNode)}


def _results(graph: rdflib.Graph, settings: Settings) -> list[Result]:
    languages = message_languages(settings.home, settings.base)
    shapes = shapes_graph(settings.home, settings.base)
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
            shape=_shape_name(graph, graph.value(node, SH.sourceShape), shapes),
            graph_node=node,
        ))
    out.sort(key=lambda r: (SEVERITY_ORDER.get(r.severity, 3), r.focus or "", r.path or ""))
    return out


# -- rendering ---------------------------------------------------------------------------

_WORDS = {
    "en": {"conforms": "Conforms: no violations.", "fails": "Does not conform:", "violations": ("violation", "violations"),
           "warnings": ("warning", "warnings"), "focus": "focus", "path": "path", "value": "value", "row": "row",
           "column": "column", "title": "Validation report"},
    "fr": {"conforms": "Conforme : aucune violation.", "fails": "Non conforme :", "violations": ("violation", "violations"),
           "warnings": ("avertissement", "avertissements"), "focus": "nœud", "path": "chemin", "value": "valeur",
           "row": "ligne", "column": "colonne", "title": "Rapport de validation"},
}


def _summary(report: Report, lang: str) -> str:
    w = _WORDS[lang]
    count = lambda n, forms: f"{n} {forms[n > 1]}"  # noqa: E731 - n >= 1 here, where both languages agree
    warnings = sum(1 for r in report.results if r.severity != "Violation")
    head = w["conforms"] if report.conforms else f"{w['fails']} {count(len(report.violations), w['violations'])}."
    return head + (f" {count(warnings, w['warnings'])}." if warnings else "")


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
