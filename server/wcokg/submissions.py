"""Submissions: validated updates that go into the graph, each in a named graph of its own.

A submission is an RDF file (any format rdf_io reads) or a work-programme table (tables.py).
It is validated together with the current graph and refused, with its report, if it does not
conform. An accepted one is written to BASE graph/submission/<id>, where <id> comes from the
SHA-256 of the content, so sending the same file again changes nothing. The graph carries its
own provenance (PROV-O, about the graph IRI): who, when, file name, checksum, validation.

Writes are atomic: the submission graph and the refreshed inferred graph are written by one
Store.replace_graphs call, one transaction, so a failure or a killed process leaves the store
as it was. Writers take an inter-process lock (several server workers may write) and open the
store read-write only for the time of the write; readers holding read-only handles see the new
generation number and reopen.
"""
from __future__ import annotations

import fcntl
import gc
import getpass
import hashlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from . import reasoning
from . import store as layout
from .config import Settings
from .rdf_io import InputError, format_for, parse, rebase
from .store import Store
from .tables import is_table, map_table
from .validation import Report, render, validate_submission

PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SPDX = "http://spdx.org/rdf/terms#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class LimitExceeded(Exception):
    """The upload is past a configured limit (size or triple count)."""


class Refused(Exception):
    """The submission does not conform; nothing was stored."""

    def __init__(self, report: Report):
        super().__init__(render(report, "text", "en"))
        self.report = report


class NotFound(Exception):
    """No submission with that id."""


@dataclass
class Submission:
    id: str
    graph: str
    title: str
    sha256: str
    generated: str
    agent: str
    triples: int
    created: bool = True

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "created"}


def submission_id(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def read(content: bytes, name: str, settings: Settings, media_type: str | None = None):
    """The triples of a submission and, for a table, its row and column map; LimitExceeded past the limits."""
    if len(content) > settings.max_upload_bytes:
        raise LimitExceeded(f"{name}: {len(content)} bytes, more than the {settings.max_upload_bytes} allowed "
                            f"(WCOKG_MAX_UPLOAD_BYTES)")
    if is_table(name):
        table = map_table(content, name, settings)
        triples = table.triples
    else:
        table = None
        quads = rebase(parse(content, name, format_for(name, media_type)), settings.base)
        # Graph names in TriG or N-Quads are dropped: the submission is one graph of its own.
        triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    if not triples and not (table and table.errors):
        raise InputError(name, "no triples: the file is empty or has only a header row")
    if len(triples) > settings.max_triples:
        raise LimitExceeded(f"{name}: {len(triples)} triples, more than the {settings.max_triples} allowed "
                            f"(WCOKG_MAX_TRIPLES)")
    return triples, table


def validate(content: bytes, name: str, settings: Settings, media_type: str | None = None,
             store: Store | None = None) -> Report:
    """Validate a submission against the shapes and the current graph (the store, when built)."""
    triples, table = read(content, name, settings, media_type)
    if store is None and Path(settings.store).exists():
        store = Store(settings, read_only=True)
    return validate_submission(triples, settings, store, table)


@contextmanager
def writable(settings: Settings):
    """The store opened read-write under an exclusive inter-process lock, closed afterwards."""
    lock_path = Path(settings.store).with_name(Path(settings.store).name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        store = Store(settings)
        try:
            yield store
        finally:
            store.close()
            del store
            gc.collect()  # pyoxigraph releases the database lock when the object is collected
            fcntl.flock(lock, fcntl.LOCK_UN)


def submit(content: bytes, name: str, settings: Settings, agent: str | None = None,
           media_type: str | None = None) -> tuple[Submission, Report]:
    """Validate and, if it conforms, store a submission; Refused with the report if not."""
    triples, table = read(content, name, settings, media_type)
    ident = submission_id(content)
    with writable(settings) as store:
        graph = store.graph(layout.SUBMISSION_PREFIX + ident)
        if graph in store.named_graphs():
            existing = _describe(store, graph)
            existing.created = False
            return existing, validate_submission([], settings)
        report = validate_submission(triples, settings, store, table)
        if not report.conforms:
            raise Refused(report)
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        sha = hashlib.sha256(content).hexdigest()
        provenance = _provenance(graph, Path(name).name, sha, now, agent or getpass.getuser(), report, settings)
        contents = [*triples, *provenance]
        _add_with_inference(store, graph, contents)
        return Submission(ident, graph.value, Path(name).name, sha, now, agent or getpass.getuser(),
                          len(contents)), report


def withdraw(ident: str, settings: Settings) -> None:
    """Remove a submission's graph; the graph is as if it had never been sent."""
    with writable(settings) as store:
        graph = store.graph(layout.SUBMISSION_PREFIX + ident)
        if graph not in store.named_graphs():
            raise NotFound(ident)
        reasoning.refresh(store, drop=[graph])
        store.flush()


def submissions(settings: Settings) -> list[Submission]:
    """Every stored submission, oldest first."""
    store = Store(settings, read_only=True)
    found = [_describe(store, g) for g in store.graphs_named(layout.SUBMISSION_PREFIX)]
    return sorted(found, key=lambda s: s.generated)


def get(ident: str, settings: Settings) -> Submission:
    store = Store(settings, read_only=True)
    graph = store.graph(layout.SUBMISSION_PREFIX + ident)
    if graph not in store.named_graphs():
        raise NotFound(ident)
    return _describe(store, graph)


def _add_with_inference(store: Store, graph: ox.NamedNode, triples: list[ox.Triple]) -> None:
    """Write a new graph and what it entails into the inferred graph, in one transaction.

    Only the change is reasoned over (reasoning.entailments_of_addition), so the cost
    follows the submission's size, not the store's. Triples the inferred graph held that
    the submission now asserts leave it, as a full refresh would have them leave.
    """
    added = {(t.subject, t.predicate, t.object) for t in triples}
    entailed = reasoning.entailments_of_addition(store, added, reasoning.ontology_closure(store))
    inferred = store.graph(layout.INFERRED)
    now_asserted = [t for t in added if not any(isinstance(term, ox.BlankNode) for term in t)
                    and store.matching(*t, graph=inferred)]
    store.apply({graph: added, inferred: entailed}, {inferred: now_asserted})
    store.flush()


def _provenance(graph: ox.NamedNode, title: str, sha: str, now: str, agent: str, report: Report,
                settings: Settings) -> list[ox.Triple]:
    """PROV-O about the submission graph, stored inside it."""
    n, lit = ox.NamedNode, ox.Literal
    agent_node = n(f"{settings.base}agent/{quote(agent, safe='')}")
    validation = n(graph.value + "/validation")
    checksum = ox.BlankNode()
    return [
        ox.Triple(graph, n(RDF_TYPE), n(PROV + "Entity")),
        ox.Triple(graph, n(PROV + "generatedAtTime"), lit(now, datatype=n(XSD + "dateTime"))),
        ox.Triple(graph, n(PROV + "wasAttributedTo"), agent_node),
        ox.Triple(agent_node, n(RDF_TYPE), n(PROV + "Agent")),
        ox.Triple(agent_node, n(RDFS + "label"), lit(agent)),
        ox.Triple(graph, n(DCTERMS + "title"), lit(title)),
        ox.Triple(graph, n(SPDX + "checksum"), checksum),
        ox.Triple(checksum, n(SPDX + "algorithm"), n(SPDX + "checksumAlgorithm_sha256")),
        ox.Triple(checksum, n(SPDX + "checksumValue"), lit(sha, datatype=n(XSD + "hexBinary"))),
        ox.Triple(graph, n(PROV + "wasGeneratedBy"), validation),
        ox.Triple(validation, n(RDF_TYPE), n(PROV + "Activity")),
        ox.Triple(validation, n(RDFS + "label"), lit("SHACL validation of the submission", language="en")),
        ox.Triple(validation, n(PROV + "endedAtTime"), lit(now, datatype=n(XSD + "dateTime"))),
        ox.Triple(validation, n(PROV + "used"), n(f"{settings.base}shapes")),
        ox.Triple(validation, n(DCTERMS + "description"), lit(render(report, "turtle"))),
    ]


def _describe(store: Store, graph: ox.NamedNode) -> Submission:
    query = f"""
        PREFIX prov: <{PROV}> PREFIX dcterms: <{DCTERMS}> PREFIX rdfs: <{RDFS}> PREFIX spdx: <{SPDX}>
        SELECT ?title ?time ?agent ?sha WHERE {{
            {graph} prov:generatedAtTime ?time ; dcterms:title ?title ;
                prov:wasAttributedTo/rdfs:label ?agent ; spdx:checksum/spdx:checksumValue ?sha .
        }}"""
    row = next(iter(store.query(query, default_graphs=[graph])), None)
    ident = graph.value.rsplit("/", 1)[-1]
    if row is None:
        return Submission(ident, graph.value, "", "", "", "", store.triple_count(graph), False)
    return Submission(ident, graph.value, row["title"].value, row["sha"].value, row["time"].value,
                      row["agent"].value, store.triple_count(graph), False)
