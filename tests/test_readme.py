"""The README's example queries run as written and find what the README says they find."""
from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from conftest import ROOT
from wcokg.sparql import run
from wcokg.store import Store

README = (ROOT / "README.md").read_text()
#: Where the README writes a query: curl's query=, `wcokg query -e`, SPARQLWrapper, inline code.
QUERY_PLACES = (r"'query=([^']*)'", r" -e '([^']*)'", r'setQuery\("([^"]*)"\)',
                r"`((?:PREFIX|SELECT|ASK|CONSTRUCT|DESCRIBE) [^`]*)`")
EXAMPLES = [text for pattern in QUERY_PLACES for text in re.findall(pattern, README)]


def test_the_readme_has_example_queries():
    assert len(EXAMPLES) >= 4, EXAMPLES


@pytest.mark.parametrize("text", EXAMPLES)
def test_a_readme_query_finds_rows(built, text):
    store = Store(built, read_only=True)
    try:
        result = run(store, text)
        assert isinstance(result, ox.QuerySolutions) and next(iter(result), None) is not None, text
    finally:
        store.close()
