"""Building the store from the knowledge assets: ontology/ and data/.

A build reads every file into a store in memory first, so it writes nothing if any is
unreadable; it copies in the submissions of the store on disk and computes the inference
there too. Then it writes: a store holding nothing yet (a first build) is written by bulk
loading into a new directory moved into place; an existing store gets its asset graphs
replaced in one transaction (submissions are kept), so a server reading it, or a build
killed half-way, sees it whole. The same files always give the same graphs, so a second
build changes nothing. The shapes/ stay out of the store (see wcokg.store); a shapes graph
left by an older build is dropped.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import reasoning
from . import store as layout
from .config import Settings
from .rdf_io import InputError
from .store import Store


@dataclass
class BuildReport:
    graphs: dict[str, int] = field(default_factory=dict)
    inferred: int = 0

    @property
    def asserted(self) -> int:
        return sum(self.graphs.values())


def asset_files(settings: Settings) -> dict[str, list[Path]]:
    """The files of each asset graph: graph name -> files."""
    files = {
        layout.ONTOLOGY: sorted(settings.ontology_dir.glob("*.ttl")),
    }
    for path in sorted(settings.data_dir.glob("*.ttl")):
        files[layout.DATA_PREFIX + path.stem] = [path]
    return files


def stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(settings: Settings, progress=stderr_progress) -> BuildReport:
    files = asset_files(settings)
    total = sum(len(paths) for paths in files.values())
    assets, errors, done = Store.in_memory(settings), [], 0
    for name, paths in files.items():
        for path in paths:
            done += 1
            progress(f"[{done}/{total}] reading {path.relative_to(settings.home)}")
            try:
                assets.load(path, assets.graph(name))
            except InputError as err:
                errors.append(err)
    if errors:
        raise BuildError(errors)
    report = BuildReport(graphs={name: assets.triple_count(assets.graph(name)) for name in files})

    store = Store(settings)
    submissions = store.graphs_named(layout.SUBMISSION_PREFIX)
    assets.add(q for graph in submissions for q in store.quads(graph))
    report.inferred = reasoning.close(assets, progress)
    progress(f"writing {report.asserted} asserted and {report.inferred} inferred triples to {settings.store}")
    if store.is_empty():
        store.close()
        assets.write_new(settings.store)
        return report
    wanted = {store.graph(name) for name in [*files, layout.INFERRED]}
    shapes = store.graph(layout.SHAPES)  # written by older builds
    stale = [g for g in store.named_graphs() if g == shapes
             or (g not in wanted and (store.graph_name(g) or "").startswith(layout.DATA_PREFIX))]
    store.replace_graphs({graph: assets.quads(graph) for graph in wanted}, drop=stale)
    store.flush()
    return report


class BuildError(Exception):
    def __init__(self, errors: list[InputError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors
