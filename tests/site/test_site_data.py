"""`docs build --with-data`: current values, trends and goal status from the embedded engine,
agreeing with `nsmcode okr status` and `nsmcode kpi status` number for number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from site_html import EXAMPLE, parse

from nsmcode.cli import main
from nsmcode.site import BuildResult, fmt, render_site
from nsmcode.site.inputs import load_data
from nsmcode.site.views import Site

NSM = "weekly_active_integration_points"


@pytest.fixture(scope="module")
def site(example_build: BuildResult) -> Site:
    return example_build.site


def status_json(kind: str) -> dict[str, object]:
    result = CliRunner().invoke(
        main, [kind, "status", "--project", str(EXAMPLE), "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    data: dict[str, object] = json.loads(result.stdout)["results"]
    return data


def test_key_results_agree_with_okr_status(site: Site) -> None:
    report = status_json("okr")
    assert site.today is not None and site.today.isoformat() == report["as_of"]
    compared = 0
    for group in report["okrs"]:  # type: ignore[attr-defined]
        okr = site.project.okrs[group["name"]]
        for kr, expected in zip(okr.key_results, group["key_results"], strict=True):
            target = site.kr_target(okr, kr)
            assert target.progress is not None and target.values is not None
            if expected["status"] == "no data":
                assert target.progress.status == "no-data"
                continue
            if expected["progress"] >= 1:
                assert target.progress.status == "achieved"
            else:
                assert target.progress.status == expected["status"].replace(" ", "-")
            assert target.values.raw_current == pytest.approx(expected["current"])
            assert target.values.period.isoformat() == expected["current_period"]
            compared += 1
    assert compared >= 6


def test_kpis_agree_with_kpi_status(site: Site) -> None:
    report = status_json("kpi")
    compared = 0
    for group in report["teams"]:  # type: ignore[attr-defined]
        team = site.project.teams[group["name"]]
        for kpi, expected in zip(team.kpis, group["kpis"], strict=True):
            target = site.kpi_target(team, kpi)
            if expected["current"] is None:
                continue
            assert target.values is not None
            assert target.values.raw_current == pytest.approx(expected["current"])
            compared += 1
    assert compared >= 20


def test_the_north_star_shows_its_latest_week_and_trend(site: Site, example_site: Path) -> None:
    values = site.values[NSM]
    assert values.period.weekday() == 0 and values.period <= site.today  # type: ignore[operator]
    assert values.spark is not None and values.count == 16
    html = (example_site / "metrics" / f"{NSM}.html").read_text()
    assert fmt.number(values.raw_current) in html
    doc = parse(html)
    sparks = [a for t, a in doc.tags if t == "svg" and "spark" in (a.get("class") or "")]
    assert sparks and all(a.get("role") == "img" and a.get("aria-label") for a in sparks)
    okrs = " ".join(parse((example_site / "okrs.html").read_text()).text)
    assert "Progress is measured up to 15 Nov 2026" in okrs
    assert any(label in okrs for label in ("On track", "At risk", "Off track", "Achieved"))


def test_data_and_pages_are_reproducible(site: Site, example_site: Path) -> None:
    """The engine gives the same numbers twice, and rendering them is pure: byte-identical."""
    assert load_data(site.project) == site.data
    files = render_site(site)
    for page in ("index.html", "okrs.html", "kpis.html", f"metrics/{NSM}.html"):
        assert files[page] == (example_site / page).read_bytes(), page


def test_with_data_needs_the_data(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("data", "*.py"))
    result = CliRunner().invoke(
        main, ["docs", "build", "--project", str(root), "--out", str(tmp_path / "s"), "--with-data"]
    )
    assert result.exit_code == 2, result.output
    assert "generate_data.py" in result.output or "data" in result.output
    assert not (tmp_path / "s").exists()


def test_loading_data_reports_its_steps_to_a_progress_wrapper() -> None:
    """`docs build --with-data` shows a progress bar over its queries on a terminal: the library
    hands each step to the `progress` wrapper it is given."""
    from nsmcode.project import load_project

    seen: list[object] = []

    def progress(steps: object) -> list[object]:
        items = list(steps)  # type: ignore[call-overload]
        seen.append(items)
        return items

    data = load_data(load_project(EXAMPLE), progress)
    assert data.series[NSM]
    sources, grains = seen  # the latest date is found source by source, then one query a grain
    assert "api_calls" in sources
    assert grains == sorted(grains) and {"week", "month"} <= set(grains)
