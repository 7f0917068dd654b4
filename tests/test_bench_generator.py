"""The benchmark's synthetic data: shaped like the curated graph, the same for the same seed, and
with something for every benchmark query to find."""
from pathlib import Path

import pyoxigraph as ox

from bench import generator
from bench.queries import benchmark
from wcokg.store import Store
from wcokg.validation import validate_files

#: Benchmark queries allowed to find nothing in synthetic data: three look for defects that
#: conforming data lacks, one names the curated strategic plan in its text.
EMPTY_BY_DESIGN = {"activities-without-english-title", "activities-without-kpi", "activities-without-source",
                   "activities-by-strategic-code"}


def _triples(texts: dict[str, str]) -> int:
    return sum(len(list(ox.parse(text, format=ox.RdfFormat.TURTLE))) for text in texts.values())


def test_generated_data_conforms_to_the_shapes(settings, tmp_path: Path):
    # 3k triples run every path of the generator (all node kinds, both parts, every status) at a
    # tenth of the time pyshacl's SPARQL rules take on 10k (a minute); the scales only repeat them.
    count = generator.write(tmp_path, 3_000, seed=0)
    text = "".join(path.read_text() for path in tmp_path.glob("*.ttl"))
    for kind in ("TimeBoundActivity", "PermanentActivity", "Deadline", "StatusReport", "Meeting", "WorkProgramme",
                 "AgendaItem", "Decision", "Presentation", "MeetingReport", "KeyPerformanceIndicator"):
        assert f"a wco:{kind} ;" in text
    assert "wco:completionEvidence" in text
    report = validate_files(sorted(tmp_path.glob("*.ttl")), settings)
    assert report.conforms, [(r.focus, r.path, r.message("en")) for r in report.violations[:5]]
    assert report.results == [], "synthetic data should not even raise warnings"
    assert 2_900 <= count <= 3_300


def test_counts_are_exact_and_the_seed_decides():
    texts, count = generator.generate(generator.SCALES["10k"], seed=0)
    assert 9_000 <= count <= 11_000
    assert _triples(texts) == count
    again, _ = generator.generate(generator.SCALES["10k"], seed=0)
    other, _ = generator.generate(generator.SCALES["10k"], seed=1)
    assert again == texts
    assert other != texts


def test_submission_points_at_the_reference_graph(settings, tmp_path: Path):
    texts, _ = generator.generate(generator.SCALES["10k"], seed=0)
    reference = tmp_path / "reference.ttl"
    reference.write_text(texts["syn-s0-reference"], encoding="utf-8")
    text, count = generator.submission(3, seed=7, reference_triples=generator.SCALES["10k"])
    (tmp_path / "submission.ttl").write_text(text, encoding="utf-8")
    assert _triples({"s": text}) == count
    # Alone it names bodies, documents and instruments it does not describe; with the graph it conforms.
    alone = validate_files([tmp_path / "submission.ttl"], settings)
    assert not alone.conforms
    together = validate_files([reference, tmp_path / "submission.ttl"], settings)
    assert together.conforms, [(r.focus, r.path) for r in together.violations[:5]]


def test_every_benchmark_query_finds_rows(synthetic_built):
    # A query that finds nothing at every scale would measure only the cost of a request.
    store = Store(synthetic_built, read_only=True)
    empty = sorted(name for name, text in benchmark(synthetic_built).items() if not list(store.query(text)))
    assert empty == sorted(EMPTY_BY_DESIGN)
