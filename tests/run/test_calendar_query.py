"""Calendars end to end: `query --by` and `Project.query(by=...)` on the tiny project with a
`calendar:` block (fiscal year from November, weeks from Sunday), numbers against plain Python."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from click.testing import CliRunner
from tinyproject import Tiny, expected

import nsmcode
from nsmcode.cli import main

CALENDAR = "calendar:\n  fiscal_year_start: 11\n  week_start: sunday\n"


def sunday(moment: dt.datetime) -> dt.date:
    return moment.date() - dt.timedelta(days=(moment.weekday() + 1) % 7)


def fiscal_quarter(moment: dt.datetime) -> dt.date:
    """Quarters of a year from November: Nov, Feb, May, Aug (October 2026 is in August's)."""
    index = moment.year * 12 + moment.month - 1
    index -= (moment.month - 11) % 3
    return dt.date(index // 12, index % 12 + 1, 1)


def fiscal_year(moment: dt.datetime) -> dt.date:
    return dt.date(moment.year if moment.month >= 11 else moment.year - 1, 11, 1)


def _calendar(tiny: Tiny) -> Tiny:
    config = tiny.root / "nsmcode.yaml"
    config.write_text(config.read_text() + CALENDAR)
    return tiny


def _query(tiny: Tiny, *args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, tiny.args("query", *args, "--format", "json"))
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]
    assert isinstance(rows, list)
    return rows


def test_query_by_fiscal_grains_and_sunday_weeks(tiny: Tiny) -> None:
    _calendar(tiny)
    for by, period in (("week", sunday), ("fiscal_quarter", fiscal_quarter)):
        want = expected("calls", period)
        got = {
            (dt.date.fromisoformat(r["period"]),): r["calls"]
            for r in _query(tiny, "calls", "--by", by)
            if r["calls"]
        }
        assert got == want, by
    assert set(expected("calls", fiscal_year)) == {(dt.date(2025, 11, 1),)}
    rows = nsmcode.load(tiny.root).query(["calls", "errors"], by="fiscal_year").to_dicts()
    assert [r["period"] for r in rows] == [dt.date(2025, 11, 1)]
    assert rows[0]["calls"] == expected("calls", fiscal_year)[(dt.date(2025, 11, 1),)]
    assert rows[0]["errors"] == expected("errors", fiscal_year)[(dt.date(2025, 11, 1),)]


def test_query_by_a_fiscal_grain_without_a_fiscal_year_is_c043(tiny: Tiny) -> None:
    result = CliRunner().invoke(main, tiny.args("query", "calls", "--by", "fiscal_year"))
    assert result.exit_code == 2, result.output
    assert "C043" in result.output and "fiscal_year_start" in result.output


def test_query_by_year(tiny: Tiny) -> None:
    rows = _query(tiny, "calls", "--by", "year")
    assert [(r["period"], r["calls"]) for r in rows] == [
        ("2026-01-01", expected("calls", lambda m: dt.date(m.year, 1, 1))[(dt.date(2026, 1, 1),)])
    ]


SPRINTS = dt.date(2026, 10, 1)
"""The sprint calendar's first day: sprints of 10 days from here, one row per day."""
SPRINT_SOURCE = """\
version: 1
sources:
  - name: sprint_days
    table: sprint_days
    columns:
      - {name: day, type: date}
      - {name: sprint_start, type: date}
"""
SPRINT_CALENDAR = """\
calendar:
  source: sprint_days
  date_column: day
  granularities:
    - {name: sprint, column: sprint_start}
"""


def sprint(moment: dt.datetime) -> dt.date:
    return SPRINTS + dt.timedelta(days=(moment.date() - SPRINTS).days // 10 * 10)


def _sprints(tiny: Tiny) -> Tiny:
    days = [SPRINTS + dt.timedelta(days=n) for n in range(60)]
    starts = [sprint(dt.datetime(d.year, d.month, d.day)) for d in days]
    lines = ["day,sprint_start"] + [f"{d},{s}" for d, s in zip(days, starts, strict=True)]
    (tiny.root / "data" / "sprint_days.csv").write_text("\n".join(lines) + "\n")
    (tiny.root / "metrics" / "calendar.yaml").write_text(SPRINT_SOURCE)
    config = tiny.root / "nsmcode.yaml"
    text = config.read_text().replace(
        "      api_calls: data/api_calls.csv\n",
        "      api_calls: data/api_calls.csv\n      sprint_days: data/sprint_days.csv\n",
    )
    config.write_text(text + SPRINT_CALENDAR)
    return tiny


def test_query_by_a_custom_granularity(tiny: Tiny) -> None:
    _sprints(tiny)
    want = expected("calls", sprint)
    rows = _query(tiny, "calls", "errors", "--by", "sprint")
    assert {(dt.date.fromisoformat(r["period"]),): r["calls"] for r in rows} == want
    assert [r["period"] for r in rows] == ["2026-10-01", "2026-10-11", "2026-10-21"]
    assert all("complete" not in r for r in rows)  # its table, not nsmcode, knows the ends
    result = nsmcode.load(tiny.root).query("errors", by="sprint", since="2026-10-05")
    errors = expected("errors", sprint)
    assert [(r["period"], r["errors"]) for r in result.to_dicts()] == [
        (p, errors[(p,)]) for p in (dt.date(2026, 10, 11), dt.date(2026, 10, 21))
    ]


def test_an_unknown_custom_granularity_lists_the_known_ones(tiny: Tiny) -> None:
    _sprints(tiny)
    result = CliRunner().invoke(main, tiny.args("query", "calls", "--by", "sprnt"))
    assert result.exit_code == 2, result.output
    assert "--by:1:1: R014 unknown grain 'sprnt'" in result.output
    assert "sprint" in result.output.split("hint:")[1]
