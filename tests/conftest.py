"""Shared fixtures: settings pointing at a temporary store, and one store built from the repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from wcokg.build import build
from wcokg.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
W3C = SHARED / "w3c"


def need_shared(path: Path) -> Path:
    """The path under ../shared, or skip: a user's clone has no ../shared."""
    if not path.exists():
        pytest.skip(f"{path} is absent (the W3C suites and seeds live beside the repository, in ../shared)")
    return path


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    return replace(Settings(), home=ROOT, store=tmp_path_factory.mktemp("store") / "store")


@pytest.fixture(scope="session")
def built(settings) -> Settings:
    """A store built once from ontology/, shapes/ and data/ (read-only for tests)."""
    build(settings, progress=lambda message: None)
    return settings


@pytest.fixture(scope="session")
def synthetic_built(settings, tmp_path_factory) -> Settings:
    """A store built once from 3k triples of the benchmark's synthetic data (seed 0), whose
    entities lack many optional values (reports with no decision, decisions on no instrument)."""
    from bench import generator

    home, _ = generator.write_home(tmp_path_factory.mktemp("synthetic"), 3_000, seed=0)
    synthetic = replace(settings, home=home, store=home.parent / "store")
    build(synthetic, progress=lambda message: None)
    return synthetic


@pytest.fixture
def fresh_settings(tmp_path) -> Settings:
    return replace(Settings(), home=ROOT, store=tmp_path / "store")


def wcokg(*args: str, input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed `wcokg` command as a user would."""
    exe = shutil.which("wcokg", path=str(Path(sys.executable).parent)) or "wcokg"
    return subprocess.run([exe, *args], capture_output=True, text=True, input=input, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=600)


@pytest.fixture(scope="session")
def owlrl_closure() -> "rdflib.Graph":
    """owlrl's full OWL-RL closure of the ontology and data/ (slow: computed once)."""
    import owlrl
    import rdflib

    graph = rdflib.Graph()
    for folder in ("ontology", "data"):
        for path in sorted((ROOT / folder).glob("*.ttl")):
            graph.parse(path)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph
