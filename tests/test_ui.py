"""The home page in a real headless Chromium (Debian's, driven by Playwright) against `wcokg serve`.

With YASGUI installed (node_modules/, from `make setup`) the example query runs from the
editor's run button and its rows appear in the results table; without it, the page keeps a
plain form that posts to /sparql. The page loads nothing from outside the server.
"""
from __future__ import annotations

import csv
import io
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT
from servers import start_wcokg, stop
from wcokg.web.ui import YASGUI_BUILD, YASGUI_FILES, examples

CHROMIUM = Path("/usr/bin/chromium")
#: Headless, and no background calls to the vendor's services (this machine has no network).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RESULT_ROWS = ".yasr table.dataTable tbody tr"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (.ci/run installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def with_editor(built) -> str:
    """A server whose home has YASGUI installed: the repository after `make setup`."""
    if not all((ROOT / YASGUI_BUILD / name).is_file() for name in YASGUI_FILES):
        if shutil.which("npm"):
            pytest.fail("npm is installed but node_modules/ lacks YASGUI: run `make setup`")
        pytest.skip("npm is absent, so the editor cannot be installed here")
    base, process = start_wcokg(built.store)
    yield base
    stop(process)


@pytest.fixture(scope="module")
def without_editor(built, tmp_path_factory) -> str:
    """A server whose home has the knowledge assets but no node_modules/, as where npm is absent."""
    home = tmp_path_factory.mktemp("home-without-npm")
    for folder in ("ontology", "shapes", "data", "queries"):
        (home / folder).symlink_to(ROOT / folder)
    base, process = start_wcokg(built.store, {"WCOKG_HOME": str(home)})
    yield base
    stop(process)


@pytest.fixture
def open_page(browser):
    """open_page(url, locale) -> a Chromium page on `url`; afterwards, checks nothing left the server."""
    contexts, requested = [], []

    def open_page(url: str, locale: str = "en-GB"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 1000})
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(url)
        return page

    yield open_page
    for context in contexts:
        context.close()
    origin = urllib.parse.urlsplit(requested[0])._replace(path="", query="", fragment="").geturl()
    assert all(url.startswith(origin + "/") for url in requested), \
        f"the page fetched from elsewhere: {[u for u in requested if not u.startswith(origin)]}"


def endpoint_column(base: str, query: str, column: str) -> list[str]:
    """One column of the query's answer, straight from /sparql as CSV: what the table must show."""
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(f"{base}/sparql", data=data, headers={"Accept": "text/csv"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return [row[column] for row in csv.DictReader(io.StringIO(response.read().decode()))]


def run_in_editor(page) -> list[str]:
    """Click the editor's run button; the text of each row of the results table."""
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    page.locator(f".tabPanel.active {RESULT_ROWS}").first.wait_for()
    return page.locator(f".tabPanel.active {RESULT_ROWS}").all_inner_texts()


def test_example_query_runs_in_yasgui_and_fills_the_table(with_editor, built, open_page):
    page = open_page(with_editor + "/")
    assert page.locator("form.plain-query").is_hidden()
    assert "PREFIX dcterms:" in page.locator(".tabPanel.active .CodeMirror").inner_text()
    rows = run_in_editor(page)
    first = examples(built, "en")[0]
    titles = endpoint_column(with_editor, first.text, "title")
    assert len(rows) == len(titles) > 0
    for row, title in zip(rows, titles):
        assert f'"{title}"' in row
    assert any("Compendium of E-Commerce Case Studies" in row for row in rows)


def test_example_link_opens_its_query_in_a_new_tab(with_editor, open_page):
    page = open_page(with_editor + "/")
    page.get_by_role("link", name="Who reports to whom").click()
    assert page.locator(".tabPanel.active .CodeMirror").inner_text().count("wco:reportsTo") >= 3
    assert page.locator(".tab.active").inner_text().strip().startswith("Who reports to whom")
    rows = run_in_editor(page)
    assert any("Permanent Technical Committee" in row and '"PC"' in row for row in rows)
    # The link of an open example selects its tab again rather than adding another.
    page.get_by_role("link", name="Activities on SAFE").click()
    page.get_by_role("link", name="Who reports to whom").click()
    assert page.locator(".tab", has_text="Who reports to whom").count() == 1


def test_french_labels_by_browser_language_and_by_switch(with_editor, open_page):
    page = open_page(with_editor + "/", locale="fr-FR")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Exemples de requêtes").is_visible()
    rows = run_in_editor(page)
    assert any("Compiler les mises à jour annuelles du Recueil des études de cas" in row for row in rows)
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Example queries").is_visible()
    page.get_by_role("link", name="Français").click()
    assert page.get_by_role("link", name="Qui rend compte à qui").is_visible()


def test_without_the_editor_a_plain_form_posts_to_sparql(without_editor, open_page):
    page = open_page(without_editor + "/?example=theme-safe")
    assert page.locator("#yasgui").count() == 0
    assert "make setup" in page.locator(".notice").inner_text()
    query = page.locator("textarea[name=query]").input_value()
    assert '"safe"' in query
    page.select_option("select[name=format]", "json")
    with page.expect_response(lambda response: response.url.endswith("/sparql")) as answer:
        page.get_by_role("button", name="Run query").click()
    assert answer.value.status == 200
    assert answer.value.headers["content-type"].startswith("application/sparql-results+json")
    titles = [binding["title"]["value"] for binding in answer.value.json()["results"]["bindings"]]
    assert titles == endpoint_column(without_editor, query, "title")
    assert any("SAFE" in title for title in titles)


def test_yasgui_files_are_served_and_nothing_else_of_node_modules(with_editor):
    with urllib.request.urlopen(f"{with_editor}/assets/yasgui/yasgui.min.js", timeout=30) as response:
        assert response.headers.get_content_type() in ("text/javascript", "application/javascript")
        assert b"Yasgui" in response.read()
    for name in ("yasgui.esm.js", "..%2F..%2Fyasqe%2Fpackage.json", "%2E%2E/package.json"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{with_editor}/assets/yasgui/{name}", timeout=30)
        assert err.value.code == 404


@pytest.mark.parametrize(("path", "accept_language", "lang"), [
    ("/?lang=fr", "en-GB,en", "fr"),
    ("/?lang=en", "fr-FR,fr", "en"),
    ("/?lang=de", "fr-CA", "fr"),
    ("/", "de-DE", "en"),
])
def test_language_comes_from_lang_then_accept_language(without_editor, path, accept_language, lang):
    request = urllib.request.Request(without_editor + path, headers={"Accept-Language": accept_language})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert "Accept-Language" in response.headers["Vary"]
        assert f'<html lang="{lang}">' in response.read().decode()
