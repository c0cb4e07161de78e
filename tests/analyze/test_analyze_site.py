"""The analysis in the docs site: a page with --with-data when the project declares an outcome,
drawn from the same result as `nsmcode analyze --format json`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from analyze_data import Build, lead_data, write_project

from nsmcode.analyze import analyze_project
from nsmcode.analyze.chart import lag_chart
from nsmcode.analyze.stats import LagPoint
from nsmcode.project import load_project
from nsmcode.site.build import build_site


def test_page_with_data(build: Build, tmp_path: Path) -> None:
    root, _ = build("lead2")
    project = load_project(root)
    result = build_site(project, tmp_path / "site", with_data=True)
    page = (result.out / "analysis.html").read_text()
    assert result.site.today is not None
    report = analyze_project(project, today=result.site.today + dt.timedelta(days=1))
    assert report.status == "pass"
    assert "<h1>Is the North Star a leading indicator?</h1>" in page
    # the summary, with the escaping the templates apply to every text
    assert report.lead.summary.replace("'", "&#39;") in page
    assert report.inputs.summary in page
    assert "Correlation is not causation" in page
    bars = re.findall(r'<rect class="(bar-fill|bar-track)" x=', page)
    assert len(bars) == 13 and bars.count("bar-fill") == 1
    assert re.search(r"<title>lag 2: r \+0\.\d\d</title></rect>\s*<text[^>]*>2</text>", page)
    assert page.index('class="bar-fill"') > page.index("lag 1: r")  # the lead is lag 2
    assert 'href="analysis.html"' in (result.out / "index.html").read_text()


def test_no_page_without_data(build: Build, tmp_path: Path) -> None:
    root, _ = build("lead2")
    result = build_site(load_project(root), tmp_path / "site")
    assert not (result.out / "analysis.html").exists()
    assert "analysis.html" not in (result.out / "index.html").read_text()


def test_no_page_without_an_outcome(tmp_path: Path) -> None:
    data = lead_data(nsm_delay=0, outcome_delay=2, weeks=12)
    root = write_project(tmp_path / "project", data, "{}")
    result = build_site(load_project(root), tmp_path / "site", with_data=True)
    assert result.site.analysis is None
    assert not (result.out / "analysis.html").exists()


def test_lag_chart_geometry() -> None:
    points = [
        LagPoint(-1, 20, -0.5),
        LagPoint(0, 20, 0.0),
        LagPoint(1, 20, 1.0),
        LagPoint(2, 3, 0.9),
    ]
    chart = lag_chart(points, lead=1)
    down, flat, up, unread = chart.bars
    assert up.kind == "lead" and down.kind == flat.kind == "other"
    assert up.height == pytest.approx(2 * down.height)  # |r| 1 vs 0.5
    assert up.y + up.height == pytest.approx(chart.zero)  # positive bars stand on the zero line
    assert down.y == pytest.approx(chart.zero)  # negative bars hang from it
    assert flat.height == 0 and unread.height == 0 and unread.label == "too few"
    assert chart.upper.count("M") == 1 and chart.upper.count("L") == 5  # three readable lags


def test_page_leads_with_a_verdict_and_a_trend_chart(build: Build, tmp_path: Path) -> None:
    """An executive reads the one-line verdict, then the two metrics over time, before any
    statistics."""
    root, _ = build("lead2")
    result = build_site(load_project(root), tmp_path / "site", with_data=True)
    page = (result.out / "analysis.html").read_text()
    verdict = page.index('class="verdict"')
    trend = page.index('class="trend-chart"')
    lags = page.index('class="lag-chart"')
    assert verdict < trend < lags
    assert "behaves like a leading indicator of weekly_payments (2 weeks ahead)" in (
        page[verdict:trend]
    )
    lines = re.findall(r'<path class="trend-(north-star|outcome)" d="M[\d.]+,[\d.]+ L', page)
    assert sorted(lines) == ["north-star", "outcome"]


def test_rules_table_renders_code_spans_and_keeps_codes_whole(tmp_path: Path) -> None:
    data = lead_data(nsm_delay=0, outcome_delay=2)
    root = write_project(tmp_path / "p", data, "outcome: weekly_payments")
    result = build_site(load_project(root), tmp_path / "site")
    page = (result.out / "rules" / "index.html").read_text()
    page = page[page.index('<table class="rules">') : page.index("</table>")]
    assert "`role: north_star`" not in page
    assert "<code>role: north_star</code>" in page
    assert re.search(r'<td class="rule-code"><a [^>]*><code>NSM001</code></a></td>', page)
    assert ".rule-code" in (result.out / "assets" / "site.css").read_text()
