"""The funnel page of the example's handbook (`docs build --with-data`): the numbers are the
funnel's own, as `nsmcode query activation` gives them; without data, the page explains how."""

from __future__ import annotations

import re
from pathlib import Path

from nsmcode.compile.funnel import FunnelOptions
from nsmcode.project import load_project
from nsmcode.run.connections import open_engine
from nsmcode.run.funnels import run_funnel
from nsmcode.site import BuildResult, render_site
from nsmcode.site.funnels import chart

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"


def test_the_page_shows_the_funnels_numbers(example_build: BuildResult) -> None:
    html = (example_build.out / "funnels" / "activation.html").read_text()
    project = load_project(EXAMPLE)
    as_of = example_build.site.data.as_of if example_build.site.data else None
    with open_engine(project) as engine:
        total = run_funnel(project, engine, "activation", FunnelOptions("total", until=as_of))
        monthly = run_funnel(project, engine, "activation", FunnelOptions(until=as_of))
    for row in total.rows:
        assert f"{row[3]:,}" in html
    may = [r for r in monthly.rows if str(r[0]) == "2026-05-01"]
    cells = re.search(r'<th scope="row">May 2026</th>(.*?)</tr>', html, re.S)
    assert cells is not None
    counts = re.findall(r'<td class="num">([\d,]+)', cells.group(1))
    assert [int(c.replace(",", "")) for c in counts] == [r[3] for r in may]
    assert "<svg class=\"funnel-chart\"" in html and "<title id=\"funnel-chart-title\">" in html
    metrics_page = (example_build.out / "metrics" / "index.html").read_text()
    assert 'href="../funnels/activation.html"' in metrics_page


def test_without_data_the_page_has_sql_and_no_chart(example_build: BuildResult) -> None:
    from dataclasses import replace

    site = replace(example_build.site, data=None)
    site.funnels = {
        name: replace(view, chart=None, cohorts=(), as_of=None)
        for name, view in site.funnels.items()
    }
    html = render_site(site)["funnels/activation.html"].decode()
    assert "--with-data" in html and "funnel-chart" not in html
    assert html.count('role="tab"') == 12


def test_chart_geometry() -> None:
    drawn = chart([(0, "Signed up", 200, None), (1, "Called", 50, 0.25), (2, "Paid", 0, 0.0)])
    assert drawn is not None
    widths = [b.width for b in drawn.bars]
    assert widths[0] == 380 and widths[1] == 95 and widths[2] == 1.0  # an empty stage: a hairline
    assert [b.conversion for b in drawn.bars] == [None, "25%", "0.0%"]
    assert "Called: 50 (25% of the stage before)" in drawn.summary
    assert chart([(0, "Signed up", 0, None)]) is None


def test_the_retention_page_shows_the_cohort_matrix(example_build: BuildResult) -> None:
    from nsmcode.compile.retention_matrix import MatrixOptions
    from nsmcode.run.funnels import retention_matrix

    html = (example_build.out / "retention" / "week_4_retention.html").read_text()
    project = load_project(EXAMPLE)
    as_of = example_build.site.data.as_of if example_build.site.data else None
    with open_engine(project) as engine:
        options = MatrixOptions(None, 7, until=as_of)
        rows = retention_matrix(project, engine, "week_4_retention", options).rows
    first = rows[0]
    cells = re.search(r'<tbody>\s*<tr><th scope="row">[^<]+</th>(.*?)</tr>', html, re.S)
    assert cells is not None
    numbers = re.findall(r'<td class="num">([^<]*)</td>', cells.group(1))
    assert numbers[0] == f"{first[1]:,}"
    assert numbers[1:] == [f"{v * 100:.0f}%" if v >= 0.1 else f"{v * 100:.1f}%" for v in first[2:]]
    metric_page = (example_build.out / "metrics" / "week_4_retention.html").read_text()
    assert 'href="../retention/week_4_retention.html"' in metric_page
