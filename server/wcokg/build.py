"""Building the store from the knowledge assets: ontology/ and data/.

A build parses every file first and writes nothing if any is unreadable; then it replaces
the asset graphs in one transaction (submissions are kept) and refreshes inference. The
same files always give the same graphs, so a second build changes nothing. The shapes/ stay
out of the store (see wcokg.store); a shapes graph left by an older build is dropped.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import reasoning
from . import store as layout
from .config import Settings
from .rdf_io import InputError, parse_file, rebase
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
    contents, errors, report, done = {}, [], BuildReport(), 0
    for name, paths in files.items():
        quads = []
        for path in paths:
            done += 1
            progress(f"[{done}/{total}] reading {path.relative_to(settings.home)}")
            try:
                quads.extend(rebase(parse_file(path), settings.base))
            except InputError as err:
                errors.append(err)
        contents[name] = quads
    if errors:
        raise BuildError(errors)

    store = Store(settings)
    wanted = {store.graph(name) for name in contents}
    shapes = store.graph(layout.SHAPES)  # written by older builds
    stale = [g for g in store.named_graphs() if g == shapes
             or (g not in wanted and (store.graph_name(g) or "").startswith(layout.DATA_PREFIX))]
    progress(f"writing {sum(map(len, contents.values()))} triples in {len(contents)} graphs to {settings.store}")
    store.replace_graphs({store.graph(name): quads for name, quads in contents.items()}, drop=stale)
    report.graphs = {name: store.triple_count(store.graph(name)) for name in contents}
    report.inferred = reasoning.refresh(store, progress)
    store.flush()
    return report


class BuildError(Exception):
    def __init__(self, errors: list[InputError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors
