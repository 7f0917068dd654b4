"""Settings: every environment variable wco-kg reads is documented in the README's table."""
from __future__ import annotations

import re

from conftest import ROOT


def test_the_readme_documents_every_setting():
    read = set(re.findall(r'"(WCOKG_[A-Z_]+)"', (ROOT / "server" / "wcokg" / "config.py").read_text()))
    first_cells = re.findall(r"^\| ([^|]+) \|", (ROOT / "README.md").read_text(), re.M)
    documented = {name for cell in first_cells for name in re.findall(r"`(WCOKG_[A-Z_]+)`", cell)}
    assert read, "no settings found in config.py"
    assert sorted(read - documented) == []
