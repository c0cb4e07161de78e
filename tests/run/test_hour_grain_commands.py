"""The commands that read a metric's periods work when the north star is counted per hour.

Beside an hourly metric, a query's periods are timestamps for every metric (they share one
table); `okr status` used to compare a weekly goal's timestamp periods with its as-of date and
stopped with an internal error, and `analyze` had no word for hourly changes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"
NSM = "weekly_active_integration_points"


@pytest.fixture(scope="module")
def hourly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with its north star per hour (its goals are weekly and monthly metrics)."""
    root = tmp_path_factory.mktemp("hourly") / "metrics"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target", "site", "*.py"))
    path = root / "definitions" / "north_star.yaml"
    text = path.read_text()
    definition = text.index(f"- name: {NSM}\n")
    grain = text.index("    grain: week\n", definition)
    path.write_text(text[:grain] + "    grain: hour\n" + text[grain + len("    grain: week\n") :])
    return root


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output
    return result.stdout


def test_okr_status_judges_weekly_goals_by_days_beside_an_hourly_north_star(
    hourly: Path,
) -> None:
    envelope = json.loads(run("okr", "status", "--project", str(hourly), "--format", "json"))
    report = envelope["results"]
    as_of = dt.date.fromisoformat(report["as_of"])
    seen = {kr["metric"]: kr for okr in report["okrs"] for kr in okr["key_results"]}
    # a weekly goal reads its last week that ended by the as-of date, as a day
    week = dt.date.fromisoformat(seen["weekly_signups"]["current_period"])
    assert week.weekday() == 0 and week + dt.timedelta(days=6) <= as_of
    assert week + dt.timedelta(days=13) > as_of
    # the hourly north star reads the last hour of the as-of date
    assert seen[NSM]["current_period"] == f"{as_of.isoformat()}T23:00:00"
    assert seen[NSM]["current"] is not None

def test_analyze_speaks_of_hours(hourly: Path) -> None:
    text = run("analyze", "--project", str(hourly))
    assert "hourly changes, lags -6..6" in text
    assert re.search(r"best lag.*\n.*\d+ hours?", text)
