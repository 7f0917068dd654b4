"""The embedded backend sees every write on the next request, with its cheap generation check;
its query threads hand results back, and a call cancelled while queued never runs."""
from __future__ import annotations

import os
import threading
from dataclasses import replace

import pyoxigraph as ox

import pytest

from wcokg.backends import Answer, EmbeddedBackend, Formats, GenerationFile, QueryRequest, ResultCache, _DaemonThreads
from wcokg.store import Store

EX = "https://example.org/"


def _write(settings, value: str) -> None:
    """Write as wco-kg's writers do: open read-write, replace a graph, flush, close."""
    store = Store(settings)
    triple = ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal(value))
    store.replace_graphs({store.graph("data/test"): [triple]})
    store.flush()
    store.close()


def test_generation_file_sees_writes_within_one_clock_tick(fresh_settings):
    store = Store(fresh_settings)
    watcher = GenerationFile(store.generation_file)
    assert watcher.read() == 0
    for expected in (1, 2, 3):  # back to back: file times may not change between them
        store._bump_generation()
        assert watcher.read() == expected == store.generation()


def test_generation_file_sees_a_write_after_a_settled_one(fresh_settings):
    store = Store(fresh_settings)
    watcher = GenerationFile(store.generation_file)
    store._bump_generation()
    old = store.generation_file.stat().st_mtime_ns - 10**10
    os.utime(store.generation_file, ns=(old, old))  # settled: read from the stat alone now
    assert watcher.read() == 1
    store._bump_generation()
    assert watcher.read() == 2


def test_the_result_cache_holds_at_most_its_bytes_dropping_the_least_recently_used():
    cache = ResultCache(size=100, max_bytes=8000)
    requests = [QueryRequest(f"SELECT * WHERE {{ ?s ?p {i} }}") for i in range(10)]
    eighth = Answer(b"x" * 1000, "text/plain")  # the largest answer kept
    assert cache.get(1, requests[0]) is None  # the first request of a generation
    for request in requests[:8]:
        cache.put(1, request, eighth, "tag")
    assert cache.get(1, requests[0]) is not None  # used again: the most recent now
    cache.put(1, requests[8], eighth, "tag")
    assert cache.get(1, requests[1]) is None
    kept = [requests[0], *requests[2:9]]
    assert all(cache.get(1, request) is not None for request in kept)
    cache.put(1, requests[8], eighth, "tag")  # put again: counted once
    assert all(cache.get(1, request) is not None for request in kept)
    cache.put(1, requests[9], Answer(b"x" * 1001, "text/plain"), "tag")  # over an eighth: never kept
    assert cache.get(1, requests[9]) is None and all(cache.get(1, request) is not None for request in kept)


def test_the_result_cache_keeps_answers_of_megabytes_within_an_eighth_of_its_bytes():
    # The heavy reports are the answers most worth keeping: at 1M triples, a few thousand rows
    # are a few megabytes, which a fixed bound of 1 MiB left out.
    cache = ResultCache(size=100, max_bytes=64 * 1024 * 1024)
    request = QueryRequest("SELECT * WHERE { ?s ?p ?o }")
    cache.get(1, request)
    cache.put(1, request, Answer(b"x" * (3 << 20), "application/sparql-results+json"), "tag")
    assert cache.get(1, request) is not None
    too_large = QueryRequest("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    cache.put(1, too_large, Answer(b"x" * ((8 << 20) + 1), "application/sparql-results+json"), "tag")
    assert cache.get(1, too_large) is None and cache.get(1, request) is not None


def test_cached_answer_is_not_served_after_a_write(fresh_settings):
    _write(fresh_settings, "first")
    backend = EmbeddedBackend(fresh_settings, threads=1)
    try:
        request = QueryRequest(f"SELECT ?o WHERE {{ <{EX}s> <{EX}p> ?o }}", Formats("tsv", None))
        first, first_tag = backend.answer(request)
        assert b"first" in first.body and backend.answer(request) == (first, first_tag)  # a cache hit
        _write(fresh_settings, "second")
        second, second_tag = backend.answer(request)
        assert b"second" in second.body and second_tag != first_tag
    finally:
        backend.close()


def test_query_threads_hand_back_results_and_errors():
    pool = _DaemonThreads(2)
    try:
        call = pool.submit(pow, 2, 10)
        assert call.wait(5) and call.outcome() == 1024
        failing = pool.submit(int, "not a number")
        assert failing.wait(5)
        with pytest.raises(ValueError, match="not a number"):
            failing.outcome()
    finally:
        pool.stop(2)


def test_a_call_cancelled_while_queued_never_runs():
    pool, release, ran = _DaemonThreads(1), threading.Event(), []
    try:
        busy = pool.submit(release.wait, 5)  # holds the only thread
        queued = pool.submit(ran.append, "queued")
        assert not queued.wait(0.05)  # the request gives up waiting
        assert queued.cancel()
        assert not busy.cancel()  # running: too late to cancel
        release.set()
        assert busy.wait(5) and busy.outcome() is True
        after = pool.submit(ran.append, "after")
        assert after.wait(5)
        assert ran == ["after"]
    finally:
        pool.stop(1)


def _copies_finished() -> None:
    """Wait for every copy of a store into memory under way to end, made or abandoned."""
    for thread in threading.enumerate():
        if thread.name == "wcokg-memory-copy":
            thread.join(60)


def _answers(backend: EmbeddedBackend, requests: list[QueryRequest]) -> list[list[bytes]]:
    """Each answer's lines, sorted: without ORDER BY the two stores may give rows in another order."""
    return [sorted(backend.query(request).body.splitlines()) for request in requests]


def test_queries_move_to_a_copy_in_memory_with_the_same_answers(built):
    backend = EmbeddedBackend(replace(built, cache_size=0), threads=2)
    requests = [
        QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", Formats("tsv", None)),
        QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", Formats("tsv", None), inferred=False),
        QueryRequest("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
                     Formats("tsv", None)),
        QueryRequest("CONSTRUCT WHERE { ?s a <http://www.w3.org/2002/07/owl#Class> }", Formats(None, "nt")),
    ]
    try:
        on_disk = _answers(backend, requests)  # the first request opens the store on disk
        _copies_finished()
        assert backend.health() == "queries run in memory"
        assert _answers(backend, requests) == on_disk
    finally:
        backend.close()


def test_blank_nodes_keep_their_labels_in_the_copy(fresh_settings):
    store = Store(fresh_settings)
    node = ox.BlankNode("b1")
    store.replace_graphs({store.graph("data/test"): [ox.Triple(node, ox.NamedNode(EX + "p"), ox.Literal("x")),
                                                      ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "q"), node)]})
    store.close()
    backend = EmbeddedBackend(replace(fresh_settings, cache_size=0), threads=1)
    request = QueryRequest(f"SELECT ?b ?o WHERE {{ <{EX}s> <{EX}q> ?b . ?b <{EX}p> ?o }}", Formats("tsv", None))
    try:
        on_disk = backend.query(request).body
        _copies_finished()
        assert backend.health() == "queries run in memory"
        assert backend.query(request).body == on_disk == b'?b\t?o\n_:b1\t"x"\n'
    finally:
        backend.close()


def test_a_write_is_seen_at_once_and_the_stale_copy_replaced(fresh_settings):
    _write(fresh_settings, "first")
    backend = EmbeddedBackend(fresh_settings, threads=1)
    request = QueryRequest(f"SELECT ?o WHERE {{ <{EX}s> <{EX}p> ?o }}", Formats("tsv", None))
    try:
        assert b"first" in backend.answer(request)[0].body
        _copies_finished()
        assert backend.health() == "queries run in memory"
        _write(fresh_settings, "second")
        assert b"second" in backend.answer(request)[0].body  # at once, from the store on disk
        _copies_finished()
        assert backend.health() == "queries run in memory"
        assert b"second" in backend.query(request).body
    finally:
        backend.close()


@pytest.mark.parametrize("memory_quads", [0, 1])
def test_a_store_past_the_memory_limit_is_queried_on_disk(fresh_settings, memory_quads):
    _write(fresh_settings, "first")
    store = Store(fresh_settings)  # a second quad: past a limit of one
    store.replace_graphs({store.graph("data/more"): [ox.Triple(ox.NamedNode(EX + "t"), ox.NamedNode(EX + "p"),
                                                                ox.Literal("x"))]})
    store.close()
    backend = EmbeddedBackend(replace(fresh_settings, memory_quads=memory_quads), threads=1)
    request = QueryRequest(f"SELECT ?o WHERE {{ <{EX}s> <{EX}p> ?o }}", Formats("tsv", None))
    try:
        assert b"first" in backend.query(request).body
        _copies_finished()
        assert backend.health() == "queries run on disk"
        assert b"first" in backend.query(request).body
    finally:
        backend.close()
