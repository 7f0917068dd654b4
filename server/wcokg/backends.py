"""Where queries run: the embedded pyoxigraph store, or an existing SPARQL 1.1 server.

Both backends take a `QueryRequest` and give back an `Answer` already written in the format
the web layer negotiated, so /sparql does not care which one is behind it.

* `EmbeddedBackend` evaluates queries in the server process, on a read-only handle of the
  store that is reopened when `Store.generation()` changes (`GenerationFile` watches it with
  one stat() per request), and then on a copy of it in memory once a thread has made one
  (WCOKG_MEMORY_QUADS bounds its size). pyoxigraph releases the GIL while
  it evaluates, so each query runs on a daemon thread and the request waits for it at most
  WCOKG_QUERY_TIMEOUT. A query cannot be interrupted from Python: past the limit the client
  gets `QueryTimeout` and the backend calls `on_overrun`, which under granian retires the
  worker process, ending the query with it, while the other workers go on serving.
* `RemoteBackend` sends the query to WCOKG_ENDPOINT through SPARQLWrapper, asks for SPARQL
  JSON or N-Triples, and re-serializes with pyoxigraph, so every format works whatever the
  server offers. `load()` mirrors the built graphs into WCOKG_UPDATE_ENDPOINT.

`Backend.answer()` serves repeated requests from a `ResultCache` keyed by the store
generation and the request, so every write invalidates it; the same key gives the `ETag`.
The generation is read once per request, and a cache hit is answered on the request's own
thread: only a query to evaluate is handed to a query thread.

Queries are screened before they run: SPARQL Update and SERVICE are refused, because the
endpoint is read-only and must never make the server fetch a URL. (pyoxigraph does fetch
SERVICE IRIs; it never fetches FROM/FROM NAMED IRIs, which only select graphs of the store.)
"""
from __future__ import annotations

import ast
import hashlib
import logging
import os
import queue
import re
import socket
import threading
import time
import urllib.error
from collections import OrderedDict
from copy import copy as shallow_copy
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping

import pyoxigraph as ox
from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException, QueryBadFormed

from . import store as layout
from .config import Settings
from .rdf_io import prefixes
from .sparql import GRAPH_FORMATS, SOLUTION_FORMATS, QueryError, blank_opaque, syntax_error, undeclared_prefix
from .store import Store, read_generation

log = logging.getLogger(__name__)


class NotAcceptable(Exception):
    """No format the client accepts exists for this kind of result (HTTP 406)."""


class QueryTimeout(Exception):
    """The query ran past WCOKG_QUERY_TIMEOUT and was stopped (HTTP 503)."""


class UpdateRefused(Exception):
    """A SPARQL Update was sent to the read-only endpoint (HTTP 403)."""


class BackendUnavailable(Exception):
    """The store cannot be opened or the SPARQL server cannot be reached (HTTP 502)."""


class QueryFailed(Exception):
    """The query was valid but its evaluation failed (HTTP 500)."""


# -- screening query text ------------------------------------------------------------------

#: SPARQL reads \\uXXXX escapes anywhere in a query, so they are decoded before screening.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
_SCREENED_WORDS = (*_UPDATE_WORDS, "SERVICE", "FROM")


def _code(text: str) -> str:
    text = _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    return blank_opaque(text)


def _has_keyword(code: str, words: Iterable[str]) -> bool:
    """Whether upper-cased `code` holds one of `words` as a keyword, not as part of a prefixed
    name, variable or longer word (`ex:service`, `?service`, `services` are none).

    By str.find and a look at the characters around each find: a regular expression with
    these look-arounds took 0.1-0.3 ms on a named query's 1,400 characters, on every request.
    """
    for word in words:
        start = code.find(word)
        while start != -1:
            end = start + len(word)
            before = code[start - 1] if start else " "
            after = code[end] if end < len(code) else " "
            if not (_word_char(before) or before in ":?$") and not (_word_char(after) or after == ":"):
                return True
            start = code.find(word, start + 1)
    return False


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches


def screen(text: str) -> bool:
    """Refuse updates and SERVICE (QueryError); say whether the query names its own dataset."""
    upper = text.upper()
    if "\\U" not in upper and not any(word in upper for word in _SCREENED_WORDS):
        # No keyword anywhere, not even in strings, IRIs or comments, nor an escape that could
        # spell one: nothing to refuse. (A substring test is a quarter of a regex's cost.)
        return False
    code = _code(text).upper()
    if _has_keyword(code, _UPDATE_WORDS):
        raise UpdateRefused("SPARQL Update is not accepted: this endpoint is read-only")
    if _has_keyword(code, ("SERVICE",)):
        raise QueryError("SERVICE is not allowed: this endpoint does not query other endpoints")
    return _has_keyword(code, ("FROM",))


def with_values(text: str, substitutions: Iterable[tuple[str, ox.NamedNode | ox.Literal]]) -> str:
    """The query with its bound variables set by VALUES blocks, for servers that take no substitutions.

    A substitution sets a variable everywhere in the query, subqueries included; a VALUES block
    binds it only in its own group. So one block opens the WHERE clause, with every variable,
    and one opens each subquery's WHERE clause that names some, with those: a subquery that
    picks a programme's activities then starts from the programme, not from every programme
    (programme-summary at 100k triples: 0.5 s with the outer block alone, 16 ms with both).
    The terms are written by pyoxigraph in N-Triples, so no value can end its term early and
    change the query around it.
    """
    pairs = list(substitutions)
    if not pairs:
        return text
    code = blank_opaque(text)  # same offsets as text
    wheres = [m.end() for m in re.finditer(r"(?<![\w:?$])WHERE\s*\{", code, re.IGNORECASE)]
    if not wheres:
        first = code.find("{")
        if first == -1:
            raise QueryError("the query has no WHERE clause to bind its parameters in")
        wheres = [first + 1]
    out, done = [], 0
    for at in wheres:
        group = code[at:_closing_brace(code, at)]
        named = pairs if at == wheres[0] else [
            (name, term) for name, term in pairs if re.search(rf"[?$]{re.escape(name)}(?!\w)", group)]
        if named:
            out.append(text[done:at])
            out.append(f" VALUES ({' '.join('?' + name for name, _ in named)}) "
                       f"{{ ({' '.join(str(term) for _, term in named)}) }} ")
            done = at
    out.append(text[done:])
    return "".join(out)


def _closing_brace(code: str, start: int) -> int:
    """The offset of the brace closing the group that opens just before `start` (or the end)."""
    depth = 1
    for offset in range(start, len(code)):
        depth += {"{": 1, "}": -1}.get(code[offset], 0)
        if depth == 0:
            return offset
    return len(code)


# -- requests and answers --------------------------------------------------------------------

@dataclass(frozen=True)
class Formats:
    """The negotiated format name for each kind of result; None where the client accepts none."""

    solutions: str | None = "json"
    graph: str | None = "turtle"


@dataclass(frozen=True)
class QueryRequest:
    text: str
    formats: Formats = Formats()
    inferred: bool = True
    #: The protocol dataset (default-graph-uri / named-graph-uri); None when the request gives none.
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    #: Values bound to query variables, as (variable name, pyoxigraph term) pairs; never pasted as text.
    substitutions: tuple[tuple[str, ox.NamedNode | ox.Literal], ...] = ()
    #: Where relative IRIs of the query resolve: the endpoint's URL, as for any retrieved document.
    base_iri: str | None = None


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    #: The row limit when the results were cut there, else None.
    truncated_at: int | None = None


class _Enough(Exception):
    """Raised from a writer to stop pyoxigraph's serializer once the row limit is reached."""


class _Sink:
    """A file-like sink for pyoxigraph's serializers that gives up (`_Enough`) past `limit` markers.

    In a line-based format each result is one line, so counting newlines counts rows, and the
    output is cut after the last row allowed; with another marker (`{` in JSON, an upper bound
    on the rows) only whether the limit was passed counts. Raising from write() stops the
    serializer, and with it the query's evaluation.
    """

    def __init__(self, limit: int, marker: bytes = b"\n"):
        self.limit = limit
        self.marker = marker
        self.parts: list[bytes] = []
        self.count = 0
        self.truncated = False

    def write(self, chunk) -> int:
        if self.truncated:  # the serializer may flush its buffer again while unwinding
            raise _Enough
        chunk = bytes(chunk)
        count = chunk.count(self.marker)
        if self.count + count > self.limit:
            if self.marker == b"\n":  # rows: keep those allowed; another marker only tells
                end = -1
                for _ in range(self.limit - self.count):
                    end = chunk.index(self.marker, end + 1)
                self.parts.append(chunk[:end + 1])
            self.truncated = True
            raise _Enough
        self.count += count
        self.parts.append(chunk)
        return len(chunk)

    def flush(self) -> None:
        """Nothing is buffered here."""

    def value(self) -> bytes:
        return b"".join(self.parts)


def _written(result, fmt, limit: int, marker: bytes = b"\n") -> tuple[bytes, bool]:
    """The result written in `fmt`, up to `limit` markers; and whether it went past them."""
    sink = _Sink(limit, marker)
    try:
        if isinstance(result, (ox.QuerySolutions, ox.QueryTriples)):
            result.serialize(sink, format=fmt)
        else:  # triples read back from a remote server
            ox.serialize(result, sink, format=fmt)
    except _Enough:
        pass
    return sink.value(), sink.truncated


def encode(result, formats: Formats, max_rows: int, again: Callable[[], object] | None = None) -> Answer:
    """Write a query result (solutions, boolean, or triples) in the negotiated format.

    Results are cut at max_rows through a line-based format, which pyoxigraph then re-reads
    and writes in the wanted format: every step stays in pyoxigraph's native code.

    JSON, the usual format, is first written directly, counting its `{`: every solution opens
    one (its bindings and any string may open more), so at most max_rows of them prove the
    answer whole. Only a longer answer is evaluated again (`again()` gives the result anew) and
    cut through TSV. Writing every answer twice cost a fifth of a cheap query's time.
    """
    if isinstance(result, ox.QueryBoolean):
        fmt = _pick(formats.solutions, "SELECT/ASK", SOLUTION_FORMATS)
        media_type, oxfmt = SOLUTION_FORMATS[fmt]
        return Answer(result.serialize(format=oxfmt), media_type)
    if isinstance(result, ox.QuerySolutions):
        fmt = _pick(formats.solutions, "SELECT/ASK", SOLUTION_FORMATS)
        media_type, oxfmt = SOLUTION_FORMATS[fmt]
        if oxfmt == ox.QueryResultsFormat.JSON and again is not None:
            body, longer = _written(result, oxfmt, max_rows, marker=b"{")
            if not longer:
                return Answer(body, media_type)
            result = again()
        tsv, truncated = _written(result, ox.QueryResultsFormat.TSV, max_rows + 1)  # + the header line
        if oxfmt != ox.QueryResultsFormat.TSV:
            tsv = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=oxfmt)
        return Answer(tsv, media_type, max_rows if truncated else None)
    fmt = _pick(formats.graph, "CONSTRUCT/DESCRIBE", GRAPH_FORMATS)
    media_type, oxfmt = GRAPH_FORMATS[fmt]
    ntriples, truncated = _written(result, ox.RdfFormat.N_TRIPLES, max_rows)
    if oxfmt != ox.RdfFormat.N_TRIPLES:
        ntriples = ox.serialize(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES), format=oxfmt) or b""
    return Answer(ntriples, media_type, max_rows if truncated else None)


def _pick(fmt: str | None, kind: str, table: dict) -> str:
    if fmt is None:
        offered = ", ".join(sorted({media for media, _ in table.values()}))
        raise NotAcceptable(f"no acceptable format for {kind} results; this endpoint offers {offered}")
    return fmt


def query_graph_names(graphs: Iterable[str], settings: Settings, inferred: bool) -> list[str]:
    """The graphs whose union is the default graph (as Store.query_graphs, for names only)."""
    excluded = {f"{settings.base}graph/{layout.SHAPES}"}
    if not inferred:
        excluded.add(f"{settings.base}graph/{layout.INFERRED}")
    return [g for g in graphs if g not in excluded]


class ResultCache:
    """The most recently used answers of one process, with their ETags, keyed by request.

    All entries belong to one generation: a write bumps it, so entries of older generations
    would never be hit again; they are dropped at once rather than left to age out. The cache
    holds at most `size` answers and `max_bytes` of answer bodies, whichever comes first: by
    count alone, a thousand answers of a megabyte each held a gigabyte per process.
    An answer larger than an eighth of `max_bytes` is not kept, so that one answer cannot empty
    the cache of the many small ones; an eighth of the default (8 MiB) holds the heavy reports,
    which most repay keeping (in the benchmark's 1M graph, `activities-by-priority` answers 7,336
    rows, about 3 MB, in a quarter of a second; a fixed bound of 1 MiB had left out every answer
    of that size).
    """

    largest_share = 8

    def __init__(self, size: int, max_bytes: int):
        self.size = size
        self.max_bytes = max_bytes
        self._entries: OrderedDict[QueryRequest, tuple[Answer, str]] = OrderedDict()
        self._bytes = 0
        self._generation: int | None = None
        self._lock = threading.Lock()

    def get(self, generation: int, request: QueryRequest) -> tuple[Answer, str] | None:
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._bytes = 0
                self._generation = generation
                return None
            entry = self._entries.get(request)
            if entry is not None:
                self._entries.move_to_end(request)
            return entry

    def put(self, generation: int, request: QueryRequest, answer: Answer, tag: str) -> None:
        size = len(answer.body)
        if self.size <= 0 or size > self.max_bytes // self.largest_share:
            return
        with self._lock:
            if generation != self._generation:
                return
            replaced = self._entries.pop(request, None)
            if replaced is not None:
                self._bytes -= len(replaced[0].body)
            self._entries[request] = (answer, tag)
            self._bytes += size
            while len(self._entries) > self.size or self._bytes > self.max_bytes:
                _, (evicted, _) = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)


def etag(generation: int, request: QueryRequest) -> str:
    """A strong entity tag: the same generation and request always give the same bytes."""
    digest = hashlib.blake2b(repr((generation, request)).encode(), digest_size=12).hexdigest()
    return f'"{generation}-{digest}"'


class Backend:
    """Runs read-only queries; `health()` raises unless queries can be answered."""

    settings: Settings
    cache: ResultCache

    def query(self, request: QueryRequest, generation: int | None = None) -> Answer:
        """Answer a request; `generation`, when the caller has just read it, saves reading it again."""
        raise NotImplementedError

    def generation(self) -> int | None:
        """The data's version, or None when it is unknown (no caching, no ETag)."""
        return None

    def answer(self, request: QueryRequest) -> tuple[Answer, str | None]:
        """The answer and its ETag, from the cache when the data has not changed since."""
        generation = self.generation()
        if generation is None:
            return self.query(request), None
        cached = self.cache.get(generation, request)
        if cached is not None:
            return cached
        answer, tag = self.query(request, generation), etag(generation, request)
        self.cache.put(generation, request, answer, tag)
        return answer, tag

    def named_graphs(self) -> list[str]:
        answer = self.query(QueryRequest("SELECT DISTINCT ?g WHERE { GRAPH ?g {} }", Formats("tsv", None)))
        rows = ox.parse_query_results(answer.body, ox.QueryResultsFormat.TSV)
        return sorted(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode))

    def health(self) -> str:
        """Raise unless queries can be answered; else say where they run."""
        self.query(QueryRequest("ASK {}"))
        return "queries are answered"

    def open_in_background(self) -> None:
        """Get ready for the first request before it comes; nothing to do by default."""

    def close(self) -> None:
        """Release threads or connections."""


# -- the embedded store, queried in this process -------------------------------------------

class _CopyAbandoned(Exception):
    """The store is larger than the memory copy may be, or a write has made the copy stale."""


class _ReadOnlyStore(Store):
    """A read-only Store that knows its query graphs and can run a query on its own FROM clauses.

    It reads the store directory, or a copy of it in memory (`copy_in_memory`) that answers the
    same queries three to six times faster: the benchmark queries ran 3.3 times faster at 10k
    triples and 3.5 times at 100k (geometric means, in process, one thread), the in-memory
    indexes saving RocksDB's seeks and key decoding.
    """

    #: Whether this is the copy in memory (not `Store.in_memory`, which makes an empty store).
    is_memory_copy = False

    def __init__(self, settings: Settings):
        super().__init__(settings, read_only=True)
        # Worked out once per opening: the handle sees the store as it was when opened.
        self._query_graphs = {inferred: Store.query_graphs(self, inferred) for inferred in (True, False)}
        self._union_is_query_view = Store.union_is_query_view(self)

    def copy_in_memory(self, max_quads: int, current: Callable[[], bool]) -> _ReadOnlyStore:
        """The same store held in memory, blank nodes kept as they are (a dump read back would
        rename them); `_CopyAbandoned` past `max_quads` quads or once `current()` turns false."""
        def quads():
            for count, quad in enumerate(self._store.quads_for_pattern(None, None, None), 1):
                if count > max_quads:
                    raise _CopyAbandoned(f"the store holds more than {max_quads} quads (WCOKG_MEMORY_QUADS)")
                if not count % 65_536 and not current():
                    raise _CopyAbandoned("a write made the copy stale")
                yield quad

        held = ox.Store()
        held.bulk_extend(quads())
        copy = shallow_copy(self)
        copy._store, copy.is_memory_copy = held, True
        return copy

    def query_graphs(self, inferred: bool = True) -> list[ox.NamedNode]:
        return self._query_graphs[inferred]

    def union_is_query_view(self) -> bool:
        return self._union_is_query_view

    def run(self, request: QueryRequest, own_dataset: bool):
        """Evaluate on the request's dataset: the protocol's, else the query's FROM, else ours."""
        names = lambda iris: [ox.NamedNode(i) for i in iris]  # noqa: E731
        if request.default_graphs is not None or request.named_graphs is not None:
            # A protocol dataset is exactly what it names: a part left out is empty.
            dataset = {"default_graph": names(request.default_graphs or ()),
                       "named_graphs": names(request.named_graphs or ())}
        elif own_dataset:
            dataset = {}  # setting the default graph would override FROM
        else:
            dataset = self.default_dataset(request.inferred)
        bound = {ox.Variable(name): term for name, term in request.substitutions} or None
        return self._store.query(request.text, base_iri=request.base_iri, substitutions=bound, **dataset)


def evaluate(store: _ReadOnlyStore, request: QueryRequest, max_rows: int) -> Answer:
    """Run one request on the store and encode its result."""
    own_dataset = screen(request.text)
    run = lambda: store.run(request, own_dataset)  # noqa: E731 - evaluated again for a long JSON answer
    try:
        return encode(run(), request.formats, max_rows, again=run)
    except SyntaxError as err:
        raise syntax_error(err, request.text, prefixes(store.settings)) from None
    except ValueError as err:  # an invalid IRI in default-graph-uri / named-graph-uri
        raise QueryError(str(err)) from None


class _Call:
    """A call handed to a query thread, which its caller waits for.

    Two locks instead of a concurrent.futures.Future, whose conditions cost twice as much CPU
    per hand-off (37 against 71 µs measured): `done` is held until the call has ended, and
    whoever takes `claim` first decides whether the call runs (a query thread) or never will
    (`cancel`).
    """

    __slots__ = ("func", "args", "done", "claim", "result", "error")

    def __init__(self, func: Callable, args: tuple):
        self.func, self.args = func, args
        self.done, self.claim = threading.Lock(), threading.Lock()
        self.done.acquire()
        self.result = self.error = None

    def run(self) -> None:
        if not self.claim.acquire(blocking=False):
            return  # cancelled while queued
        try:
            self.result = self.func(*self.args)
        except BaseException as err:  # noqa: BLE001 - handed to the waiting request
            self.error = err
        finally:
            self.done.release()

    def wait(self, timeout: float) -> bool:
        """Whether the call ended within `timeout` seconds."""
        return self.done.acquire(timeout=timeout)

    def outcome(self):
        """The ended call's result, or its exception raised."""
        if self.error is not None:
            raise self.error
        return self.result

    def cancel(self) -> bool:
        """Keep the call from running: False when it is running or has run already."""
        return self.claim.acquire(blocking=False)


class _DaemonThreads:
    """A fixed set of daemon threads running submitted calls.

    Daemon, unlike concurrent.futures' threads: a query that overran must not keep its
    process alive when the process is told to exit.
    """

    def __init__(self, count: int):
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        for number in range(count):
            threading.Thread(target=self._work, name=f"wcokg-query-{number}", daemon=True).start()

    def submit(self, func: Callable, *args) -> _Call:
        call = _Call(func, args)
        self._calls.put(call)
        return call

    def _work(self) -> None:
        while (call := self._calls.get()) is not None:
            call.run()

    def stop(self, count: int) -> None:
        for _ in range(count):
            self._calls.put(None)


class GenerationFile:
    """The store's generation (`Store.generation`), as this process last read it.

    A write replaces the file, changing its stat; the content is read again only then, so a
    request costs one stat() and no open(). File times are coarse (a write within the same
    clock tick may keep them), so while the file is younger than `settle` seconds it is
    read every time: the next request after any write sees it.
    """

    settle = 1.0

    def __init__(self, path: Path):
        self.path = path
        #: (stat stamp, value), replaced whole: request threads share it without a lock.
        self._seen: tuple[tuple | None, int] = (None, 0)

    def read(self) -> int:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return 0
        stamp = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)
        seen_stamp, value = self._seen
        if stamp != seen_stamp or time.time_ns() - stat.st_mtime_ns < self.settle * 1e9:
            value = read_generation(self.path)
            self._seen = (stamp, value)
        return value


class EmbeddedBackend(Backend):
    """Queries on the local store, each on a daemon thread the request waits for.

    Each opening of the store (at the first request, and after every write) is queried on disk
    at once, and copied into memory on a thread of its own when it holds at most
    WCOKG_MEMORY_QUADS quads; the copy then answers the next requests. A write is seen by the
    next request all the same (it reopens the store on disk), and a copy made stale by a write
    is dropped, unfinished or not.
    """

    def __init__(self, settings: Settings, threads: int = 8, on_overrun: Callable[[], None] | None = None):
        self.settings = settings
        self.cache = ResultCache(settings.cache_size, settings.cache_bytes)
        self.on_overrun = on_overrun
        self._threads = threads
        self._pool = _DaemonThreads(threads)
        self._store: _ReadOnlyStore | None = None
        self._opened_at: int | None = None
        #: The generation being copied into memory, if any.
        self._copying: int | None = None
        self._lock = threading.Lock()
        self._generation = GenerationFile(Store.generation_file_of(settings.store))

    def generation(self) -> int:
        return self._generation.read()

    def _current_store(self, generation: int) -> _ReadOnlyStore:
        """The read-only handle, reopened when a write has happened since it was opened."""
        with self._lock:
            if self._store is None or self._opened_at != generation:
                try:
                    self._store = _ReadOnlyStore(self.settings)
                except OSError as err:  # FileNotFoundError included: no store yet
                    raise BackendUnavailable(f"the store cannot be read: {err}") from None
                self._opened_at = generation
                if self.settings.memory_quads > 0:
                    self._copying = generation
                    threading.Thread(target=self._copy_in_memory, args=(self._store, generation),
                                     name="wcokg-memory-copy", daemon=True).start()
            return self._store

    def _copy_in_memory(self, disk: _ReadOnlyStore, generation: int) -> None:
        current = lambda: self._opened_at == generation  # noqa: E731
        started, copy = time.perf_counter(), None
        try:
            copy = disk.copy_in_memory(self.settings.memory_quads, current)
        except (_CopyAbandoned, OSError) as err:
            log.info("queries stay on disk: %s", err)
        with self._lock:
            if current():
                self._copying = None
                if copy is not None:
                    self._store = copy
                    log.info("queries run on a copy of the store in memory, made in %.1f s",
                             time.perf_counter() - started)

    def health(self) -> str:
        super().health()
        if self._store is not None and self._store.is_memory_copy:
            return "queries run in memory"
        if self._copying is not None and self._copying == self._opened_at:
            return "queries run on disk until the store is copied into memory"
        return "queries run on disk"

    def open_in_background(self) -> None:
        """Open the store, and start its copy in memory, before the first request needs it."""
        def open_now() -> None:
            try:
                self._current_store(self.generation())
            except BackendUnavailable:
                pass  # the first request says so

        threading.Thread(target=open_now, name="wcokg-open", daemon=True).start()

    def query(self, request: QueryRequest, generation: int | None = None) -> Answer:
        timeout = self.settings.query_timeout
        if generation is None:
            generation = self.generation()
        call = self._pool.submit(evaluate, self._current_store(generation), request, self.settings.max_rows)
        if not call.wait(timeout):
            if not call.cancel():
                log.warning("a query ran past %g s: %.200s", timeout, request.text)
                if self.on_overrun is not None:
                    self.on_overrun()
            raise QueryTimeout(f"the query ran past the {timeout:g} s limit (WCOKG_QUERY_TIMEOUT) "
                               "and was stopped")
        try:
            return call.outcome()
        except (QueryError, UpdateRefused, NotAcceptable, BackendUnavailable):
            raise
        except Exception as err:  # noqa: BLE001 - an evaluation error, told to the client
            raise QueryFailed(f"the query failed: {err}") from None

    def close(self) -> None:
        self._pool.stop(self._threads)
        with self._lock:
            self._store = self._opened_at = None  # and a copy in progress is abandoned


# -- an existing SPARQL 1.1 server -------------------------------------------------------------

#: What the remote server is asked for: formats pyoxigraph reads back, best first.
_REMOTE_ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
                  "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8")


class RemoteBackend(Backend):
    """Queries forwarded to WCOKG_ENDPOINT; `load()` writes to WCOKG_UPDATE_ENDPOINT.

    The server's own default graph is not wco-kg's, so a query without a dataset names the
    query graphs as its default graph. The list of graphs is re-read at most every
    `graph_list_age` seconds: one round trip less per query.
    """

    graph_list_age = 2.0

    def __init__(self, settings: Settings):
        self.settings = settings
        self._graphs: tuple[float, list[str]] = (float("-inf"), [])

    def health(self) -> str:
        super().health()
        return f"queries run on {self.settings.endpoint}"

    def query(self, request: QueryRequest, generation: int | None = None) -> Answer:
        own_dataset = screen(request.text)
        default, named = request.default_graphs, request.named_graphs
        if default is None and named is None and not own_dataset:
            # The server's default graph is not ours: name the union of the query graphs.
            named = tuple(self._graph_names())
            default = tuple(query_graph_names(named, self.settings, request.inferred))
        body, media_type = self._send(with_values(request.text, request.substitutions), default or (), named or ())
        return encode(_parse_remote(body, media_type), request.formats, self.settings.max_rows)

    def _graph_names(self) -> list[str]:
        read_at, names = self._graphs
        if time.monotonic() - read_at > self.graph_list_age:
            body, media_type = self._send("SELECT DISTINCT ?g WHERE { GRAPH ?g {} }", (), ())
            rows = _parse_remote(body, media_type)
            names = sorted(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode))
            self._graphs = (time.monotonic(), names)
        return names

    def _send(self, text: str, default_graphs: Iterable[str], named_graphs: Iterable[str]) -> tuple[bytes, str]:
        """POST the query (the dataset can be long) and return the body and its media type."""
        client = self._client(self.settings.endpoint)
        client.setQuery(text)
        client.addCustomHttpHeader("Accept", _REMOTE_ACCEPT)
        for iri in default_graphs:
            client.addParameter("default-graph-uri", iri)
        for iri in named_graphs:
            client.addParameter("named-graph-uri", iri)
        response = self._call(client).response
        return response.read(), response.headers.get_content_type()

    def _client(self, url: str | None) -> SPARQLWrapper:
        if not url:
            raise BackendUnavailable("no SPARQL server configured (WCOKG_ENDPOINT / WCOKG_UPDATE_ENDPOINT)")
        client = SPARQLWrapper(url)
        client.setMethod(POST)
        client.setOnlyConneg(True)
        client.setTimeout(max(1, round(self.settings.query_timeout)))
        return client

    def _call(self, client: SPARQLWrapper):
        """Run the request, turning transport failures into the endpoint's errors."""
        where = client.endpoint
        try:
            return client.query()
        except QueryBadFormed as err:
            message = _remote_message(err)
            message = undeclared_prefix(message, client.queryString, prefixes(self.settings)) or message
            raise QueryError(f"the SPARQL server rejected the query: {message}") from None
        except SPARQLWrapperException as err:
            raise BackendUnavailable(f"the SPARQL server at {where} failed: {_remote_message(err)}") from None
        except urllib.error.HTTPError as err:
            if err.code in (503, 504):
                raise QueryTimeout(f"the SPARQL server at {where} gave up on the query (HTTP {err.code})") from None
            raise BackendUnavailable(f"the SPARQL server at {where} answered HTTP {err.code}") from None
        except (TimeoutError, socket.timeout):
            raise QueryTimeout(f"the SPARQL server at {where} did not answer within "
                               f"{self.settings.query_timeout:g} s (WCOKG_QUERY_TIMEOUT)") from None
        except urllib.error.URLError as err:
            if isinstance(err.reason, (TimeoutError, socket.timeout)):
                raise QueryTimeout(f"the SPARQL server at {where} did not answer within "
                                   f"{self.settings.query_timeout:g} s (WCOKG_QUERY_TIMEOUT)") from None
            raise BackendUnavailable(f"the SPARQL server at {where} is unreachable: {err.reason}") from None
        except OSError as err:
            raise BackendUnavailable(f"the SPARQL server at {where} is unreachable: {err}") from None

    def load(self, graphs: Mapping[ox.NamedNode, Iterable[ox.Quad | ox.Triple]]) -> None:
        """Make the remote graphs under <BASE>graph/ exactly `graphs`: replace each, drop the rest.

        One request, sent as the body: a SPARQL 1.1 server applies it all or nothing. The
        data goes in one INSERT DATA so that a blank node shared by two graphs stays one node.
        """
        keep = ", ".join(str(g) for g in graphs) or "<urn:nothing>"
        parts = [f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                 f"FILTER(STRSTARTS(STR(?g), \"{self.settings.base}graph/\") && ?g NOT IN ({keep})) }}"]
        parts += [f"DROP SILENT GRAPH {graph}" for graph in graphs]
        blocks = []
        for graph, triples in graphs.items():
            body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
            blocks.append(f"GRAPH {graph} {{\n{body}\n}}")
        parts.append("INSERT DATA {\n" + "\n".join(blocks) + "\n}")
        self._update(" ;\n".join(parts))

    def _update(self, text: str) -> None:
        client = self._client(self.settings.update_endpoint)
        client.setRequestMethod(POSTDIRECTLY)
        client.setTimeout(max(60, round(self.settings.query_timeout)))
        client.setQuery(text)
        self._call(client)


def _remote_message(err: SPARQLWrapperException) -> str:
    """The server's own words: SPARQLWrapper keeps the response body only as a repr in its message."""
    text = str(err)
    _, found, response = text.partition("Response:\n")
    if found:
        try:
            return ast.literal_eval(response).decode("utf-8", "replace").strip()
        except (ValueError, SyntaxError, AttributeError):
            pass
    return text


def _parse_remote(body: bytes, media_type: str):
    """A remote answer as pyoxigraph objects: solutions, a boolean, or triples."""
    results_format = ox.QueryResultsFormat.from_media_type(media_type)
    if results_format is not None:
        return ox.parse_query_results(body, format=results_format)
    rdf_format = ox.RdfFormat.from_media_type(media_type)
    if rdf_format is None:
        raise BackendUnavailable(f"the SPARQL server answered {media_type}, which wco-kg cannot read")
    return [quad.triple for quad in ox.parse(body, format=rdf_format)]


def open_backend(settings: Settings, threads: int = 8, on_overrun: Callable[[], None] | None = None) -> Backend:
    """The remote server when WCOKG_ENDPOINT is set, else the embedded store."""
    if settings.endpoint:
        return RemoteBackend(settings)
    return EmbeddedBackend(settings, threads, on_overrun)
