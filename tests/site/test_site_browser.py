"""The handbook in a real headless Chromium: it renders, searches, links and runs nothing hostile.

One browser session serves every check (launching Chromium is the slow part). Chromium comes from
NSMCODE_TEST_CHROMIUM or /usr/bin/chromium; without it the tests skip locally and fail under CI.
Screenshots are saved under test-artifacts/site/ for people to look at.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from site_html import EXAMPLE, write_hostile_project

from nsmcode.project import load_project
from nsmcode.site import build_site
from nsmcode.site.serve import serve_folder

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "site"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = os.environ.get("NSMCODE_TEST_CHROMIUM") or "/usr/bin/chromium"
    if not Path(path).is_file():
        _unavailable(f"no Chromium at {path}; set NSMCODE_TEST_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[docs-test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=ARGS)
        yield chromium
        chromium.close()


class Watch:
    """Console errors, uncaught exceptions, failed requests and dialogs of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"console {message.type}: {message.text}")

    def _failed(self, request: Any) -> None:
        if request.failure != "net::ERR_ABORTED":  # cut short by the next navigation
            self.errors.append(f"failed: {request.url} {request.failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def open_page(browser: Any, url: str, viewport: dict[str, int], **options: Any) -> Any:
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.watch = Watch(page)
    page.goto(url)
    return page


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.evaluate("window.scrollTo(0, 0)")  # sticky header and sidebar at the top
    page.screenshot(path=str(path), full_page=True)
    return path


def test_home_on_a_laptop(browser: Any, example_site: Path) -> None:
    page = open_page(browser, (example_site / "index.html").as_uri(), LAPTOP)
    tree = page.locator("svg.tree-wide")
    assert tree.is_visible()
    assert not page.locator("svg.tree-narrow").is_visible()
    box = tree.bounding_box()
    assert box is not None and box["width"] > 800 and box["height"] > 300
    star = page.locator("svg.tree-wide a.node-nsm")
    assert star.get_attribute("href") == "metrics/weekly_active_integration_points.html"
    assert page.locator("svg.tree-wide a.node").count() >= 6
    assert shot(page, "home-laptop.png").stat().st_size > 10_000
    page.emulate_media(color_scheme="dark")
    shot(page, "home-laptop-dark.png")
    assert page.watch.errors == []
    page.context.close()


def test_home_on_a_phone(browser: Any, example_site: Path) -> None:
    page = open_page(browser, (example_site / "index.html").as_uri(), PHONE)
    assert page.locator("svg.tree-narrow").is_visible()
    assert not page.locator("svg.tree-wide").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sidebar = page.locator("#sidebar")
    assert not sidebar.is_visible()
    page.locator(".menu-button").click()
    assert page.locator(".menu-button").get_attribute("aria-expanded") == "true"
    from playwright.sync_api import expect

    expect(sidebar.locator("a", has_text="OKRs")).to_be_in_viewport()
    page.keyboard.press("Escape")
    shot(page, "home-phone.png")
    assert page.watch.errors == []
    page.context.close()


def test_metric_page(browser: Any, example_site: Path) -> None:
    url = (example_site / "metrics" / "weekly_active_integration_points.html").as_uri()
    page = open_page(browser, url, LAPTOP, permissions=["clipboard-read", "clipboard-write"])
    assert page.locator("h1").inner_text() == "Weekly active integration points"
    tabs = page.locator("[role=tab]")
    if tabs.count() > 1:  # SQL for each dialect
        first = page.locator("[role=tabpanel]").nth(0)
        second = page.locator("[role=tabpanel]").nth(1)
        assert first.is_visible() and not second.is_visible()
        tabs.nth(1).click()
        assert second.is_visible() and not first.is_visible()
        assert tabs.nth(1).get_attribute("aria-selected") == "true"
        copy = second.locator("button.copy")
        copy.click()
        from playwright.sync_api import expect

        expect(copy).to_have_text("Copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == second.locator("pre code").inner_text()
        assert copied.startswith("WITH") or copied.startswith("SELECT")
        tabs.nth(0).click()
    shot(page, "metric-laptop.png")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "metric-phone.png")
    assert page.watch.errors == []
    page.context.close()


def test_each_metric_page_lists_the_columns_its_sql_returns(
    browser: Any, example_site: Path
) -> None:
    """The column list above the SQL, as the browser renders it, is exactly what the DuckDB SQL
    on the page returns when DuckDB runs it on the example's data (bound with LIMIT 0)."""
    from nsmcode.run.connections import open_engine

    project = load_project(EXAMPLE)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    watch = Watch(page)
    checked: list[str] = []
    with open_engine(project) as engine:
        for name in sorted(project.metrics):
            page.goto((example_site / "metrics" / f"{name}.html").as_uri())
            listed = page.locator("section[aria-labelledby=sql] p.section-intro code")
            sql = page.locator("#sql-duckdb").text_content()
            assert sql, f"{name}: the page shows no DuckDB SQL"
            query = sql.strip().rstrip(";")
            cursor = engine.connection.execute(f"SELECT * FROM ({query}) AS shown LIMIT 0")
            returned = [column[0] for column in cursor.description]
            assert listed.all_inner_texts() == returned, name
            checked.append(name)
    assert watch.errors == []
    assert len(checked) == len(project.metrics) > 30
    context.close()


def test_search_finds_a_metric(browser: Any, example_site: Path) -> None:
    page = open_page(browser, (example_site / "okrs.html").as_uri(), LAPTOP)
    page.keyboard.press("/")
    search = page.locator("#search-input")
    assert page.evaluate("document.activeElement.id") == "search-input"
    search.fill("activation rate")
    results = page.locator("#search-results")
    assert results.is_visible()
    first = results.locator("li[role=option] a").first
    assert first.get_attribute("href") == "metrics/activation_rate_7d.html"
    assert "7-day activation rate" in first.inner_text()
    search.fill("no such thing at all")
    assert "No match" in results.inner_text()
    search.fill("deploying")
    search.press("Enter")
    page.wait_for_url("**/metrics/accounts_deploying_to_production.html")
    assert page.locator("h1").inner_text() == "Accounts deploying to production"
    assert page.watch.errors == []
    page.context.close()


def test_every_page_loads_cleanly_and_every_link_resolves(browser: Any, example_site: Path) -> None:
    with serve_folder(example_site, 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            context = browser.new_context(viewport=PHONE)  # also: nothing overflows a phone
            page = context.new_page()
            watch = Watch(page)
            seen: dict[str, set[str]] = {}
            links: list[tuple[str, str]] = []
            todo = [server.url + "index.html"]
            while todo:
                url = todo.pop()
                if url in seen:
                    continue
                response = page.goto(url, wait_until="domcontentloaded")
                assert response is not None and response.status == 200, url
                assert watch.errors == [], url
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
                seen[url] = set(
                    page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
                )
                hrefs = page.evaluate(
                    "[...document.querySelectorAll('a[href], link[href], [src]')].map(e =>"
                    " new URL(e.getAttribute('href') || e.getAttribute('src'),"
                    " document.baseURI).href)"
                )
                for href in hrefs:
                    assert urlsplit(href).scheme in ("http", "https", "mailto"), (url, href)
                    if not href.startswith(server.url):
                        continue
                    links.append((url, href))
                    target = urldefrag(href)[0]
                    if target.endswith(".html") and target not in seen:
                        todo.append(target)
            for source, href in links:
                target, fragment = urldefrag(href)
                if target.endswith(".html"):
                    assert target in seen, (source, href)
                    assert not fragment or fragment in seen[target], (source, href)
            assert len(seen) == len(list(example_site.rglob("*.html")))
            context.close()
        finally:
            server.shutdown()
            thread.join()


def test_hostile_definitions_run_nothing(browser: Any, tmp_path: Path) -> None:
    project = load_project(write_hostile_project(tmp_path / "hostile"))
    out = tmp_path / "site"
    build_site(project, out)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    watch = Watch(page)
    for html in sorted(out.rglob("*.html")):
        page.goto(html.as_uri(), wait_until="domcontentloaded")
        assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    page.goto((out / "index.html").as_uri())
    for link in page.locator("svg.tree-wide a").all():
        link.hover()
    page.locator("#search-input").fill("alert")
    assert page.locator("#search-results li[role=option]").count() > 0
    page.locator("#search-results").hover()
    assert watch.dialogs == []
    assert watch.errors == []  # a blocked inline script would show as a CSP error here
    context.close()
    shutil.rmtree(out)


def test_funnel_page(browser: Any, example_site: Path) -> None:
    """The activation funnel: a visible chart with one bar per stage (and the cohort), the
    numbers in the cohort table, SQL tabs, no console errors, nothing overflowing a phone."""
    page = open_page(browser, (example_site / "funnels" / "activation.html").as_uri(), LAPTOP)
    assert page.locator("h1").inner_text() == "Activation"
    chart = page.locator("svg.funnel-chart")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 150
    bars = page.locator("svg.funnel-chart rect.funnel-bar")
    assert bars.count() == 5
    widths = [float(bars.nth(i).get_attribute("width") or 0) for i in range(5)]
    assert widths == sorted(widths, reverse=True) and widths[-1] > 0  # strict: never wider
    text = chart.text_content() or ""
    assert "First API call" in text and "↓" in text
    rows = page.locator("table.cohort-table tbody tr")
    assert rows.count() >= 6
    first = rows.first.locator("td").all_inner_texts()
    assert len(first) == 5 and first[0].replace(",", "").isdigit() and int(first[0]) > 0
    assert page.locator("[role=tab]").count() == 12
    shot(page, "funnel-laptop.png")
    page.set_viewport_size(PHONE)
    assert chart.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "funnel-phone.png")
    assert page.watch.errors == []
    page.context.close()


def test_retention_page(browser: Any, example_site: Path) -> None:
    """The week-4 retention cohorts: a visible heatmap whose cells carry their numbers, the same
    numbers in the table, no console errors, nothing overflowing a phone."""
    url = (example_site / "retention" / "week_4_retention.html").as_uri()
    page = open_page(browser, url, LAPTOP)
    heatmap = page.locator("svg.retention-heatmap")
    assert heatmap.is_visible()
    box = heatmap.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 200
    cells = page.locator("svg.retention-heatmap rect.heat-cell")
    values = page.locator("svg.retention-heatmap text.heat-value")
    assert cells.count() > 50 and values.count() == cells.count()
    assert all(t.endswith("%") for t in values.all_text_contents())
    first_row = page.locator("table.retention-table tbody tr").first.locator("td")
    table_values = [t for t in first_row.all_inner_texts()[1:] if t != "\N{EN DASH}"]
    assert table_values == values.all_text_contents()[: len(table_values)]
    shot(page, "retention-laptop.png")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.watch.errors == []
    page.context.close()
