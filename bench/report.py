"""The benchmark's report: a Markdown table of ratios to Oxigraph server, the goals, and a plot.

A ratio is a system's throughput divided by Oxigraph server's on the same query, scale and
number of clients: above 1 the system is faster. Goals are read at 8 clients, as the
geometric mean of the ratios over the benchmark queries.
"""
from __future__ import annotations

import math
from pathlib import Path

REFERENCE = "oxigraph-server"
SYSTEMS = ("wco-kg", "wco-kg-repeat", "rdflib-endpoint")


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def ratios(rows: list[dict], clients: int = 8) -> dict[tuple[str, str, str], float]:
    """(scale, system, query) -> qps / Oxigraph server's qps, at `clients` clients."""
    reference = {(r["scale"], r["query"]): r["qps"] for r in rows
                 if r["system"] == REFERENCE and r["clients"] == clients and r["qps"]}
    return {(r["scale"], r["system"], r["query"]): r["qps"] / reference[r["scale"], r["query"]]
            for r in rows if r["clients"] == clients and r["system"] != REFERENCE
            and (r["scale"], r["query"]) in reference and r["qps"]}


def goals(rows: list[dict], summary: dict) -> list[tuple[str, str, bool | None]]:
    """(goal, measured, met?) for every goal of the benchmark; met is None where not measured."""
    from .queries import POINT_LOOKUPS

    by = ratios(rows)
    out = []

    def mean(scale, system, only=None):
        return geomean([v for (s, y, q), v in by.items() if s == scale and y == system and (only is None or q in only)])

    def check(name, value, limit, higher=True, unit="x"):
        met = None if value is None else (value >= limit if higher else value <= limit)
        out.append((name, "not measured" if value is None else f"{value:.2f}{unit}", met))

    for scale in ("10k", "100k"):
        check(f"wco-kg >= 0.8x Oxigraph server at {scale} (geomean, 8 clients)", mean(scale, "wco-kg"), 0.8)
        check(f"wco-kg point lookups >= 0.5x at {scale}", mean(scale, "wco-kg", POINT_LOOKUPS), 0.5)
        check(f"wco-kg-repeat >= 1.5x Oxigraph server at {scale}", mean(scale, "wco-kg-repeat"), 1.5)
    # Over the queries both answered: rdflib-endpoint is spared its slowest (bench/README.md).
    for clients, name in ((8, "wco-kg >= 20x rdflib-endpoint at 10k"), (1, "the same at 1 client")):
        both = ratios(rows, clients)
        pairs = [(v, both["10k", "rdflib-endpoint", q]) for (s, y, q), v in both.items()
                 if s == "10k" and y == "wco-kg" and ("10k", "rdflib-endpoint", q) in both]
        check(name, geomean([w / r for w, r in pairs]), 20)
    load, ox_load = summary.get("load_1m_s"), summary.get("oxigraph_load_1m_s")
    check("load of 1M triples <= 1.5x oxigraph load", load / ox_load if load and ox_load else None, 1.5, higher=False)
    check("one-activity submission validated with the 100k graph <= 0.5 s",
          summary.get("validate_1_activity_s"), 0.5, higher=False, unit=" s")
    check("1,000 activities validated with the 100k graph <= 5 s",
          summary.get("validate_1000_activities_s"), 5, higher=False, unit=" s")
    check("inference refreshed after a one-activity submission at 100k <= 2 s",
          summary.get("inference_refresh_100k_s"), 2, higher=False, unit=" s")
    return out


def markdown(rows: list[dict], summary: dict) -> str:
    by = ratios(rows)
    scales = sorted({r["scale"] for r in rows}, key=["10k", "100k", "1m"].index)
    queries = list(dict.fromkeys(r["query"] for r in rows))
    reference = {(r["scale"], r["query"], r["clients"]): r for r in rows if r["system"] == REFERENCE}
    lines = [f"# Benchmark results ({summary.get('mode')} run, {summary.get('elapsed_s')} s)", "",
             "Throughput ratio to Oxigraph server at 8 clients (above 1: faster), and Oxigraph server's own "
             "queries/s and p50 at 1 and 8 clients.", ""]
    for scale in scales:
        facts = summary.get("scales", {}).get(scale, {})
        lines += [f"## {scale} ({facts.get('triples', '?')} triples; wcokg build {facts.get('load_s')} s, "
                  f"oxigraph load {facts.get('oxigraph_load_s')} s; server peak RSS MB "
                  f"{facts.get('server_peak_rss_mb')})", "",
                  "| query | " + " | ".join(SYSTEMS) + " | oxigraph q/s (1 / 8) | oxigraph p50 ms (1 / 8) |",
                  "|---|" + "---:|" * (len(SYSTEMS) + 2)]
        for query in queries:
            cells = [f"{by[scale, s, query]:.2f}" if (scale, s, query) in by else "" for s in SYSTEMS]
            one, eight = reference.get((scale, query, 1), {}), reference.get((scale, query, 8), {})
            lines.append(f"| {query} | " + " | ".join(cells)
                         + f" | {one.get('qps', '')} / {eight.get('qps', '')} | {one.get('p50_ms', '')} / {eight.get('p50_ms', '')} |")
        means = [geomean([v for (s, y, _), v in by.items() if s == scale and y == system]) for system in SYSTEMS]
        lines += ["| **geometric mean** | " + " | ".join(f"**{m:.2f}**" if m else "" for m in means) + " | | |", ""]
    lines += ["## Goals", "", "| goal | measured | met |", "|---|---:|---|"]
    for name, measured, met in goals(rows, summary):
        lines.append(f"| {name} | {measured} | {'yes' if met else 'no' if met is False else '-'} |")
    fields = ("load_1m_s", "oxigraph_load_1m_s", "validate_1_activity_s", "validate_1000_activities_s",
              "inference_refresh_100k_s", "peak_rss_mb_1m")
    lines += ["", "## Summary", "", "| field | value |", "|---|---:|"]
    lines += [f"| {f} | {summary.get(f)} |" for f in fields]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = ratios(rows)
    scales = sorted({s for s, _, _ in by}, key=["10k", "100k", "1m"].index)
    queries = list(dict.fromkeys(q for _, _, q in by))
    fig, axes = plt.subplots(1, max(1, len(scales)), figsize=(7 * max(1, len(scales)), 0.28 * len(queries) + 2),
                             sharey=True, squeeze=False)
    for axis, scale in zip(axes[0], scales):
        height = 0.8 / len(SYSTEMS)
        for n, system in enumerate(SYSTEMS):
            values = [by.get((scale, system, q), 0) for q in queries]
            axis.barh([i + n * height for i in range(len(queries))], values, height=height, label=system)
        axis.axvline(1, color="black", linewidth=0.8)
        axis.set_xscale("log")
        axis.set_title(f"{scale}: throughput / Oxigraph server, 8 clients")
        axis.set_yticks([i + 0.4 - height / 2 for i in range(len(queries))], queries, fontsize=7)
        axis.invert_yaxis()
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(rows: list[dict], summary: dict, directory: Path) -> None:
    (directory / "latest.md").write_text(markdown(rows, summary), encoding="utf-8")
    if rows:
        plot(rows, directory / "latest.png")
