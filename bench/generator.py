"""Synthetic work-programme data, shaped like data/, at any size and the same for the same seed.

The benchmark needs graphs of 10k, 100k and 1M triples that look like the curated graph to
the query engines and to the SHACL shapes: programmes and their two parts, time-bound and
permanent activities with deadlines and status reports, working bodies in a reporting tree,
instruments, themes, meetings with their agenda items, decisions, presentations and reports,
a strategic plan with KPIs, and source documents: something for every named query to find. Every node is written
the way data/README.md describes (same IRI keys, `dcterms:source` + `wco:locator` on every
fact-bearing node, French and English labels), under keys of its own (`syn-…`) so it never
collides with the curated data, and it conforms to shapes/ (tests/test_bench_generator.py).

Reference entities grow with the graph (about one body per 2,500 triples) so that joins and
filters stay selective at every scale; activities fill the rest of the triple budget.

    python -m bench.generator 100k OUT_DIR [--seed N]
"""
from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from pathlib import Path

#: The repository, whose ontology/, shapes/ and queries/ a synthetic WCOKG_HOME links to.
ROOT = Path(__file__).resolve().parents[1]
SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}

PREFIXES = """\
@base <https://w3id.org/wcokg/> .
@prefix wco:     <https://w3id.org/wcokg/ontology#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org:     <http://www.w3.org/ns/org#> .
"""

#: Themes of ontology/concepts.ttl, so that the named queries' theme parameter finds activities.
THEMES = ("e-commerce", "safe", "aeo", "green-customs", "customs-procedures", "trade-facilitation",
          "digital-customs", "data-model", "single-window", "coordinated-border-management", "free-zones",
          "transit", "risk-management", "capacity-building", "research", "illicit-trade", "governance")
PRIORITIES = ("A", "B", "C")
TASK_TYPES = ("fine-tuning", "update", "development", "monitoring")
STATUSES = ("completed", "in-progress", "postponed")
BODY_CLASSES = ("wco:Committee", "wco:WorkingGroup", "wco:SubCommittee", "wco:ProjectTeam")
INSTRUMENT_CLASSES = ("wco:Guidelines", "wco:Tool", "wco:Compendium", "wco:Guide", "wco:Recommendation",
                      "wco:Study", "wco:DataStandard")
STRATEGIC_CLASSES = (("PS", "wco:CoreProcess"), ("FA", "wco:FocusArea"), ("OS", "wco:StrategicObjective"))
DECISION_KINDS = ("adopted-agenda", "agreed", "approved", "endorsed", "guidance", "invited", "took-note")
#: A meeting's agenda: item number, French and English title. Item II has a presentation,
#: item III the report of the body's previous meeting.
AGENDA = (("I", "Ouverture", "Opening"), ("II", "Exposés", "Presentations"), ("III", "Rapports", "Reports"))
VERBS = (("Élaborer", "Develop"), ("Mettre à jour", "Update"), ("Examiner", "Review"), ("Promouvoir", "Promote"),
         ("Suivre", "Monitor"), ("Compiler", "Compile"), ("Harmoniser", "Harmonise"), ("Évaluer", "Assess"))
OBJECTS = (("les directives", "the guidelines"), ("le recueil", "the compendium"), ("l'outil", "the tool"),
           ("les pratiques", "the practices"), ("le guide", "the guide"), ("les normes", "the standards"),
           ("le dossier", "the package"), ("les études de cas", "the case studies"))
TOPICS = (("du commerce électronique", "on e-commerce"), ("de la gestion des risques", "on risk management"),
          ("du transit", "on transit"), ("du guichet unique", "on the single window"),
          ("des zones franches", "on free zones"), ("des OEA", "on AEOs"), ("de la douane verte", "on green customs"),
          ("des procédures douanières", "on customs procedures"), ("de la facilitation", "on facilitation"))
MONTHS = ("2023-04", "2023-10", "2024-04", "2024-10", "2025-04", "2025-10")
#: Every programme's period; status reports are dated within it.
PERIOD = ("2022-07-01", "2025-12-31")


def literal(text: str, lang: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@' + lang


def typed(value, datatype: str) -> str:
    return f'"{value}"^^xsd:{datatype}'


@dataclass
class TurtleWriter:
    """Turtle text split into files, counting the triples it writes."""

    files: dict[str, list[str]] = field(default_factory=dict)
    triples: int = 0

    def node(self, file: str, subject: str, kind: str, properties: list[tuple[str, str]]) -> None:
        lines = self.files.setdefault(file, [PREFIXES])
        body = " ;\n    ".join(f"{p} {o}" for p, o in properties)
        lines.append(f"\n<{subject}> a {kind} ;\n    {body} .\n")
        self.triples += 1 + len(properties)

    def texts(self) -> dict[str, str]:
        return {name: "".join(lines) for name, lines in self.files.items()}


@dataclass
class Reference:
    """The shared entities activities point to; their keys, by kind."""

    documents: list[str]
    bodies: list[str]
    instruments: list[str]
    themes: list[str]
    meetings: list[tuple[str, str]]  # (IRI key, month)
    elements: list[str]


def _source(rng: random.Random, ref: Reference, where: str) -> list[tuple[str, str]]:
    document = rng.choice(ref.documents)
    return [("dcterms:source", f"<{document}>"), ("wco:locator", f'"{where} (synthetic.txt:{rng.randint(1, 99999)})"')]


def _labels(fr: str, en: str) -> list[tuple[str, str]]:
    return [("rdfs:label", literal(fr, "fr")), ("rdfs:label", literal(en, "en"))]


def write_reference(out: TurtleWriter, rng: random.Random, budget: int, tag: str) -> Reference:
    """Documents, bodies, instruments, themes, meetings and a strategic plan, sized to `budget` triples."""
    file = f"syn-{tag}-reference"
    documents = [f"document/SY{n:04d}" for n in range(max(3, budget // 20_000))]
    for n, key in enumerate(documents):
        out.node(file, key, "wco:SourceDocument", [
            ("wco:documentNumber", f'"SY{n:04d}"'), ("wco:textFile", f'"synthetic-{n}.txt"'),
            *_labels(f"Document synthétique {n}", f"Synthetic document {n}")])
    ref = Reference(documents, [], [], [], [], [])

    themes = [f"concept/theme/syn-{tag}-{n}" for n in range(max(3, budget // 20_000))]
    for n, key in enumerate(themes):
        out.node(file, key, "skos:Concept", [
            ("skos:inScheme", "<concept/theme>"), ("skos:notation", f'"syn-{tag}-{n}"'),
            *_labels(f"Thème synthétique {n}", f"Synthetic theme {n}")])
    ref.themes = [f"concept/theme/{code}" for code in THEMES] + themes

    # A reporting tree three wide: body n reports to body (n - 1) // 3, so paths are log3(n) deep.
    bodies = [f"body/SYN-{tag}-{n}" for n in range(max(8, budget // 2_500))]
    for n, key in enumerate(bodies):
        parent = [("wco:reportsTo", f"<{bodies[(n - 1) // 3]}>")] if n else []
        out.node(file, key, rng.choice(BODY_CLASSES), [
            *_labels(f"Groupe de travail synthétique {n}", f"Synthetic working group {n}"),
            ("wco:acronym", literal(f"SWG{n}", "en")), ("wco:acronym", literal(f"GTS{n}", "fr")),
            ("wco:theme", f"<{rng.choice(ref.themes)}>"), *parent, *_source(rng, ref, f"body {n}")])
    ref.bodies = bodies

    # Bodies administer instruments in turn, and themes take them in turn, so that the named
    # queries about a body's or a theme's instruments find some at every scale.
    instruments = [f"instrument/SYN-{tag}-{n}" for n in range(max(10, budget // 1_500))]
    for n, key in enumerate(instruments):
        fr_obj, en_obj = rng.choice(OBJECTS)
        fr_topic, en_topic = rng.choice(TOPICS)
        out.node(file, key, rng.choice(INSTRUMENT_CLASSES), [
            *_labels(f"{fr_obj.capitalize()} {fr_topic} n° {n}", f"{en_obj.capitalize()} {en_topic} no. {n}"),
            ("wco:acronym", literal(f"SI{n}", "en")), ("wco:administeredBy", f"<{bodies[n % len(bodies)]}>"),
            ("wco:theme", f"<{ref.themes[n % len(ref.themes)]}>"), *_source(rng, ref, f"instrument {n}")])
    ref.instruments = instruments

    for n in range(max(4, budget // 4_000)):
        month = MONTHS[n % len(MONTHS)]
        body = rng.choice(bodies)
        key = f"meeting/syn-{tag}-{n}"
        out.node(file, key, "wco:Meeting", [
            *_labels(f"Réunion synthétique {n} ({month})", f"Synthetic meeting {n} ({month})"),
            ("wco:heldBy", f"<{body}>"), ("wco:startDate", typed(f"{month}-01", "date")),
            ("wco:sessionNumber", typed(n + 1, "integer")), *_source(rng, ref, f"meeting {n}")])
        write_meeting_content(out, rng, ref, file, key, body, ref.meetings[-1][0] if ref.meetings else None)
        ref.meetings.append((key, month))

    plan = f"strategy/syn-{tag}"
    out.node(file, plan, "wco:StrategicPlan", [
        *_labels("Plan stratégique synthétique", "Synthetic strategic plan"), *_source(rng, ref, "plan")])
    for letters, kind in STRATEGIC_CLASSES:
        for n in range(1, 6):
            key = f"{plan}/{letters}{n}"
            out.node(file, key, kind, [
                ("wco:code", f'"{letters}{n}"'), ("wco:isPartOf", f"<{plan}>"),
                *_labels(f"Élément stratégique {letters}{n}", f"Strategic element {letters}{n}"),
                *_source(rng, ref, f"element {letters}{n}")])
            ref.elements.append(key)
            if letters == "PS":
                out.node(file, f"{plan}/kpi/{n}", "wco:KeyPerformanceIndicator", [
                    ("wco:measures", f"<{key}>"), ("wco:isPartOf", f"<{plan}>"),
                    *_labels(f"Indicateur {n}", f"Indicator {n}"),
                    ("wco:target", literal(f"Cible {n}", "fr")), ("wco:target", literal(f"Target {n}", "en")),
                    *_source(rng, ref, f"KPI {n}")])
    return ref


def write_meeting_content(out: TurtleWriter, rng: random.Random, ref: Reference, file: str, meeting: str,
                          body: str, previous: str | None) -> None:
    """A meeting's agenda items, each with a decision of `body`; a presentation; the report of `previous`."""
    for number, (item, fr, en) in enumerate(AGENDA):
        key = f"{meeting}/item/{item}"
        out.node(file, key, "wco:AgendaItem", [
            ("wco:itemNumber", f'"{item}"'), ("wco:agendaItemOf", f"<{meeting}>"), *_labels(fr, en),
            ("wco:firstParagraph", typed(10 * number + 1, "integer")), ("wco:theme", f"<{rng.choice(ref.themes)}>"),
            *_source(rng, ref, f"item {item}")])
        # Kinds in turn, over all meetings' decisions: every kind is decided at every scale.
        kind = DECISION_KINDS[(len(ref.meetings) * len(AGENDA) + number) % len(DECISION_KINDS)]
        out.node(file, f"{meeting}/decision/{number + 1}", "wco:Decision", [
            ("wco:decisionKind", f"<concept/decision-kind/{kind}>"), ("wco:decidedBy", f"<{body}>"),
            ("wco:onAgendaItem", f"<{key}>"), ("wco:concernsInstrument", f"<{rng.choice(ref.instruments)}>"),
            ("wco:firstParagraph", typed(10 * number + 2, "integer")), ("wco:theme", f"<{rng.choice(ref.themes)}>"),
            *_labels(f"Décision {number + 1} ({kind})", f"Decision {number + 1} ({kind})"),
            *_source(rng, ref, f"item {item}, conclusions")])
        if item == "II":
            out.node(file, f"{meeting}/presentation/1", "wco:Presentation", [
                ("wco:presentedBy", f"<{rng.choice(ref.bodies)}>"), ("wco:onAgendaItem", f"<{key}>"),
                ("wco:theme", f"<{rng.choice(ref.themes)}>"), *_labels("Exposé", "Presentation"),
                *_source(rng, ref, f"item {item}")])
        if item == "III" and previous is not None:
            out.node(file, f"{meeting}/report/1", "wco:MeetingReport", [
                ("wco:reportOf", f"<{previous}>"), ("wco:reportedAt", f"<{meeting}>"), ("wco:oralReport", "false"),
                ("wco:onAgendaItem", f"<{key}>"), ("wco:theme", f"<{rng.choice(ref.themes)}>"),
                *_labels("Rapport de la réunion précédente", "Report of the previous meeting"),
                *_source(rng, ref, f"item {item}")])


def write_programme(out: TurtleWriter, rng: random.Random, ref: Reference, file: str, key: str,
                    activities: int) -> None:
    """A work programme of two parts (time-bound, permanent) and its activities, written to `file`."""
    out.node(file, key, "wco:WorkProgramme", [
        *_labels(f"Programme de travail synthétique {key}", f"Synthetic work programme {key}"),
        ("wco:hasPart", f"<{key}/I>"), ("wco:hasPart", f"<{key}/II>"),
        ("wco:startDate", typed(PERIOD[0], "date")), ("wco:endDate", typed(PERIOD[1], "date")),
        ("wco:activityCount", typed(activities, "integer")), *_source(rng, ref, "programme")])
    for part, fr, en, count in (("I", "activités à délai spécifique", "time-bound activities", (activities + 1) // 2),
                                ("II", "activités permanentes", "permanent activities", activities // 2)):
        out.node(file, f"{key}/{part}", "wco:ProgrammePart", [
            ("wco:code", f'"{part}"'), ("wco:isPartOf", f"<{key}>"), ("wco:activityCount", typed(count, "integer")),
            *_labels(f"Partie {part} : {fr}", f"Part {part}: {en}"), *_source(rng, ref, f"part {part}")])
    for number in range(1, activities + 1):
        write_activity(out, rng, ref, file, key, "I" if number % 2 else "II", number)


def write_activity(out: TurtleWriter, rng: random.Random, ref: Reference, file: str, programme: str,
                   part: str, number: int) -> None:
    key = f"activity/{programme.split('/', 1)[1]}/{part}/{number}"
    (fr_verb, en_verb), (fr_obj, en_obj), (fr_topic, en_topic) = (
        rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(TOPICS))
    where = f"Part {part}, activity {number}"
    lead = rng.choice(ref.bodies)
    properties = [
        ("wco:inProgrammePart", f"<{programme}/{part}>"), ("wco:activityNumber", f'"{number}"'),
        ("wco:priority", f"<concept/priority/{rng.choice(PRIORITIES)}>"),
        ("wco:hasStrategicLink", "true" if rng.random() < 0.8 else "false"),
        *_labels(f"{fr_verb} {fr_obj} {fr_topic} ({number})", f"{en_verb} {en_obj} {en_topic} ({number})"),
        ("wco:alignedWith", f"<{rng.choice(ref.elements)}>"),
        ("wco:taskType", f"<concept/task-type/{rng.choice(TASK_TYPES)}>"),
        ("wco:leadBody", f"<{lead}>"), ("wco:supportingBody", f"<{rng.choice(ref.bodies)}>"),
        ("wco:resources", literal(f"{rng.randint(1, 4)} agents de la Sous-direction", "fr")),
        ("wco:performanceIndicator", literal(f"{fr_obj.capitalize()} {fr_topic} est adopté", "fr")),
        *(("wco:theme", f"<{t}>") for t in sorted(set(rng.sample(ref.themes, rng.randint(1, 2))))),
        (rng.choice(("wco:maintains", "wco:develops")), f"<{rng.choice(ref.instruments)}>"),
        *_source(rng, ref, where),
    ]
    deadlines = []
    if part == "I":
        for n in range(1, rng.randint(1, 3) + 1):
            year = rng.choice((2023, 2024, 2025))
            deadline = f"{key}/deadline/{n}"
            deadlines.append(deadline)
            out.node(file, deadline, "wco:Deadline", [
                ("wco:deadlineText", literal(f"Printemps {year} (CTP)", "fr")),
                ("wco:earliestDate", typed(f"{year}-03-01", "date")), ("wco:latestDate", typed(f"{year}-05-31", "date")),
                ("wco:deadlineBody", f"<{lead}>"),
                *_labels(f"Délai {n} de l'activité {part}.{number}", f"Deadline {n} of activity {part}.{number}"),
                *_source(rng, ref, f"{where}, deadline column")])
    reports = []
    for meeting, month in sorted(rng.sample(ref.meetings, rng.randint(1, 2)), key=lambda m: m[1]):
        report = f"{key}/status/{month}"
        if report in reports:
            continue
        reports.append(report)
        status = rng.choice(STATUSES)
        evidence = [("wco:completionEvidence", literal(f"Adopté par le CTP en {month}", "fr"))] if status == "completed" else []
        out.node(file, report, "wco:StatusReport", [
            ("wco:statusOf", f"<{key}>"), ("wco:statusDate", typed(f"{month}-{rng.randint(1, 28):02d}", "date")),
            ("wco:reportedAt", f"<{meeting}>"),
            ("wco:executionStatus", f"<concept/status/{status}>"), *evidence,
            ("wco:statusText", literal(f"Travaux {fr_topic} : étape {rng.randint(1, 9)} franchie.", "fr")),
            *_labels(f"Situation de l'activité {part}.{number} en {month}", f"Status of activity {part}.{number} in {month}"),
            *_source(rng, ref, f"{where}, status column")])
    properties += [("wco:deadline", f"<{d}>") for d in deadlines]
    properties += [("wco:hasStatusReport", f"<{r}>") for r in reports]
    out.node(file, key, "wco:TimeBoundActivity" if part == "I" else "wco:PermanentActivity", properties)


#: Activities per programme: about the size of the real PTC programme (94).
PROGRAMME_SIZE = 100
#: Triples an activity brings with its deadlines and status reports, on average (measured).
TRIPLES_PER_ACTIVITY = 43
#: Programmes per file (one named graph each in wco-kg): about 40k triples, like a large data/ file.
PROGRAMMES_PER_FILE = 10


def generate(triples: int, seed: int = 0) -> tuple[dict[str, str], int]:
    """Turtle files (name -> text) of about `triples` triples, and their exact triple count."""
    rng = random.Random(seed)
    out = TurtleWriter()
    tag = f"s{seed}"
    ref = write_reference(out, rng, triples, tag)
    programme = 0
    while out.triples < triples:
        remaining = (triples - out.triples) // TRIPLES_PER_ACTIVITY
        write_programme(out, rng, ref, f"syn-{tag}-programmes-{programme // PROGRAMMES_PER_FILE}",
                        f"programme/syn-{tag}-{programme}", max(1, min(PROGRAMME_SIZE, remaining)))
        programme += 1
    return out.texts(), out.triples


def submission(activities: int, seed: int = 0, reference_seed: int = 0, reference_triples: int = 100_000) -> tuple[str, int]:
    """One Turtle document of `activities` new activities in a new programme, pointing at the
    reference entities of generate(reference_triples, reference_seed): a submission to that graph."""
    ref_rng = random.Random(reference_seed)
    ref = write_reference(TurtleWriter(), ref_rng, reference_triples, f"s{reference_seed}")
    out = TurtleWriter()
    write_programme(out, random.Random(seed + 1_000_003), ref, "submission", f"programme/syn-submission-{seed}",
                    activities)
    return out.texts()["submission"], out.triples


def write(directory: Path, triples: int, seed: int = 0) -> int:
    """Write generate(triples, seed) into `directory` as .ttl files; returns the triple count."""
    directory.mkdir(parents=True, exist_ok=True)
    texts, count = generate(triples, seed)
    for name, text in texts.items():
        (directory / f"{name}.ttl").write_text(text, encoding="utf-8")
    return count


def write_home(directory: Path, triples: int, seed: int = 0) -> tuple[Path, int]:
    """directory/home: a WCOKG_HOME with the repository's ontology/, shapes/, queries/ and
    about `triples` triples of synthetic data/; and their exact count."""
    home = directory / "home"
    home.mkdir(parents=True)
    for name in ("ontology", "shapes", "queries"):
        (home / name).symlink_to(ROOT / name, target_is_directory=True)
    return home, write(home / "data", triples, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write synthetic wco-kg data as Turtle files.")
    parser.add_argument("scale", help=f"one of {', '.join(SCALES)} or a number of triples")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    triples = SCALES.get(args.scale) or int(args.scale)
    count = write(args.directory, triples, args.seed)
    print(f"{count} triples in {args.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
