"""What an export reads: the store's named graphs, chosen by name or by date.

A dump source opens the store read-only, so an export never changes the graph; `--since`
places a submission in time by the prov:generatedAtTime its graph states of itself (written
at ingest, see submissions.py), so the date travels with the data rather than with the store.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox

from .. import store as layout
from ..config import Settings
from ..store import Store
from .formats import PROV, ExportError


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


def modified(settings: Settings) -> datetime:
    """When the store was last written (its generation file's time)."""
    path = settings.store.with_name(settings.store.name + ".generation")
    stamp = path.stat().st_mtime if path.exists() else Path(settings.store).stat().st_mtime
    return datetime.fromtimestamp(stamp, timezone.utc)
