"""The benchmark: wco-kg's endpoint against Oxigraph server and rdflib-endpoint, over the same data.

    python -m bench.run            # 10k, 100k and 1M triples (make bench)
    python -m bench.run --quick    # 10k and 100k, short runs, under 3 minutes (make bench-quick)

For each scale: generate the data (bench/generator.py), build a wco-kg store from it with
`wcokg build` (timed: the load figure), export the store's query view (asserted + inferred
triples, as wco-kg's default graph shows them) and give the same view to Oxigraph server and
to rdflib-endpoint; then run every benchmark query (bench/queries.py) through the servers in
rounds that take turns, with 1 and 8 closed-loop clients (bench/load.py). At 100k triples also
time SHACL validation of submissions and the inference refresh after one. Results go to
bench/results/.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from wcokg.config import Settings

from . import generator, report, submissions, systems
from .load import Measurement, fetch, measure
from .queries import benchmark

RESULTS = Path(__file__).resolve().parent / "results"
CLIENTS = (1, 8)
#: What a run can measure: the three servers, and the submission figures (validation, inference).
SYSTEMS = ("wco-kg", "oxigraph-server", "rdflib-endpoint", "submissions")


class Plan:
    """What one run measures, and how long it spends on each (system, query, clients) cell."""

    def __init__(self, quick: bool):
        self.quick = quick
        self.scales = ("10k", "100k") if quick else ("10k", "100k", "1m")
        self.rdflib_scales = ("10k",) if quick else ("10k", "100k")
        # A cell runs for `duration` seconds or `max_requests` requests, whichever ends first.
        self.duration = 0.1 if quick else 3.0
        # A cell is measured in this many rounds of duration / rounds, each round through every
        # server (see bench_query).
        self.rounds = 1 if quick else 3
        self.max_requests = 25 if quick else 100_000
        # Past this first-answer time a query runs at 1 client only, this many requests.
        self.slow = 0.1 if quick else 5.0
        self.slow_requests = 1 if quick else 2
        self.rdflib_max = 0.1 if quick else 1.0
        # Quick runs measure no query whose first answer took longer than this (seconds).
        self.too_slow = 0.5 if quick else None
        # wco-kg stops a query past this (its default: 30 s); the client waits 5 s more on any server.
        self.query_timeout = 5 if quick else 30
        self.first: dict[tuple[str, str], float] = {}
        self.validation_timeout = 20.0 if quick else None


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def export_view(settings: Settings, directory: Path) -> tuple[Path, Path]:
    """The store's query view (asserted + inferred, less shapes) as N-Triples, and the inferred part alone."""
    import pyoxigraph as ox

    from wcokg import store as layout
    from wcokg.store import Store

    store = Store(settings, read_only=True)
    view, inferred = directory / "view.nt", directory / "inferred.nt"
    with open(view, "wb") as out:
        for graph in store.query_graphs(inferred=True):
            ox.serialize((q.triple for q in store.quads(graph)), out, ox.RdfFormat.N_TRIPLES)
    with open(inferred, "wb") as out:
        ox.serialize((q.triple for q in store.quads(store.graph(layout.INFERRED))), out, ox.RdfFormat.N_TRIPLES)
    store.close()
    return view, inferred


def result_rows(body: bytes) -> int | None:
    try:
        return len(json.loads(body)["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return None


def first_answer(server: systems.Server, name: str, text: str, plan: Plan, scale: str,
                 summary: dict) -> float | None:
    """Ask the server once and record its row count; the seconds its answer took, or None when
    the query is not measured on it (it failed, or is skipped: summary["failed"], ["skipped"]).

    rdflib-endpoint skips queries slower than plan.rdflib_max elsewhere: it is two to three
    orders of magnitude slower on them. Quick runs skip queries slower than plan.too_slow.
    """
    answers = summary["result_rows"].setdefault(scale, {})
    known = plan.first.get((scale, name))
    if server.name == "rdflib-endpoint" and known is not None and known > plan.rdflib_max:
        summary["skipped"].append({"scale": scale, "system": server.name, "query": name,
                                   "first_s_elsewhere": round(known, 3)})
        return None
    start = time.perf_counter()
    try:
        # wco-kg stops a query at plan.query_timeout; the other two servers run without a
        # limit (see systems.oxigraph), so the client gives up on them a little later.
        status, _, body = fetch(server.target, text, timeout=plan.query_timeout + 5)
    except OSError as err:
        status, body = 0, repr(err).encode()
    # The first system to answer sets the time every other one is judged with as well (here,
    # and for slow queries in bench_query), so that every system is measured in the same cells.
    own = time.perf_counter() - start
    first = plan.first.setdefault((scale, name), own)
    answers.setdefault(name, {})[server.name] = result_rows(body) if status == 200 else (
        f"HTTP {status}" if status else "no answer in time")
    if status != 200:
        say(f"  {server.name} {name}: HTTP {status} {body[:200]!r}; skipped")
        summary["failed"].append({"scale": scale, "system": server.name, "query": name, "status": status})
        return None
    if plan.too_slow is not None and max(first, own) > plan.too_slow:
        summary["skipped"].append({"scale": scale, "system": server.name, "query": name, "first_s": round(own, 3)})
        return None
    say(f"  {server.name} {name}: {answers[name][server.name]} rows, first {own * 1000:.0f} ms")
    return own


def bench_query(servers: list[tuple[systems.Server, dict[str, bool]]], name: str, text: str, plan: Plan,
                scale: str, rows: list[dict], summary: dict) -> None:
    """One query through every server, in each of its modes (system name -> unique texts?), at 1
    and 8 clients.

    A query whose first answer (on the first system asked, or on this one) takes longer than
    plan.slow seconds is measured at 1 client only (plan.slow_requests requests): at 8 clients it
    would hold the run for minutes. summary["slow"] lists those cells; the goals' geometric
    means leave them out.

    Each cell is measured in plan.rounds rounds of plan.duration / plan.rounds seconds, and a
    round goes through every server (in the opposite order the next time): the cells a ratio
    compares then share the same stretches of the run, and the machine's drift between
    seconds falls on both sides alike. Where a round would hold fewer than about ten answers
    per client, the server's cells run in one round: more rounds would add their warm-up
    requests, and last requests running past the round's end, to a run already long.
    """
    measured = []  # (server, modes, slow, rounds)
    for server, modes in servers:
        own = first_answer(server, name, text, plan, scale, summary)
        if own is None:
            continue
        # The slower of this system and the first decides, so that a system much slower than
        # the first is spared the 8-client cells too.
        took = max(plan.first[(scale, name)], own)
        slow = took > plan.slow
        if slow:
            summary["slow"].extend({"scale": scale, "system": system, "query": name, "first_s": round(own, 3)}
                                   for system in modes)
        measured.append((server, modes, slow, plan.rounds if took * 10 <= plan.duration / plan.rounds else 1))
    parts: dict[tuple[str, int], list[Measurement]] = {}
    for number in range(plan.rounds):
        for server, modes, slow, rounds in measured if number % 2 == 0 else measured[::-1]:
            if number >= rounds:
                continue
            for system, unique in modes.items():
                for clients in (1,) if slow else CLIENTS:
                    parts.setdefault((system, clients), []).append(measure(
                        server.target, text, clients, unique=unique, duration=plan.duration / rounds,
                        max_requests=plan.slow_requests if slow else plan.max_requests * clients // rounds,
                        warmup=2 if not slow else 0 if unique else 1, timeout=plan.query_timeout + 5))
    for (system, clients), cell in parts.items():
        result = Measurement.pooled(cell)
        if result.latencies_ms:
            summary["client_cpu"].append(1000 * result.client_cpu_s / len(result.latencies_ms))
        rows.append({"scale": scale, "system": system, "query": name, "clients": clients,
                     "p50_ms": _round(result.percentile(50)), "p95_ms": _round(result.percentile(95)),
                     "qps": _round(result.qps)})
        if result.errors:
            summary["failed"].append({"scale": scale, "system": system, "query": name, "clients": clients,
                                      "errors": result.errors})
    if parts:
        say(f"  {name}: " + ", ".join(f"{row['system']}/{row['clients']}: {row['qps']}/s"
                                      for row in rows[-len(parts):]))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def etag_check(server: systems.Server, text: str) -> dict:
    """Does a repeated request with the answer's ETag get 304 Not Modified?"""
    status, headers, _ = fetch(server.target, text)
    tag = headers.get("etag")
    if not tag:
        return {"etag": None, "not_modified": False}
    again, _, body = fetch(server.target, text, headers=f"If-None-Match: {tag}\r\n")
    return {"etag": tag, "not_modified": again == 304 and not body}


def run_scale(scale: str, plan: Plan, workdir: Path, seed: int, rows: list[dict], summary: dict,
              wanted: tuple[str, ...] = SYSTEMS) -> None:
    say(f"{scale}: generating")
    home, triples = generator.write_home(workdir / scale, generator.SCALES[scale], seed)
    store = workdir / scale / "store"
    settings = Settings(home=home, store=store)
    env = {**systems.os.environ, "WCOKG_HOME": str(home), "WCOKG_STORE": str(store)}
    say(f"{scale}: {triples} triples; wcokg build")
    load_s, build_mb = systems.run_measured([str(systems.BIN / "wcokg"), "build"], env)
    facts = summary["scales"].setdefault(scale, {})
    facts.update(triples=triples, load_s=round(load_s, 3), build_peak_rss_mb=round(build_mb, 1))
    view, inferred = export_view(settings, workdir / scale)
    queries = benchmark(settings, seed)
    peaks = facts.setdefault("server_peak_rss_mb", {})

    say(f"{scale}: oxigraph load (wcokg build took {load_s:.1f} s)")
    location = workdir / scale / "oxigraph"
    asserted = sorted((home / "ontology").glob("*.ttl")) + sorted((home / "data").glob("*.ttl"))
    ox_load_s, _ = systems.run_measured([str(systems.BIN / "oxigraph"), "load", "--location", str(location),
                                         "--file", *map(str, asserted)])
    facts["oxigraph_load_s"] = round(ox_load_s, 3)
    systems.run_measured([str(systems.BIN / "oxigraph"), "load", "--location", str(location), "--file", str(inferred)])

    # The servers run together, each idle while another is measured, and every query goes
    # through them in rounds (bench_query): the cells a ratio compares then share the same
    # seconds, not a scale's whole run (a quarter of an hour at 1M), and this machine's speed
    # drifts by more than that.
    starters = []  # (how to start a server, its modes: system name -> unique texts?)
    if "wco-kg" in wanted:
        starters.append((lambda: systems.wcokg(home, store, plan.query_timeout, workdir / scale / "wcokg.log"),
                         {"wco-kg": True, "wco-kg-repeat": False}))
    if "oxigraph-server" in wanted:
        starters.append((lambda: systems.oxigraph(location, workdir / scale / "oxigraph.log"),
                         {"oxigraph-server": False}))
    if scale in plan.rdflib_scales and "rdflib-endpoint" in wanted:
        starters.append((lambda: systems.rdflib_endpoint(view, workdir / scale / "rdflib.log"),
                         {"rdflib-endpoint": False}))
    servers: list[tuple[systems.Server, dict[str, bool]]] = []
    with contextlib.ExitStack() as stack:
        for start, modes in starters:
            server = start()
            stack.enter_context(systems.running(server))
            servers.append((server, modes))
        say(f"{scale}: every query through " + ", ".join(server.name for server, _ in servers))
        for name, text in queries.items():
            bench_query(servers, name, text, plan, scale, rows, summary)
        for server, _ in servers:
            if server.name == "wco-kg":
                summary["etag"] = etag_check(server, queries["point-lookup"])
    for server, _ in servers:
        peaks[server.name] = round(server.memory.peak_mb, 1)
        facts.setdefault("server_settled_s", {})[server.name] = round(server.settled_s, 1)

    if scale == "100k" and "submissions" in wanted:
        say(f"{scale}: validation and inference")
        summary.update(submissions.measure(settings, seed, timeout=plan.validation_timeout))
    if scale == "1m":
        summary["load_1m_s"] = facts["load_s"]
        summary["oxigraph_load_1m_s"] = facts["oxigraph_load_s"]
        summary["peak_rss_mb_1m"] = max(facts["build_peak_rss_mb"], peaks.get("wco-kg", 0))
    shutil.rmtree(workdir / scale, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark wco-kg against Oxigraph server and rdflib-endpoint.")
    parser.add_argument("--quick", action="store_true", help="10k and 100k only, short runs (< 3 minutes)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scales", nargs="+", choices=list(generator.SCALES), help="only these scales")
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=SYSTEMS, help="only these servers")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    plan = Plan(args.quick)
    scales = args.scales or plan.scales
    rows: list[dict] = []
    summary: dict = {"mode": "quick" if args.quick else "full", "seed": args.seed, "scales": {}, "result_rows": {}, "slow": [], "skipped": [], "failed": [], "client_cpu": [],
                     "load_1m_s": None, "oxigraph_load_1m_s": None, "validate_1_activity_s": None,
                     "validate_1000_activities_s": None, "inference_refresh_100k_s": None, "peak_rss_mb_1m": None}
    # A TERM (from `timeout`, say) unwinds like an exception, so every server started is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wcokg-bench-") as tmp:
        for scale in scales:
            run_scale(scale, plan, Path(tmp), args.seed, rows, summary, tuple(args.systems))
    summary["elapsed_s"] = round(time.perf_counter() - started, 1)
    cpu = sorted(summary.pop("client_cpu"))
    summary["client_cpu_ms_per_request"] = {"p50": round(cpu[len(cpu) // 2], 3), "max": round(cpu[-1], 3)} if cpu else None
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(rows, indent=1) + "\n")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    report.write(rows, summary, args.out)
    say(f"done in {summary['elapsed_s']} s; results in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
