"""The shipped data: it conforms to the shapes with zero violations."""
from __future__ import annotations

from wcokg.validation import validate_files

from conftest import ROOT


def test_data_conforms_to_the_shapes(settings):
    report = validate_files(sorted((ROOT / "data").glob("*.ttl")), settings)
    assert report.violations == [], "\n".join(f"{r.focus} {r.path}: {r.message('en')}" for r in report.violations[:20])
