"""Dumps for partners: formats, checksums, the dataset description, profiles and push.

A dump is a selection of the store's named graphs (or the result of a profile query) written
in one RDF format, optionally gzip-compressed. Every dump carries a VoID/DCAT description of
itself, in the graph <BASE>graph/description for quad formats and among the triples for the
others; every description subject lies under <BASE>dataset, so a partner can set it apart.

Integrity does not depend on the serialization: the description gives the SHA-256 of the
data's RDFC-1.0 canonical N-Quads (the description itself left out), which any RDFC-1.0
implementation reproduces from any of the formats (`wcokg export --verify FILE` does it).

pyoxigraph's serializers write N-Triples, N-Quads, Turtle, TriG and RDF/XML as they read, so
no serialized copy is kept in memory; JSON-LD goes through rdflib to be compacted with the
published context so that it reads as plain JSON. The data itself is held once: RDFC-1.0
compares every blank node's neighbourhood, so the checksum needs all of it.

Profiles are SPARQL files in profiles/ (CONSTRUCT for RDF, SELECT for CSV) with the header of
the named queries (queries.py): any SPARQL engine runs them as they are, and their parameters
are bound as RDF terms, never pasted into the text.
"""
from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import os
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Iterable, Iterator

import pyoxigraph as ox

from . import __version__, queries
from . import store as layout
from .config import Settings
from .rdf_io import rebase_text
from .store import Store


class ExportError(Exception):
    """An export that cannot be made as asked (unknown graph, profile, format...)."""


# -- formats -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DumpFormat:
    name: str
    rdf_format: ox.RdfFormat
    extension: str

    @property
    def media_type(self) -> str:
        return self.rdf_format.media_type

    @property
    def quads(self) -> bool:
        """Whether the dump keeps graph names (JSON-LD is kept to one graph, to read as plain JSON)."""
        return self.rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


FORMATS = {f.name: f for f in (
    DumpFormat("nq", ox.RdfFormat.N_QUADS, "nq"),
    DumpFormat("trig", ox.RdfFormat.TRIG, "trig"),
    DumpFormat("ttl", ox.RdfFormat.TURTLE, "ttl"),
    DumpFormat("nt", ox.RdfFormat.N_TRIPLES, "nt"),
    DumpFormat("jsonld", ox.RdfFormat.JSON_LD, "jsonld"),
    DumpFormat("rdfxml", ox.RdfFormat.RDF_XML, "rdf"),
)}
FORMAT_BY_EXTENSION = {f.extension: f for f in FORMATS.values()}
GZIP_MEDIA_TYPE = "application/gzip"

PREFIXES = {
    "wco": "https://w3id.org/wcokg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "void": "http://rdfs.org/ns/void#",
    "spdx": "http://spdx.org/rdf/terms#",
    "sh": "http://www.w3.org/ns/shacl#",
    "schema": "https://schema.org/",
}
RDF, RDFS, XSD = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["xsd"]
DCTERMS, DCAT, VOID, SPDX, FOAF, OWL, PROV = (PREFIXES[p] for p in ("dcterms", "dcat", "void", "spdx", "foaf", "owl", "prov"))
IANA = "https://www.iana.org/assignments/media-types/"


def prefixes(settings: Settings) -> dict[str, str]:
    """The prefixes dumps are written with, the ontology's moved under the configured base."""
    return {name: rebase_text(iri, settings.base) for name, iri in PREFIXES.items()}


# -- reading the store -------------------------------------------------------------------------

class DumpSource(Store):
    """A read-only Store that streams the quads of chosen graphs."""

    def __init__(self, settings: Settings):
        super().__init__(settings, read_only=True)

    def stream(self, graphs: Iterable[ox.NamedNode]) -> Iterator[ox.Quad]:
        for graph in graphs:
            yield from self._store.quads_for_pattern(None, None, None, graph)

    def graph_iri(self, name: str) -> ox.NamedNode:
        """A graph given by its short name (data/bodies) or full IRI; ExportError when absent."""
        try:
            graph = ox.NamedNode(name) if ":" in name else self.graph(name)
        except ValueError:
            raise ExportError(f"--graph {name}: not a graph name or IRI") from None
        if graph not in self.named_graphs():
            known = ", ".join(self.graph_name(g) or g.value for g in self.named_graphs())
            raise ExportError(f"--graph {name}: no such graph in {self.path} (graphs: {known})")
        return graph

    def submitted_since(self, since: datetime) -> list[ox.NamedNode]:
        """Submission graphs generated at or after `since`, by the prov:generatedAtTime each states of itself."""
        found = self.query(
            "SELECT ?g ?t WHERE { GRAPH ?g { ?g <%sgeneratedAtTime> ?t } }" % PROV,
            default_graphs=[ox.DefaultGraph()], named_graphs=self.graphs_named(layout.SUBMISSION_PREFIX))
        return sorted((row["g"] for row in found if _is_after(row["t"].value, since)), key=lambda g: g.value)


def default_graphs(source: DumpSource, inferred: bool = False) -> list[ox.NamedNode]:
    """What a plain export holds: the ontology, data/ and the submissions (and inference on request)."""
    names = [source.graph(layout.ONTOLOGY)] + source.graphs_named(layout.DATA_PREFIX) \
        + source.graphs_named(layout.SUBMISSION_PREFIX)
    if inferred:
        names.append(source.graph(layout.INFERRED))
    return [g for g in names if g in set(source.named_graphs())]


def parse_since(text: str) -> datetime:
    """A --since date or date-time; a date means its midnight UTC."""
    try:
        return _as_datetime(text)
    except ValueError:
        raise ExportError(f"--since {text}: expected a date (2026-01-31) or date-time (2026-01-31T12:00:00Z)") from None


def _is_after(text: str, since: datetime) -> bool:
    try:
        return _as_datetime(text) >= since
    except ValueError:  # not a date-time: the submission cannot be placed in time, so it is left out
        return False


def _as_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# -- checksums -----------------------------------------------------------------------------------

def canonical_sha256(quads: Iterable[ox.Quad | ox.Triple]) -> str:
    """SHA-256 of the RDFC-1.0 canonical N-Quads of the dataset (triples go in the default graph)."""
    dataset = ox.Dataset(q if isinstance(q, ox.Quad) else ox.Quad(q.subject, q.predicate, q.object)
                         for q in quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True))
    return hashlib.sha256(b"".join(lines)).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the dataset description (VoID and DCAT) --------------------------------------------------------

@dataclass
class Distribution:
    """One downloadable file of a dataset; size and file checksum when the file exists."""

    url: str
    fmt: DumpFormat
    compressed: bool = False
    byte_size: int | None = None
    sha256: str | None = None


def dataset_iri(settings: Settings, name: str = "") -> str:
    return f"{settings.base}dataset" + (f"/{name}" if name else "")


def describe(settings: Settings, name: str, quads: list[ox.Quad], title: str, *,
             distributions: Iterable[Distribution] = (), modified: datetime | None = None,
             part_of: str | None = None) -> list[ox.Triple]:
    """VoID and DCAT-AP statements about the dataset `quads` (every subject under <BASE>dataset)."""
    iri = dataset_iri(settings, name)
    node = ox.NamedNode(iri)
    triples: list[ox.Triple] = []

    def add(subject, predicate, obj):
        triples.append(ox.Triple(subject if isinstance(subject, ox.NamedNode) else ox.NamedNode(subject),
                                 ox.NamedNode(predicate), obj))

    def literal(value, datatype=None, lang=None):
        if lang:
            return ox.Literal(str(value), language=lang)
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype) if datatype else None)

    publisher = ox.NamedNode(dataset_iri(settings, "publisher"))
    service = ox.NamedNode(settings.base + "sparql")
    catalog = ox.NamedNode(dataset_iri(settings, "catalog"))
    when = (modified or datetime.now(timezone.utc)).replace(microsecond=0).isoformat()

    add(catalog, RDF + "type", ox.NamedNode(DCAT + "Catalog"))
    add(catalog, DCTERMS + "title", literal("wco-kg catalogue", lang="en"))
    add(catalog, DCTERMS + "description", literal("The datasets and services of wco-kg.", lang="en"))
    add(catalog, DCTERMS + "publisher", publisher)
    add(catalog, DCAT + "dataset", node)
    add(catalog, DCAT + "service", service)

    for kind in (VOID + "Dataset", DCAT + "Dataset"):
        add(node, RDF + "type", ox.NamedNode(kind))
    add(node, DCTERMS + "title", literal(title, lang="en"))
    add(node, DCTERMS + "description", literal(
        "The World Customs Organization's technical work (work programmes, instruments, bodies, strategic "
        "plan, meetings and decisions) as linked data, each fact with its source.", lang="en"))
    add(node, DCTERMS + "description", literal(
        "Les travaux techniques de l'Organisation mondiale des douanes (programmes de travail, instruments, "
        "organes, plan stratégique, réunions et décisions) en données liées, chaque fait avec sa source.", lang="fr"))
    add(node, DCTERMS + "publisher", publisher)
    add(publisher, RDF + "type", ox.NamedNode(FOAF + "Agent"))
    add(publisher, FOAF + "name", literal(settings.publisher))
    add(node, DCTERMS + "license", ox.NamedNode(settings.license))
    add(node, DCTERMS + "modified", literal(when, "dateTime"))
    add(node, DCAT + "version", literal(__version__))
    add(node, OWL + "versionInfo", literal(__version__))
    if part_of:
        add(node, DCTERMS + "isPartOf", ox.NamedNode(part_of))

    triple_set = {q.triple for q in quads}
    add(node, VOID + "triples", literal(len(triple_set), "integer"))
    add(node, VOID + "distinctSubjects", literal(len({t.subject for t in triple_set}), "integer"))
    add(node, VOID + "properties", literal(len({t.predicate for t in triple_set}), "integer"))
    add(node, VOID + "uriSpace", literal(settings.base))
    for vocabulary in sorted(_vocabularies(triple_set)):
        add(node, VOID + "vocabulary", ox.NamedNode(vocabulary))
    add(node, VOID + "sparqlEndpoint", service)
    add(node, DCAT + "accessService", service)
    add(service, RDF + "type", ox.NamedNode(DCAT + "DataService"))
    add(service, DCTERMS + "title", literal("wco-kg SPARQL endpoint", lang="en"))
    add(service, DCAT + "endpointURL", service)
    add(service, DCTERMS + "conformsTo", ox.NamedNode("https://www.w3.org/TR/sparql11-protocol/"))
    add(service, DCAT + "servesDataset", node)

    checksum = ox.NamedNode(iri + "#rdfc-1.0-sha256")
    add(node, SPDX + "checksum", checksum)
    add(checksum, RDF + "type", ox.NamedNode(SPDX + "Checksum"))
    add(checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
    add(checksum, SPDX + "checksumValue", literal(canonical_sha256(quads), "hexBinary"))
    add(checksum, RDFS + "comment", literal(
        "SHA-256 of the RDFC-1.0 canonical N-Quads of the dataset, this description left out.", lang="en"))

    graphs = sorted({q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)}, key=lambda g: g.value)
    for graph in graphs:
        subset = ox.NamedNode(f"{iri}/graph/{graph.value.rsplit('graph/', 1)[-1]}")
        add(node, VOID + "subset", subset)
        add(subset, RDF + "type", ox.NamedNode(VOID + "Dataset"))
        add(subset, DCTERMS + "identifier", literal(graph.value))
        add(subset, VOID + "triples", literal(sum(1 for q in quads if q.graph_name == graph), "integer"))

    for number, dist in enumerate(distributions, 1):
        d = ox.NamedNode(f"{iri}/distribution/{dist.fmt.extension}{'.gz' if dist.compressed else ''}")
        add(node, DCAT + "distribution", d)
        add(node, VOID + "dataDump", ox.NamedNode(dist.url))
        add(d, RDF + "type", ox.NamedNode(DCAT + "Distribution"))
        add(d, DCTERMS + "title", literal(f"{title} ({dist.fmt.name}{', gzip' if dist.compressed else ''})", lang="en"))
        add(d, DCAT + "accessURL", ox.NamedNode(dist.url))
        add(d, DCAT + "downloadURL", ox.NamedNode(dist.url))
        add(d, DCAT + "mediaType", ox.NamedNode(IANA + dist.fmt.media_type))
        add(d, DCTERMS + "format", ox.NamedNode(dist.fmt.rdf_format.iri))
        add(d, DCTERMS + "license", ox.NamedNode(settings.license))
        if dist.compressed:
            add(d, DCAT + "compressFormat", ox.NamedNode(IANA + GZIP_MEDIA_TYPE))
        if dist.byte_size is not None:
            add(d, DCAT + "byteSize", literal(dist.byte_size, "nonNegativeInteger"))
        if dist.sha256:
            file_checksum = ox.NamedNode(f"{d.value}#sha256")
            add(d, SPDX + "checksum", file_checksum)
            add(file_checksum, RDF + "type", ox.NamedNode(SPDX + "Checksum"))
            add(file_checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
            add(file_checksum, SPDX + "checksumValue", literal(dist.sha256, "hexBinary"))
    return triples


def _vocabularies(triples: Iterable[ox.Triple]) -> set[str]:
    """The namespaces of the properties and classes used."""
    found = set()
    for t in triples:
        terms = [t.predicate] + ([t.object] if t.predicate.value == RDF + "type" else [])
        for term in terms:
            if isinstance(term, ox.NamedNode):
                match = re.match(r"^(.*[#/])[^#/]*$", term.value)
                if match:
                    found.add(match.group(1))
    return found


def description_subject(settings: Settings, term) -> bool:
    """Whether a subject belongs to a dump's description rather than to its data."""
    return isinstance(term, ox.NamedNode) and (term.value == settings.base + "sparql"
                                               or term.value.startswith(dataset_iri(settings)))


def description_graph(settings: Settings) -> ox.NamedNode:
    return ox.NamedNode(f"{settings.base}graph/description")


# -- the JSON-LD context -----------------------------------------------------------------------

def jsonld_context(settings: Settings, ontology: Iterable[ox.Quad | ox.Triple]) -> dict:
    """Prefixes, and a plain term for every class and property of the ontology.

    Object properties are typed @id, so their values read as IRI strings.
    """
    context: dict = dict(prefixes(settings))
    namespace = context["wco"]
    kinds: dict[str, str] = {}
    for t in ontology:
        if t.predicate.value == RDF + "type" and t.subject.value.startswith(namespace):
            kinds.setdefault(t.subject.value, t.object.value)
            if t.object.value == OWL + "ObjectProperty":
                kinds[t.subject.value] = t.object.value
    for iri, kind in sorted(kinds.items()):
        term = iri[len(namespace):]
        if not term or term in context:
            continue
        context[term] = {"@id": iri, "@type": "@id"} if kind == OWL + "ObjectProperty" else iri
    for term, iri, is_link in (("label", RDFS + "label", False), ("source", DCTERMS + "source", True),
                               ("title", DCTERMS + "title", False), ("notation", PREFIXES["skos"] + "notation", False)):
        context.setdefault(term, {"@id": iri, "@type": "@id"} if is_link else iri)
    return context


def write_jsonld(triples: Iterable[ox.Triple], out: IO[bytes], context: dict) -> None:
    import rdflib

    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    out.write(graph.serialize(format="json-ld", context=context, auto_compact=True, ensure_ascii=False)
              .encode("utf-8"))


# -- writing a dump ------------------------------------------------------------------------------

@dataclass
class DumpReport:
    fmt: DumpFormat
    quads: int
    sha256: str
    seconds: float


def write_dump(settings: Settings, quads: Iterable[ox.Quad], fmt: DumpFormat, out: IO[bytes], *,
               description: list[ox.Triple], context: dict | None = None, compress: bool = False) -> None:
    """Write the data and its description; triple formats take the union of the graphs.

    pyoxigraph's serializers write as they read, so no serialized copy is held in memory.
    gzip output has a zero timestamp, so equal data gives equal bytes.
    """
    target = gzip.GzipFile(fileobj=out, mode="wb", mtime=0) if compress else out
    try:
        if fmt.quads:
            described = (ox.Quad(t.subject, t.predicate, t.object, description_graph(settings)) for t in description)
            stream = _chain(quads, described)
        else:
            stream = _chain((q.triple for q in quads), description)
        if fmt.rdf_format is ox.RdfFormat.JSON_LD:
            write_jsonld(stream, target, context or prefixes(settings))
        else:
            ox.serialize(stream, target, fmt.rdf_format, prefixes=prefixes(settings))
    finally:
        if compress:
            target.close()


def _chain(*iterables):
    for iterable in iterables:
        yield from iterable


def read_dump(path: Path, fmt: DumpFormat | None = None) -> list[ox.Quad]:
    """The quads of a dump file (gzip or not; the format from its name unless given)."""
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    fmt = fmt or FORMAT_BY_EXTENSION.get(name.rsplit(".", 1)[-1])
    if fmt is None:
        raise ExportError(f"{path}: unknown dump format (expected one of .{', .'.join(FORMAT_BY_EXTENSION)})")
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as f:
        try:
            return list(ox.parse(f, format=fmt.rdf_format))
        except SyntaxError as err:
            raise ExportError(f"{path}:{err.lineno}:{err.offset}: {err}") from None


def verify(settings: Settings, path: Path) -> tuple[str, str]:
    """The declared and the recomputed canonical checksum of a dump file."""
    quads = read_dump(path)
    data = [q for q in quads if q.graph_name != description_graph(settings)
            and not description_subject(settings, q.subject)]
    declared = [q.object.value for q in quads if q.predicate.value == SPDX + "checksumValue"
                and q.subject.value.endswith("#rdfc-1.0-sha256")]
    if not declared:
        raise ExportError(f"{path}: no RDFC-1.0 checksum in its description")
    return declared[0], canonical_sha256(data)


# -- profiles ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Profile:
    """A query of profiles/, with the header of the named queries (see queries.py) and its bound values."""

    query: queries.NamedQuery
    values: tuple[tuple[str, str], ...] = ()
    #: Short names offered for some values of the first parameter: <name>-<value>.
    featured: tuple[str, ...] = ()
    columns_fr: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.query.name

    @property
    def is_table(self) -> bool:
        """Whether the query is a SELECT (a table, written as CSV) rather than a CONSTRUCT."""
        form = re.search(r"^\s*(SELECT|CONSTRUCT)\b", self.query.text, re.MULTILINE | re.IGNORECASE)
        return bool(form) and form.group(1).upper() == "SELECT"


def profiles_dir(settings: Settings) -> Path:
    return settings.home / "profiles"


def read_profile(path: Path) -> Profile:
    query, header = queries.read(path)
    return Profile(query, featured=queries.names(header.get("featured")),
                   columns_fr=queries.names(header.get("columns_fr")))


def profile_catalogue(settings: Settings) -> dict[str, Profile]:
    """Every profile by name, with `<name>-<value>` for each featured value of its first parameter."""
    found = {}
    for path in sorted(profiles_dir(settings).glob("*.rq")):
        profile = read_profile(path)
        found[profile.name] = profile
        for value in profile.featured:
            found[f"{profile.name}-{value}"] = Profile(profile.query, ((profile.query.params[0].name, value),),
                                                       columns_fr=profile.columns_fr)
    return found


def find_profile(settings: Settings, name: str, values: dict[str, str] | None = None) -> Profile:
    try:
        catalogue = profile_catalogue(settings)
    except queries.CatalogueError as err:
        raise ExportError(str(err)) from None
    if name not in catalogue:
        raise ExportError(f"--profile {name}: no such profile in {profiles_dir(settings)} "
                          f"(profiles: {', '.join(catalogue)})")
    profile = catalogue[name]
    return Profile(profile.query, tuple({**dict(profile.values), **(values or {})}.items()),
                   columns_fr=profile.columns_fr)


def run_profile(source: DumpSource, profile: Profile, graphs: list[ox.NamedNode] | None = None):
    """The profile's result over `graphs` (default: the asserted and inferred data)."""
    try:
        bound = queries.bind(profile.query, dict(profile.values), source.settings)
    except queries.ParameterError as err:
        raise ExportError(f"--profile {profile.name}: {err}") from None
    if graphs is None:
        graphs = default_graphs(source, inferred=True)
    try:
        return source.query(queries.text_for(profile.query, source.settings),
                            default_graphs=graphs or [ox.DefaultGraph()], substitutions=bound)
    except SyntaxError as err:
        raise ExportError(f"{profile.query.path}: SPARQL syntax {err}") from None


def write_csv(solutions: ox.QuerySolutions, out: IO[bytes], hidden: set[str], header: list[str]) -> int:
    """Solutions as CSV of plain values (no N-Triples syntax), `hidden` variables left out; the row count."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    variables = [v for v in solutions.variables if v.value not in hidden]
    writer.writerow(header if len(header) == len(variables) else [v.value for v in variables])
    rows = 0
    for row in solutions:
        writer.writerow(["" if row[v] is None else row[v].value for v in variables])
        rows += 1
    text.detach()
    return rows


# -- an export: what to take, and writing it --------------------------------------------------------

class Export:
    """One export: graphs of the store or a profile's result, optionally only what changed since a date.

    `--since` keeps the submission graphs whose prov:generatedAtTime is at or after the
    date; a profile then runs over those graphs and the ontology.
    """

    def __init__(self, settings: Settings, *, graphs: Iterable[str] = (), inferred: bool = False,
                 profile: str | None = None, values: dict[str, str] | None = None, since: datetime | None = None):
        self.settings = settings
        try:
            self.source = DumpSource(settings)
        except (FileNotFoundError, OSError) as err:
            raise ExportError(str(err)) from None
        names = list(graphs)
        self.graphs = [self.source.graph_iri(n) for n in names] if names else default_graphs(self.source, inferred)
        if since is not None:
            recent = set(self.source.submitted_since(since))
            self.graphs = [g for g in self.graphs if g in recent] if names else sorted(recent, key=lambda g: g.value)
        self.profile = find_profile(settings, profile, values) if profile else None
        self.since = since
        self.name = f"profile/{profile}" if profile else ("graphs" if names else "")
        self.title = f"wco-kg, profile {profile}" if profile else "wco-kg"
        if since is not None:
            self.name = (self.name + "/" if self.name else "") + "since/" + since.date().isoformat()
            self.title += f", changes since {since.isoformat()}"
        self._result = None
        self._described: dict[bool, tuple[list[ox.Quad], list[ox.Triple]]] = {}

    def result(self):
        """The profile's result (QueryTriples or QuerySolutions), once."""
        if self._result is None:
            graphs = self.graphs
            if self.since is not None:
                graphs = [self.source.graph(layout.ONTOLOGY)] + graphs
            self._result = run_profile(self.source, self.profile, graphs if self.since is not None else None)
        return self._result

    @property
    def is_table(self) -> bool:
        return self.profile is not None and self.profile.is_table

    def quads(self, fmt: DumpFormat | None = None) -> list[ox.Quad]:
        """The data as written in `fmt`: quads for quad formats, else the distinct triples in the default graph."""
        if self.profile is not None:
            if self.is_table:
                raise ExportError(f"profile {self.profile.name} is a table: export it with --format csv")
            found = [ox.Quad(t.subject, t.predicate, t.object) for t in self.result()]
            self._result = [q.triple for q in found]  # QueryTriples is read once; keep the triples
            return list(dict.fromkeys(found))
        quads = list(self.source.stream(self.graphs))
        if fmt is not None and fmt.quads:
            return quads
        return list(dict.fromkeys(ox.Quad(q.subject, q.predicate, q.object) for q in quads))

    def triples(self) -> list[ox.Triple]:
        return [q.triple for q in self.quads()]

    def described(self, fmt: DumpFormat) -> tuple[list[ox.Quad], list[ox.Triple]]:
        """The data as written in `fmt` and its description, computed once per kind (quads or triples)."""
        if fmt.quads not in self._described:
            quads = self.quads(fmt)
            description = describe(self.settings, self.name, quads, self.title, modified=modified(self.settings),
                                   part_of=dataset_iri(self.settings) if self.name else None,
                                   distributions=() if self.name else dump_distributions(self.settings))
            self._described[fmt.quads] = quads, description
        return self._described[fmt.quads]

    def write(self, fmt: DumpFormat, out: IO[bytes], compress: bool = False) -> DumpReport:
        started = time.perf_counter()
        quads, description = self.described(fmt)
        sha256 = next(t.object.value for t in description if t.predicate.value == SPDX + "checksumValue")
        context = jsonld_context(self.settings, self.source.stream([self.source.graph(layout.ONTOLOGY)]))
        write_dump(self.settings, quads, fmt, out, description=description, context=context, compress=compress)
        return DumpReport(fmt, len(quads), sha256, time.perf_counter() - started)

    def write_table(self, out: IO[bytes], lang: str = "en") -> int:
        """A SELECT profile as CSV: its columns (in French with lang=fr), parameters left out."""
        if not self.is_table:
            raise ExportError(f"profile {self.profile.name if self.profile else ''} gives RDF, not a table: "
                              f"choose an RDF --format")
        hidden = {p.name for p in self.profile.query.params}
        header = self.profile.columns_fr if lang == "fr" and self.profile.columns_fr else self.profile.query.columns
        return write_csv(self.result(), out, hidden, list(header))


# -- pushing to a partner's store ----------------------------------------------------------------

@dataclass
class PushReport:
    url: str
    protocol: str
    graph: str
    triples: int
    bytes: int
    status: int

    def __str__(self) -> str:
        return (f"pushed {self.triples} triples ({self.bytes} bytes) to graph <{self.graph}> at {self.url} "
                f"by {self.protocol}: HTTP {self.status}")


def push(url: str, graph: str, triples: list[ox.Triple], protocol: str = "gsp",
         token: str | None = None, user: str | None = None, password: str | None = None,
         timeout: float = 120.0) -> PushReport:
    """Replace `graph` at a partner's endpoint with `triples`, in one request.

    gsp: SPARQL 1.1 Graph Store Protocol, PUT to URL?graph=G (N-Triples body).
    update: SPARQL 1.1 Update, POST "DROP SILENT GRAPH G; INSERT DATA { GRAPH G {...} }",
    one request, which a SPARQL 1.1 server applies all or nothing.
    """
    target = ox.NamedNode(graph)
    body_triples = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    if protocol == "gsp":
        separator = "&" if "?" in url else "?"
        request = urllib.request.Request(f"{url}{separator}graph={urllib.parse.quote(graph, safe='')}",
                                         data=body_triples, method="PUT",
                                         headers={"Content-Type": "application/n-triples"})
    elif protocol == "update":
        body = f"DROP SILENT GRAPH {target} ;\nINSERT DATA {{ GRAPH {target} {{\n".encode() + body_triples + b"}}\n"
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/sparql-update"})
    else:
        raise ExportError(f"--protocol {protocol}: expected gsp or update")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    elif user is not None:
        credentials = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        request.add_header("Authorization", f"Basic {credentials}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        detail = err.read(2000).decode("utf-8", "replace").strip()
        raise ExportError(f"{url}: HTTP {err.code} {err.reason}{': ' + detail if detail else ''}") from None
    except (urllib.error.URLError, OSError) as err:
        raise ExportError(f"{url}: unreachable: {getattr(err, 'reason', err)}") from None
    return PushReport(url, protocol, graph, len(set(triples)), len(request.data), status)


# -- dumps kept for the web ----------------------------------------------------------------------

def cached_dump(settings: Settings, fmt: DumpFormat, compressed: bool, generation: int,
                job: "Export | None" = None) -> Path:
    """The whole-dataset dump in a format, written once per store generation beside the store.

    Written to a temporary name and renamed, so concurrent server processes never read a
    half-written file.
    """
    folder = cache_dir(settings, generation)
    path = folder / f"wcokg.{fmt.extension}{'.gz' if compressed else ''}"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".part") as tmp:
        (job or Export(settings)).write(fmt, tmp, compress=compressed)
    os.replace(tmp.name, path)
    return path


def cache_dir(settings: Settings, generation: int) -> Path:
    """Files derived from one store generation, beside the store (its directory belongs to the engine)."""
    root = settings.store.with_name(settings.store.name + ".cache")
    for old in root.glob("*") if root.exists() else ():
        if old.is_dir() and old.name != str(generation):
            shutil.rmtree(old, ignore_errors=True)
    return root / str(generation)


def dump_distributions(settings: Settings, files: dict[str, Path] | None = None) -> list[Distribution]:
    """The /dumps/ files of the whole dataset, gzip-compressed, with size and checksum when written."""
    found = []
    for fmt in FORMATS.values():
        dist = Distribution(f"{settings.base}dumps/wcokg.{fmt.extension}.gz", fmt, compressed=True)
        path = (files or {}).get(fmt.name)
        if path is not None:
            dist.byte_size, dist.sha256 = path.stat().st_size, file_sha256(path)
        found.append(dist)
    return found


def modified(settings: Settings) -> datetime:
    """When the store was last written (its generation file's time)."""
    path = settings.store.with_name(settings.store.name + ".generation")
    stamp = path.stat().st_mtime if path.exists() else Path(settings.store).stat().st_mtime
    return datetime.fromtimestamp(stamp, timezone.utc)


def well_known_void(settings: Settings, generation: int) -> list[ox.Triple]:
    """The description at /.well-known/void: the whole dataset with every dump's size and checksum."""
    everything = Export(settings)
    files = {name: cached_dump(settings, fmt, True, generation, everything) for name, fmt in FORMATS.items()}
    return describe(settings, "", everything.described(FORMATS["nq"])[0], everything.title, modified=modified(settings),
                    distributions=dump_distributions(settings, files))
