"""Building the site: deterministic bytes, links that resolve, safe and atomic output."""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from site_html import MINI, parse

from nsmcode.cli import main
from nsmcode.project import Project, load_project
from nsmcode.site import build, build_site
from nsmcode.site.output import MARKER
from nsmcode.site.serve import serve_folder


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "site"
    build_site(load_project(MINI), out)
    return out


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_builds_are_byte_identical_whatever_the_working_directory(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    again = tmp_path / "again"
    build_site(load_project(os.path.relpath(MINI, tmp_path)), again)
    first, second = tree_bytes(site), tree_bytes(again)
    assert first.keys() == second.keys()
    assert first == second
    for name, data in first.items():
        assert str(MINI) not in data.decode("utf-8", "replace"), name


def test_pages(site: Path, mini: Project) -> None:
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    expected = {"index.html", "metrics/index.html", "okrs.html", "kpis.html", "data.html"}
    expected |= {"rules/index.html"} | {f"metrics/{name}.html" for name in mini.metrics}
    assert expected <= pages
    assert any(p.startswith("rules/NSM") for p in pages)
    for name in ("site.css", "site.js", "favicon.svg"):
        assert (site / "assets" / name).is_file()
    assert (site / MARKER).is_file()


def _targets(site: Path) -> dict[str, set[str]]:
    """Page -> ids it defines."""
    return {
        p.relative_to(site).as_posix(): {
            attrs["id"] or "" for _, attrs in parse(p.read_text()).tags if "id" in attrs
        }
        for p in site.rglob("*.html")
    }


def test_every_internal_link_and_asset_resolves(site: Path) -> None:
    ids = _targets(site)
    checked = 0
    for page in sorted(ids):
        doc = parse((site / page).read_text())
        for tag, attrs in doc.tags:
            for attr in ("href", "src"):
                url = attrs.get(attr)
                if url is None or (tag == "a" and url.startswith(("http:", "https:", "mailto:"))):
                    continue
                parts = urlsplit(url)
                assert not parts.scheme and not parts.netloc, (page, url)
                target = (
                    (Path(page).parent / unquote(parts.path)).as_posix() if parts.path else page
                )
                target = os.path.normpath(target)
                assert (site / target).is_file(), (page, url)
                if parts.fragment:
                    assert parts.fragment in ids[target], (page, url)
                checked += 1
    assert checked > 500


def test_pages_are_accessible_documents(site: Path) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text()
        doc = parse(html)
        tags = [t for t, _ in doc.tags]
        assert html.startswith('<!doctype html>\n<html lang="en">')
        assert tags.count("h1") == 1, page
        assert tags.count("main") == 1 and "nav" in tags and "title" in tags
        ids = [attrs["id"] for _, attrs in doc.tags if "id" in attrs]
        assert len(ids) == len(set(ids)), page
        headings = [t for t in tags if t in ("h1", "h2", "h3", "h4")]
        assert headings[0] == "h1", page
        for tag, attrs in doc.tags:
            if tag == "img":
                assert attrs.get("alt"), page
            if tag == "svg" and "tree" in (attrs.get("class") or ""):
                assert attrs.get("role") == "group" and attrs.get("aria-labelledby")
            if tag == "a" and attrs.get("class", "").startswith(("node", "pill")):
                assert attrs.get("aria-label"), page


def test_home_draws_the_tree_twice(site: Path) -> None:
    doc = parse((site / "index.html").read_text())
    trees = [a["class"] for t, a in doc.tags if t == "svg" and "tree " in (a.get("class") or "")]
    assert trees == ["tree tree-wide", "tree tree-narrow"]
    links = [a["href"] for t, a in doc.tags if t == "a" and "node" in (a.get("class") or "")]
    assert "metrics/weekly_active_integration_points.html" in links


def test_search_index_is_embedded_json(site: Path, mini: Project) -> None:
    doc = parse((site / "metrics" / "weekly_signups.html").read_text())
    entries = json.loads(doc.script_text["search-index"])
    urls = {e["u"] for e in entries}
    assert {f"metrics/{name}.html" for name in mini.metrics} <= urls
    assert "okrs.html#okr-effortless_first_call" in urls
    assert all(set(e) == {"t", "n", "k", "d", "u"} for e in entries)


def test_metric_page_content(site: Path) -> None:
    html = (site / "metrics" / "weekly_active_integration_points.html").read_text()
    text = " ".join(parse(html).text)
    assert "Counts distinct ( account_id ,  endpoint ) combinations" in " ".join(text.split(" "))
    assert "Sandbox calls are developers trying things out" in text
    assert "definitions/metrics.yaml:2" in text
    assert 'href="../metrics/integration_points_wow.html"' in html


# -- output safety -------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["project", "definitions", "parent", "definition-file"])
def test_refuses_to_overwrite_the_definitions(tmp_path: Path, where: str) -> None:
    root = tmp_path / "proj"
    shutil.copytree(MINI, root)
    project = load_project(root)
    out = {
        "project": root,
        "definitions": root / "definitions",
        "parent": tmp_path,
        "definition-file": root / "definitions" / "metrics.yaml",
    }[where]
    before = tree_bytes(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["docs", "build", "--project", str(root), "--out", str(out)])
    assert result.exit_code == 2, result.output
    if where != "definition-file":  # click itself refuses a file for --out
        assert "E040" in result.output and "refusing" in result.output
    assert tree_bytes(tmp_path) == before
    with pytest.raises(Exception, match="refusing"):
        build_site(project, out)


def test_refuses_a_folder_it_did_not_make_and_replaces_one_it_did(tmp_path: Path) -> None:
    project = load_project(MINI)
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "todo.txt").write_text("keep me")
    with pytest.raises(Exception, match="not made by"):
        build_site(project, mine)
    assert (mine / "todo.txt").read_text() == "keep me"

    out = tmp_path / "site"
    real = build.render_site
    with pytest.MonkeyPatch.context() as patch:  # an older build wrote one more page
        patch.setattr(build, "render_site", lambda site: {**real(site), "stale.html": b"old"})
        build_site(project, out)
    assert (out / "stale.html").is_file()
    build_site(project, out)
    assert not (out / "stale.html").exists()
    assert (out / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "site"]
    (out / "mine.txt").write_text("keep me")  # a file no build wrote is never deleted
    with pytest.raises(Exception, match="did not write"):
        build_site(project, out)
    assert (out / "mine.txt").read_text() == "keep me"


def test_a_failed_build_leaves_the_previous_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = load_project(MINI)
    out = tmp_path / "site"
    build_site(project, out)
    before = tree_bytes(out)

    def broken(site: object) -> dict[str, bytes]:
        return {"index.html": b"half", "../escape.html": b"x"}

    monkeypatch.setattr(build, "render_site", broken)
    with pytest.raises(ValueError, match="outside the site"):
        build_site(project, out)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# -- commands --------------------------------------------------------------------------------


def test_docs_build_command(tmp_path: Path) -> None:
    out = tmp_path / "handbook"
    result = CliRunner().invoke(main, ["docs", "build", "--project", str(MINI), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "pages" in result.output
    assert (out / "index.html").is_file()


def test_docs_build_reports_bad_definitions(tmp_path: Path) -> None:
    (tmp_path / "nsmcode.yaml").write_text("version: 1\nname: x\npaths: [missing]\n")
    result = CliRunner().invoke(
        main, ["docs", "build", "--project", str(tmp_path), "--out", str(tmp_path / "s")]
    )
    assert result.exit_code == 2
    assert "E009" in result.output
    assert not (tmp_path / "s").exists()


def test_serve_is_local_and_serves_the_site(site: Path) -> None:
    with serve_folder(site, 0) as server:
        assert server.server_address[0] == "127.0.0.1"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with urllib.request.urlopen(server.url + "metrics/weekly_signups.html") as response:
                assert response.status == 200
                assert b"Weekly signups" in response.read()
        finally:
            server.shutdown()
            thread.join()


def test_serve_without_a_site_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["docs", "serve", "--project", str(MINI), "--out", str(tmp_path / "none"), "--no-build"],
    )
    assert result.exit_code == 2
    assert "holds no site" in result.output


def test_docs_serve_command_builds_and_serves_on_loopback(tmp_path: Path) -> None:
    import re
    import subprocess
    import sys

    out = tmp_path / "site"
    command = [sys.executable, "-m", "nsmcode", "docs", "serve", "--project", str(MINI)]
    with subprocess.Popen(
        [*command, "--out", str(out), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            found = re.search(r"on (http://127\.0\.0\.1:\d+/)", line)
            assert found, line
            with urllib.request.urlopen(found[1] + "okrs.html") as response:
                assert response.status == 200
                assert b"Make the first production call effortless" in response.read()
        finally:
            process.terminate()
            process.communicate(timeout=10)
    assert (out / "index.html").is_file()


def test_metric_pages_list_the_columns_their_sql_returns(site: Path, mini: Project) -> None:
    """The sentence above the SQL names exactly the columns of the query shown (a metric's
    `segments:` are breakdowns offered elsewhere, not columns of its default SQL)."""
    import html
    import re

    import sqlglot

    checked = 0
    for name in mini.metrics:
        page = (site / "metrics" / f"{name}.html").read_text()
        sentence = re.search(r"Compiled by nsmcode from this definition; columns (.*?)\.</p>", page)
        code = re.search(r'<code id="sql-duckdb" class="language-sql">(.*?)</code>', page, re.S)
        if sentence is None or code is None:
            continue
        listed = re.findall(r"<code>([^<]+)</code>", sentence.group(1))
        sql = html.unescape(re.sub(r"<[^>]+>", "", code.group(1)))
        assert listed == sqlglot.parse_one(sql, read="duckdb").named_selects, name
        checked += 1
    assert checked == len(mini.metrics)
