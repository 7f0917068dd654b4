"""`wcokg build`: loads every asset into its graph, is repeatable, and writes nothing on bad input."""
from __future__ import annotations

import shutil
from dataclasses import replace

import pyoxigraph as ox
import pytest

from wcokg import store as layout
from wcokg.build import BuildError, build
from wcokg.store import Store

from conftest import ROOT


def canonical_dump(settings) -> list[str]:
    """The store's quads with blank nodes canonically labelled (RDFC-1.0), sorted."""
    dataset = ox.Dataset(Store(settings, read_only=True).quads())
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(q) for q in dataset)


def copy_home(tmp_path):
    """A home directory with copies of the repository's assets, to change."""
    home = tmp_path / "home"
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / folder, home / folder)
    return home


def test_build_loads_assets_into_separate_graphs(built):
    store = Store(built, read_only=True)
    names = {store.graph_name(g) for g in store.named_graphs()}
    assert {layout.ONTOLOGY, layout.INFERRED, "data/sources", "data/bodies"} <= names
    # The shapes stay out: every graph of the store is part of the query view.
    assert layout.SHAPES not in names and store.union_is_query_view()
    assert store.triple_count(store.graph(layout.INFERRED)) > 0
    # Asserted and inferred stay apart: an inferred supertype is absent from the data graphs.
    ask = "ASK { <https://w3id.org/wcokg/body/PTC> a <http://www.w3.org/ns/org#OrganizationalUnit> }"
    assert store.query(ask).__bool__() is True
    assert store.query(ask, inferred=False).__bool__() is False


def test_second_build_gives_the_same_graph(fresh_settings):
    build(fresh_settings, progress=lambda m: None)
    first = canonical_dump(fresh_settings)
    build(fresh_settings, progress=lambda m: None)
    assert canonical_dump(fresh_settings) == first


def test_build_shows_progress(fresh_settings):
    messages = []
    build(fresh_settings, progress=messages.append)
    assert any(m.startswith("[1/") for m in messages)
    assert any("inferred triples" in m for m in messages)


def test_unreadable_file_fails_the_build_and_leaves_the_store_as_it_was(fresh_settings, tmp_path):
    build(fresh_settings, progress=lambda m: None)
    before = canonical_dump(fresh_settings)
    home = copy_home(tmp_path)
    (home / "data" / "broken.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b\n", encoding="utf-8")
    with pytest.raises(BuildError) as err:
        build(replace(fresh_settings, home=home), progress=lambda m: None)
    assert "broken.ttl:3" in str(err.value)
    assert canonical_dump(fresh_settings) == before


def test_unreadable_file_fails_a_first_build_and_leaves_no_store(fresh_settings, tmp_path):
    """A first build reads every file before it writes: a bad file leaves nothing behind."""
    home = copy_home(tmp_path)
    (home / "data" / "broken.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b\n", encoding="utf-8")
    with pytest.raises(BuildError) as err:
        build(replace(fresh_settings, home=home), progress=lambda m: None)
    assert "broken.ttl:3" in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
    # Nothing is left to get in the way: with the file fixed, the same build goes through.
    (home / "data" / "broken.ttl").unlink()
    report = build(replace(fresh_settings, home=home), progress=lambda m: None)
    assert report.graphs["data/bodies"] > 0 and report.inferred > 0


def test_build_rebases_iris_to_the_configured_base(tmp_path):
    from wcokg.config import Settings

    settings = replace(Settings(), home=ROOT, store=tmp_path / "store", base="http://127.0.0.1:8000/")
    build(settings, progress=lambda m: None)
    store = Store(settings, read_only=True)
    assert store.query("ASK { <http://127.0.0.1:8000/body/PTC> ?p ?o }").__bool__() is True
    assert store.query("ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://w3id.org/wcokg/')) }").__bool__() is False


def test_killed_build_leaves_an_existing_store_whole(fresh_settings, tmp_path):
    """A build over a built store, killed at any point, leaves the old store or the new one."""
    import signal
    import subprocess
    import sys
    import time

    build(fresh_settings, progress=lambda m: None)
    before = canonical_dump(fresh_settings)
    home = copy_home(tmp_path)
    (home / "data" / "extra.ttl").write_text("<https://w3id.org/wcokg/body/X> a <https://w3id.org/wcokg/ontology#WorkingGroup> .\n")
    changed = replace(fresh_settings, home=home)
    code = ("from pathlib import Path; from dataclasses import replace; from wcokg.config import Settings;"
            "from wcokg.build import build;"
            f"build(replace(Settings(), home=Path({str(home)!r}), store=Path({str(fresh_settings.store)!r})))")
    child = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    for line in child.stderr:  # killed once it has read the files, while it reasons or writes
        if line.startswith("reasoning:"):
            break
    time.sleep(0.5)
    child.send_signal(signal.SIGKILL)
    child.wait()
    after = canonical_dump(fresh_settings)
    if after != before:
        build(replace(changed, store=tmp_path / "expected"), progress=lambda m: None)
        assert after == canonical_dump(replace(changed, store=tmp_path / "expected"))
