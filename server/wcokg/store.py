"""The embedded store: a pyoxigraph Store on disk, laid out in named graphs.

Asserted and inferred triples never share a graph, so inference can be refreshed or left out
of a query without touching what was asserted:

    <BASE>graph/ontology         ontology/*.ttl (classes, properties, concept schemes)
    <BASE>graph/data/<name>      one graph per file of data/
    <BASE>graph/submission/<id>  one graph per accepted submission
    <BASE>graph/inferred         the OWL-RL entailments of all of the above

Queries see the union of these graphs (less inferred on request) as their default graph.
Every graph of the store belongs to that union, so the common case (inference on) asks
Oxigraph for its own union default graph, two to four times faster than naming the graphs.
The SHACL shapes are therefore not kept here: validation and /shapes read shapes/*.ttl.
Stores built before held them in <BASE>graph/shapes; while one still does, the graphs are
named, and the next build drops it.
"""
from __future__ import annotations

import gc
import shutil
from pathlib import Path
from typing import Iterable, Mapping

import pyoxigraph as ox

from .config import Settings
from .rdf_io import load_file

ONTOLOGY = "ontology"
SHAPES = "shapes"
INFERRED = "inferred"
DATA_PREFIX = "data/"
SUBMISSION_PREFIX = "submission/"


class Store:
    """wco-kg's graph layout over one pyoxigraph store directory."""

    def __init__(self, settings: Settings, read_only: bool = False):
        self.settings = settings
        self.path = Path(settings.store)
        if read_only:
            if not self.path.exists():
                raise FileNotFoundError(f"{self.path}: no store here; run 'wcokg build' first")
            self._store = ox.Store.read_only(str(self.path))
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(self.path))

    @classmethod
    def in_memory(cls, settings: Settings) -> "Store":
        """A store with the same layout held in memory: a build fills and closes one before
        it writes anything to disk (see `write_new`)."""
        store = cls.__new__(cls)
        store.settings, store.path, store._store = settings, None, ox.Store()
        return store

    # -- graph names -------------------------------------------------------------------

    def graph(self, name: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.settings.base}graph/{name}")

    def graph_name(self, graph: ox.NamedNode) -> str | None:
        prefix = f"{self.settings.base}graph/"
        return graph.value[len(prefix):] if graph.value.startswith(prefix) else None

    def named_graphs(self) -> list[ox.NamedNode]:
        return sorted((g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value)

    def graphs_named(self, prefix: str) -> list[ox.NamedNode]:
        return [g for g in self.named_graphs() if (self.graph_name(g) or "").startswith(prefix)]

    def query_graphs(self, inferred: bool = True) -> list[ox.NamedNode]:
        """The graphs whose union is a query's default graph."""
        excluded = {self.graph(SHAPES)} | (set() if inferred else {self.graph(INFERRED)})
        return [g for g in self.named_graphs() if g not in excluded]

    def union_is_query_view(self) -> bool:
        """Whether Oxigraph's union default graph (every graph, the store's default graph
        included) is exactly the union of the query graphs with inference."""
        return self.graph(SHAPES) not in self.named_graphs() and not self._holds_quads(ox.DefaultGraph())

    # -- reading -----------------------------------------------------------------------

    def query(self, text: str, *, inferred: bool = True, default_graphs: list[ox.NamedNode] | None = None,
              named_graphs: list[ox.NamedNode] | None = None, substitutions: Mapping | None = None):
        """Run a SPARQL query; the default graph is the union of the query graphs unless given."""
        return self._store.query(text, **self.default_dataset(inferred, default_graphs), named_graphs=named_graphs,
                                 substitutions=dict(substitutions) if substitutions else None)

    def default_dataset(self, inferred: bool = True, default_graphs: list[ox.NamedNode] | None = None) -> dict:
        """pyoxigraph's query arguments for the default graph: `default_graphs`, else the query graphs."""
        if default_graphs is not None:
            return {"default_graph": default_graphs}
        if inferred and self.union_is_query_view():
            return {"use_default_graph_as_union": True}
        return {"default_graph": self.query_graphs(inferred) or [ox.DefaultGraph()]}

    def quads(self, graph: ox.NamedNode | None = None) -> list[ox.Quad]:
        return list(self._store.quads_for_pattern(None, None, None, graph))

    def triple_count(self, graph: ox.NamedNode | None = None) -> int:
        pattern = f"GRAPH {graph} {{ ?s ?p ?o }}" if graph is not None else "GRAPH ?g { ?s ?p ?o } UNION { ?s ?p ?o }"
        return int(next(iter(self._store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")))[0].value)

    def holds(self, triple: tuple) -> bool:
        """Whether a query graph (any graph but the shapes) holds the triple."""
        shapes = self.graph(SHAPES)
        return any(q.graph_name != shapes for q in self._store.quads_for_pattern(*triple, None))

    def matching(self, subject=None, predicate=None, object=None, graph: ox.NamedNode | None = None) -> set[tuple]:
        """The triples of one graph, or of the query graphs, that match a pattern (None matches anything)."""
        shapes = self.graph(SHAPES)
        return {(q.subject, q.predicate, q.object)
                for q in self._store.quads_for_pattern(subject, predicate, object, graph) if q.graph_name != shapes}

    # -- writing -----------------------------------------------------------------------

    def replace_graphs(self, contents: Mapping[ox.NamedNode, Iterable[ox.Quad | ox.Triple]],
                       drop: Iterable[ox.NamedNode] = ()) -> None:
        """Replace the given graphs and drop others, all in one transaction.

        Either way below is one transaction in Oxigraph: a failure, or the process being
        killed, leaves the store exactly as it was before the call. When every graph named is
        empty (a first build), the quads go in by Store.extend, which skips parsing them again
        as SPARQL text. Otherwise one SPARQL update writes only what changes in each graph: a
        submission changes a few dozen inferred triples, not the tens of thousands there are.
        """
        drop = list(drop)
        new = {graph: {(t.subject, t.predicate, t.object) for t in triples} for graph, triples in contents.items()}
        if not any(self._holds_quads(g) for g in [*drop, *new]):
            quads = [ox.Quad(s, p, o, graph) for graph, triples in new.items() for s, p, o in triples]
            if quads:
                self._store.extend(quads)
                self._bump_generation()
            return
        parts = [f"DROP SILENT GRAPH {g}" for g in drop]
        for graph, triples in new.items():
            old = {(q.subject, q.predicate, q.object) for q in self._store.quads_for_pattern(None, None, None, graph)}
            removed, added = old - triples, triples - old
            # DELETE DATA takes no blank nodes: a graph that loses some is written whole again.
            if not triples or any(isinstance(t, ox.BlankNode) for triple in removed for t in triple):
                parts.append(f"DROP SILENT GRAPH {graph}")
                removed, added = set(), triples
            if removed:
                parts.append(f"DELETE DATA {{ GRAPH {graph} {{\n{_ntriples(removed)}\n}} }}")
            if added:
                parts.append(f"INSERT DATA {{ GRAPH {graph} {{\n{_ntriples(added)}\n}} }}")
        if parts:
            self._store.update(" ;\n".join(parts))
            self._bump_generation()

    def apply(self, insert: Mapping[ox.NamedNode, Iterable[tuple]],
              delete: Mapping[ox.NamedNode, Iterable[tuple]] = {}) -> None:  # noqa: B006 - never mutated
        """Add and remove triples of several graphs in one transaction (one SPARQL update).

        For changes whose size follows the change, not the store: adding a submission and
        the few inferred triples it entails. Deleted triples must hold no blank node.
        """
        parts = [f"DELETE DATA {{ GRAPH {g} {{\n{_ntriples(triples)}\n}} }}" for g, triples in delete.items() if triples]
        parts += [f"INSERT DATA {{ GRAPH {g} {{\n{_ntriples(triples)}\n}} }}" for g, triples in insert.items() if triples]
        if parts:
            self._store.update(" ;\n".join(parts))
            self._bump_generation()

    def load(self, path: Path, graph: ox.NamedNode) -> None:
        """Add a file's triples to a graph, moved under the configured base (rdf_io.load_file)."""
        load_file(self._store, path, graph, self.settings.base)

    def is_empty(self) -> bool:
        return next(iter(self._store), None) is None

    def write_new(self, path: Path) -> None:
        """Write this store's quads as a new store directory at `path`, which must hold none.

        Oxigraph's bulk loader writes index files directly, several times faster than
        transactions, but a failure half-way leaves half the quads: so it fills a directory
        beside `path`, which is moved into place once complete. A build killed before that
        leaves `path` as it was; the next one starts the new directory again. The quads go
        from store to store as they are, blank nodes keeping their names: an N-Quads dump
        read back by the bulk loader took a third longer at 1M quads.
        """
        path = Path(path)
        new = path.with_name(path.name + ".new")
        shutil.rmtree(new, ignore_errors=True)
        target = ox.Store(str(new))
        target.bulk_extend(self._store)
        target.flush()
        del target
        gc.collect()  # pyoxigraph closes the database when the object is collected
        if path.exists():
            shutil.rmtree(path)
        new.rename(path)
        bump_generation(self.generation_file_of(path))

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction: cheap in memory; on disk, see replace_graphs."""
        self._store.extend(quads)

    def _holds_quads(self, graph: ox.NamedNode | ox.DefaultGraph) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, graph)), None) is not None

    # -- generation: a counter every write bumps --------------------------------------------

    @property
    def generation_file(self) -> Path:
        return self.generation_file_of(self.path)

    @staticmethod
    def generation_file_of(store: Path) -> Path:
        # Beside the directory, not in it: the directory belongs to the database engine.
        return store.with_name(store.name + ".generation")

    def generation(self) -> int:
        """A number that changes with every write, for read-only readers and result caches."""
        return read_generation(self.generation_file)

    def _bump_generation(self) -> None:
        bump_generation(self.generation_file)

    def flush(self) -> None:
        self._store.flush()

    def close(self) -> None:
        # pyoxigraph closes the database when the object is collected; drop our reference.
        self._store = None


def read_generation(path: Path) -> int:
    """The number in a generation file; 0 before the first write."""
    try:
        return int(path.read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def bump_generation(path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(read_generation(path) + 1))
    tmp.replace(path)


def _ntriples(triples: Iterable[tuple]) -> str:
    return "\n".join(f"{s} {p} {o} ." for s, p, o in triples)
