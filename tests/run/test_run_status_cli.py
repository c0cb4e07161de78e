"""`okr status` and `kpi status` on the tiny project, every number recomputed here from the rows."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from click.testing import CliRunner
from tinyproject import ROWS, Tiny, expected

from nsmcode.cli import main
from nsmcode.run import report, status

D = dt.date


def run(runner: CliRunner, args: list[str]) -> str:
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no progress bar outside a terminal
    return result.stdout


def rule(progress: float, elapsed: float) -> str:
    if progress >= elapsed - 0.1:
        return "on track"
    return "at risk" if progress >= elapsed - 0.25 else "off track"


def latest_week(as_of: dt.date) -> dt.date:
    """Monday of the last week whose Sunday is on or before `as_of`."""
    sunday = as_of - dt.timedelta(days=(as_of.weekday() + 1) % 7)
    return sunday - dt.timedelta(days=6)


def check_goal(
    item: dict[str, Any], metric: str, baseline: float, target: float, start: D, due: D, as_of: D
) -> None:
    week = latest_week(as_of)
    current = expected(metric)[(week,)]
    progress = (current - baseline) / (target - baseline)
    elapsed = ((as_of - start).days + 1) / ((due - start).days + 1)
    assert item["metric"] == metric
    assert item["current_period"] == week.isoformat()
    assert item["current"] == pytest.approx(current)
    assert item["baseline"] == pytest.approx(baseline)
    assert item["progress"] == pytest.approx(progress)
    assert item["elapsed"] == pytest.approx(elapsed)
    assert item["status"] == rule(progress, elapsed)


def test_okr_status_json(tiny: Tiny, runner: CliRunner) -> None:
    doc = json.loads(run(runner, tiny.args("okr", "status", "--format", "json")))["results"]
    as_of = max(c[2] for c in ROWS["api_calls"]).date()  # default: the latest date in the data
    assert doc["as_of"] == as_of.isoformat()
    (okr,) = doc["okrs"]
    assert (okr["name"], okr["title"], okr["period"]) == ("grow", "Grow usage", "2026-Q4")
    points, rate = okr["key_results"]
    check_goal(points, "points", 5, 40, D(2026, 10, 1), D(2026, 12, 31), as_of)
    check_goal(rate, "error_rate", 0.1, 0.05, D(2026, 10, 1), D(2026, 11, 30), as_of)


def test_okr_status_as_of(tiny: Tiny, runner: CliRunner) -> None:
    args = tiny.args("okr", "status", "--format", "json", "--as-of", "2026-10-18")
    doc = json.loads(run(runner, args))["results"]
    points = doc["okrs"][0]["key_results"][0]
    check_goal(points, "points", 5, 40, D(2026, 10, 1), D(2026, 12, 31), D(2026, 10, 18))
    assert points["current_period"] == "2026-10-12"


def test_kpi_status_json(tiny: Tiny, runner: CliRunner) -> None:
    doc = json.loads(run(runner, tiny.args("kpi", "status", "--format", "json")))["results"]
    as_of = D.fromisoformat(doc["as_of"])
    (team,) = doc["teams"]
    calls, latency = team["kpis"]
    # Latency: due 2026-12-31, so its window is 2026-Q4.
    check_goal(latency, "avg_latency", 300, 200, D(2026, 10, 1), D(2026, 12, 31), as_of)
    # Calls: due 2027-01-31, a window that has not started; no baseline, so the last complete
    # period before the window is the baseline, and it is also the current value.
    assert calls["start"] == "2027-01-01"
    assert calls["elapsed"] == 0.0
    assert calls["baseline"] == calls["current"] == expected("calls")[(latest_week(as_of),)]
    assert calls["progress"] == 0.0
    assert calls["status"] == "on track"


def test_status_table_and_markdown(tiny: Tiny, runner: CliRunner) -> None:
    table = run(runner, tiny.args("okr", "status"))
    assert "OKR status as of" in table
    assert "Grow usage  [grow]" in table
    for metric in ("points", "error_rate"):
        assert any(line.strip().startswith(metric) for line in table.splitlines())
    markdown = run(runner, tiny.args("okr", "status", "--format", "markdown"))
    lines = markdown.splitlines()
    assert lines[0].startswith("### OKR status as of ")
    header = "| Key result | Baseline | Current | Target | Due | Progress | Elapsed | Status |"
    assert header in lines
    rows = [line for line in lines if line.startswith("| `")]
    assert len(rows) == 2
    assert all(line.count("|") == 9 for line in rows)
    kpis = run(runner, tiny.args("kpi", "status", "platform", "--format", "markdown"))
    assert "| KPI |" in kpis


def test_unknown_okr_name(tiny: Tiny, runner: CliRunner) -> None:
    result = runner.invoke(main, tiny.args("okr", "status", "nope"))
    assert result.exit_code == 2
    assert "R008 unknown okr 'nope'" in result.output


def test_status_tables_say_what_they_mean(tiny: Tiny, runner: CliRunner) -> None:
    """Ratios read as percentages, a Due column, and what "elapsed" means, in every format."""
    table = run(runner, tiny.args("okr", "status"))
    assert "elapsed: the share of the goal's window" in table
    header = next(line for line in table.splitlines() if line.strip().startswith("metric"))
    assert header.split()[:5] == ["metric", "baseline", "current", "target", "due"]
    row = next(line for line in table.splitlines() if line.strip().startswith("error_rate"))
    cells = row.split()
    assert cells[1] == "10%" and cells[3] == "5.0%" and cells[2].endswith("%")  # as on the site
    assert cells[4] == "2026-11-30"
    markdown = run(runner, tiny.args("okr", "status", "--format", "markdown"))
    assert "| Key result | Baseline | Current | Target | Due | Progress | Elapsed | Status |" in (
        markdown
    )
    assert "elapsed: the share of the goal's window" in markdown
    doc = json.loads(run(runner, tiny.args("okr", "status", "--format", "json")))["results"]
    shares = {i["metric"]: i["share"] for i in doc["okrs"][0]["key_results"]}
    assert shares == {"points": False, "error_rate": True}


def test_progress_below_the_baseline_is_shown_negative() -> None:
    goal = status.Goal("okr", "g", "m", None, 100.0, 200.0, None, D(2026, 10, 1), D(2026, 12, 31))
    item = status.GoalStatus(goal, 100.0, 70.0, D(2026, 11, 2), -0.3, 0.5, "off track", goal.start)
    group = report.Group("g", "Goal", {}, [item])
    table = report.render_table("okr", [group], D(2026, 11, 15))
    assert "-30%" in table and "[----------]" in table  # the bar stays empty, the number says
    assert "-30%" in report.render_markdown("okr", [group], D(2026, 11, 15))
