"""Building the store from the knowledge assets: ontology/ and data/.

A first build fills a new store directory beside the store's and moves it into place once it
is whole: Oxigraph's bulk loader parses each file and writes its index files directly, the
inference is computed in that store, and an unreadable file or a build killed half-way leaves
no store at all. A build over an existing store reads every file into a store in memory
first, so it writes nothing if any is unreadable; it copies in the submissions of the store
on disk and computes the inference there too, then replaces the asset graphs in one
transaction (submissions are kept), so a server reading it sees it whole. The same files
always give the same graphs, so a second build changes nothing. The shapes/ stay out of the
store (see wcokg.store); a shapes graph left by an older build is dropped.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
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
    store = Store(settings)
    if store.is_empty():
        store.close()
        return _build_new(settings, files, progress)
    return _rebuild(store, files, progress)


def _build_new(settings: Settings, files: dict[str, list[Path]], progress) -> BuildReport:
    # Straight to disk: going through a store in memory held every quad twice at the end
    # (1.9 GB at 1M triples) and spent as long copying it as the bulk loader takes to parse.
    new = Store.fresh(settings)
    try:
        report = _read(new, files, progress)
        report.inferred = reasoning.close(new, progress)
    except BaseException:
        new.discard()
        raise
    progress(f"moving the new store ({report.asserted} asserted and {report.inferred} inferred triples) "
             f"into place at {settings.store}")
    new.install()
    return report


def _rebuild(store: Store, files: dict[str, list[Path]], progress) -> BuildReport:
    assets = Store.in_memory(store.settings)
    report = _read(assets, files, progress)
    submissions = store.graphs_named(layout.SUBMISSION_PREFIX)
    assets.add(q for graph in submissions for q in store.quads(graph))
    report.inferred = reasoning.close(assets, progress)
    progress(f"writing {report.asserted} asserted and {report.inferred} inferred triples to {store.path}")
    wanted = {store.graph(name) for name in [*files, layout.INFERRED]}
    shapes = store.graph(layout.SHAPES)  # written by older builds
    stale = [g for g in store.named_graphs() if g == shapes
             or (g not in wanted and (store.graph_name(g) or "").startswith(layout.DATA_PREFIX))]
    store.replace_graphs({graph: assets.quads(graph) for graph in wanted}, drop=stale)
    store.flush()
    return report


def _read(target: Store, files: dict[str, list[Path]], progress) -> BuildReport:
    """Load every file into its graph of `target`; a BuildError names every unreadable one."""
    total = sum(len(paths) for paths in files.values())
    errors, done = [], 0
    for name, paths in files.items():
        for path in paths:
            done += 1
            progress(f"[{done}/{total}] reading {path.relative_to(target.settings.home)}")
            try:
                target.load(path, target.graph(name))
            except InputError as err:
                # A copy: the error's traceback and context hold the store open while it lives.
                errors.append(replace(err))
    if errors:
        raise BuildError(errors)
    return BuildReport(graphs={name: target.triple_count(target.graph(name)) for name in files})


class BuildError(Exception):
    def __init__(self, errors: list[InputError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors
