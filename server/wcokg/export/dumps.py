"""Dumps: an export's data and its description written in one format, read back and verified.

A dump is a selection of the store's named graphs (or a profile's result) in one RDF format,
optionally gzip-compressed, with its description in the graph <BASE>graph/description for quad
formats and among the triples for the others. An Export reads its data once and keeps it,
because the description's counts and checksum need all of it before the first line is written.
The web serves the whole dataset's dumps from files written once per store generation.
"""
from __future__ import annotations

import gzip
import itertools
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Iterable

import pyoxigraph as ox

from .. import store as layout
from ..config import Settings
from .checksums import canonical_sha256
from .description import dataset_iri, describe, description_graph, description_subject, dump_distributions
from .formats import (FORMAT_BY_EXTENSION, FORMATS, SPDX, DumpFormat, ExportError, jsonld_context, prefixes,
                      write_jsonld)
from .profiles import find_profile, run_profile, write_csv
from .source import DumpSource, default_graphs, modified


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
            stream = itertools.chain(quads, described)
        else:
            stream = itertools.chain((q.triple for q in quads), description)
        if fmt.rdf_format is ox.RdfFormat.JSON_LD:
            write_jsonld(stream, target, context or prefixes(settings))
        else:
            ox.serialize(stream, target, fmt.rdf_format, prefixes=prefixes(settings))
    finally:
        if compress:
            target.close()


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


def well_known_void(settings: Settings, generation: int) -> list[ox.Triple]:
    """The description at /.well-known/void: the whole dataset with every dump's size and checksum."""
    everything = Export(settings)
    files = {name: cached_dump(settings, fmt, True, generation, everything) for name, fmt in FORMATS.items()}
    return describe(settings, "", everything.described(FORMATS["nq"])[0], everything.title, modified=modified(settings),
                    distributions=dump_distributions(settings, files))
