"""The benchmark's load generator and runner: what they send, and when, to real HTTP servers
on 127.0.0.1."""
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.load import Measurement, Target, measure
from bench.run import Plan, bench_query

ANSWER = b'{"head": {"vars": []}, "results": {"bindings": []}}'


@pytest.fixture
def recording_servers():
    """Start SPARQL GET endpoints that answer every query alike, after `delay` seconds, and log
    (server name, query text) for each request, all in one list, in the order they came."""
    log: list[tuple[str, str]] = []
    lock = threading.Lock()
    servers = []

    def start(name: str, delay: float = 0.0) -> Target:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the load generator expects
            disable_nagle_algorithm = True  # headers and body are two writes: no delayed ACK between

            def do_GET(self):
                with lock:
                    log.extend((name, text) for text in parse_qs(urlsplit(self.path).query)["query"])
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(ANSWER)))
                self.end_headers()
                self.wfile.write(ANSWER)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return Target("127.0.0.1", server.server_address[1], "/sparql")

    yield start, log
    for server in servers:
        server.shutdown()
        server.server_close()


def test_unique_texts_never_repeat_across_cells(recording_servers):
    # A result cache keyed by the text must never answer a "unique" request: the 8-client cell
    # that follows a 1-client cell of the same query once resent that cell's texts.
    start, log = recording_servers
    target = start("server")
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    for clients in (1, 8, 1):
        result = measure(target, query, clients, unique=True, duration=5, max_requests=40)
        assert result.errors == 0 and result.latencies_ms
    texts = [text for _, text in log]
    assert len(texts) > 3 * 40
    assert all(text.startswith(query + "\n# ") for text in texts)
    repeated = [text for text, count in Counter(texts).items() if count > 1]
    assert repeated == []


def test_repeated_texts_are_the_query_itself(recording_servers):
    start, log = recording_servers
    target = start("server")
    query = "ASK {}"
    result = measure(target, query, 2, unique=False, duration=0.05, max_requests=10)
    assert result.errors == 0
    assert {text for _, text in log} == {query}


def _runs(names):
    """The names with each stretch of repeats told once: a b b a -> a b a."""
    return [name for i, name in enumerate(names) if i == 0 or names[i - 1] != name]


def test_cells_are_measured_in_rounds_through_every_server(recording_servers):
    # A ratio compares two servers' cells of one query; measured in rounds that take turns,
    # both cells span the same stretch of the run, and the machine's drift falls on both.
    start, log = recording_servers
    fast = SimpleNamespace(name="fast", target=start("fast"))
    other = SimpleNamespace(name="other", target=start("other"))
    # A round of 1 s would hold fewer than ten of this one's answers: it runs in one round.
    slow = SimpleNamespace(name="slow", target=start("slow", delay=0.2))
    plan = Plan(quick=False)
    # Rounds of 1 s, cut short by the request count (2 a client a round; 6 in slow's one round).
    plan.duration, plan.rounds, plan.max_requests = 3.0, 3, 6
    rows, summary = [], {"result_rows": {}, "slow": [], "skipped": [], "failed": [], "client_cpu": []}
    servers = [(fast, {"fast": True, "fast-repeat": False}), (other, {"other": False}), (slow, {"slow": False})]
    bench_query(servers, "q", "ASK {}", plan, "10k", rows, summary)

    # First answers, then rounds: fast, other, slow; other, fast (reversed; slow is done); fast, other.
    assert _runs([name for name, _ in log]) == ["fast", "other", "slow", "fast", "other", "slow", "other", "fast",
                                                "other"]
    assert sorted((row["system"], row["clients"]) for row in rows) == [
        (system, clients) for system in ("fast", "fast-repeat", "other", "slow") for clients in (1, 8)]
    assert all(row["qps"] > 0 and row["p50_ms"] is not None for row in rows)
    assert summary["failed"] == summary["slow"] == [] and summary["result_rows"]["10k"]["q"] == {
        "fast": 0, "other": 0, "slow": 0}


def test_rounds_pool_into_one_measurement():
    pooled = Measurement.pooled([Measurement([1.0, 3.0], 1.0, 0, 0.1), Measurement([2.0, 4.0, 5.0, 6.0], 2.0, 1, 0.2)])
    assert sorted(pooled.latencies_ms) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert pooled.qps == 2.0 and pooled.errors == 1 and pooled.client_cpu_s == pytest.approx(0.3)
    assert pooled.percentile(50) == 3.0


def test_a_query_slow_on_the_first_system_asked_or_on_its_own_runs_at_one_client(recording_servers):
    # The first system asked sets the time each other one is judged with: a query slow there is
    # measured at 1 client everywhere, and a system slow on its own is spared the 8-client cells.
    start, _ = recording_servers
    slow = SimpleNamespace(name="slow", target=start("slow", delay=0.2))
    fast = SimpleNamespace(name="fast", target=start("fast"))
    plan = Plan(quick=False)
    plan.duration, plan.slow, plan.slow_requests, plan.max_requests = 0.3, 0.1, 1, 6

    def cells(servers):
        rows, summary = [], {"result_rows": {}, "slow": [], "skipped": [], "failed": [], "client_cpu": []}
        bench_query(servers, f"q{len(plan.first)}", "ASK {}", plan, "10k", rows, summary)
        return sorted((row["system"], row["clients"]) for row in rows), sorted(
            entry["system"] for entry in summary["slow"])

    assert cells([(fast, {"fast": False}), (slow, {"slow": False})]) == (
        [("fast", 1), ("fast", 8), ("slow", 1)], ["slow"])
    assert cells([(slow, {"slow": False}), (fast, {"fast": False})]) == (
        [("fast", 1), ("slow", 1)], ["fast", "slow"])
