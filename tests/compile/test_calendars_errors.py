"""Misused calendars are located errors with a code and a hint (docs/spec.md, "Calendars"), and
`validate` refuses what `compile` refuses, at the same place with the same code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.compile import CompileError, QueryOptions, calendars, compile_metric
from nsmcode.compile.diagnose import diagnose
from nsmcode.diagnostics import InputError
from nsmcode.models import Calendar, Grain, Weekday
from nsmcode.project import load_project

WriteProject = Callable[..., Path]

PROJECT = "version: 1\nname: test\npaths: [metrics]\n"
FISCAL = PROJECT + "calendar: {fiscal_year_start: 4}\n"
SUNDAY = PROJECT + "calendar:\n  week_start: sunday\n"
BASE = """\
version: 1
sources:
  - name: calls
    table: calls
    time_column: called_at
    columns:
      - {name: called_at, type: timestamp}
metrics:
  - name: call_count
    source: calls
    calculation: {type: count}
    grain: month
"""


def metric(body: str) -> str:
    return f"version: 1\nmetrics:\n  - name: m\n{body}"


def _compile_and_validate(root: Path, where: str, code: str) -> None:
    """`compile` refuses with `code` at `where`, and `validate` reports the same."""
    project = load_project(root)
    with pytest.raises(CompileError) as info:
        compile_metric(project, "m", "duckdb")
    found = [d for d in info.value.diagnostics if d.code == code]
    assert found and str(found[0].span).endswith(where), info.value.diagnostics
    assert found[0].hint
    assert any(d.code == code for d in diagnose(project))
    result = CliRunner().invoke(main, ["validate", "--project", str(root)])
    assert result.exit_code == 1, result.output
    assert f"{where}: {code}" in result.output


def test_a_fiscal_grain_needs_a_fiscal_year(write_project: WriteProject) -> None:
    text = metric("    source: calls\n    calculation: {type: count}\n    grain: fiscal_quarter\n")
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text})
    _compile_and_validate(root, "metrics/m.yaml:6:12", "C043")
    (root / "nsmcode.yaml").write_text(FISCAL)
    compile_metric(load_project(root), "m", "duckdb")  # declared: accepted


def test_a_fiscal_period_to_date_needs_a_fiscal_year(write_project: WriteProject) -> None:
    text = metric(
        "    calculation: {type: cumulative, metric: call_count, period_to_date: fiscal_year}\n"
        "    grain: month\n"
    )
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text})
    _compile_and_validate(root, "metrics/m.yaml:4:73", "C043")


def test_by_a_fiscal_grain_without_a_fiscal_year_is_located_at_by(
    write_project: WriteProject,
) -> None:
    root = write_project({"metrics/base.yaml": BASE})
    project = load_project(root)
    with pytest.raises(CompileError) as info:
        compile_metric(project, "call_count", "duckdb", QueryOptions(grain=Grain.FISCAL_YEAR))
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "C043" and diagnostic.span is not None
    assert diagnostic.span.file == "--by"
    assert "fiscal_year_start" in (diagnostic.hint or "")


@pytest.mark.parametrize(
    ("config", "where", "message"),
    [
        ("calendar: {fiscal_year_start: 13}\n", "nsmcode.yaml:4:31", "less than or equal to 12"),
        ("calendar: {fiscal_year_start: 0}\n", "nsmcode.yaml:4:31", "greater than or equal to 1"),
        ("calendar: {week_start: sundy}\n", "nsmcode.yaml:4:24", "sunday"),
        ("calendar: {fiscal_year: 4}\n", "nsmcode.yaml:4:12", "fiscal_year"),
    ],
)
def test_a_bad_calendar_block_is_located(
    config: str, where: str, message: str, write_project: WriteProject
) -> None:
    root = write_project({"metrics/base.yaml": BASE}, PROJECT + config)
    with pytest.raises(InputError) as info:
        load_project(root)
    (diagnostic,) = info.value.diagnostics
    assert str(diagnostic.span).endswith(where), diagnostic.render()
    assert message in diagnostic.render(), diagnostic.render()


def test_an_unknown_grain_is_located(write_project: WriteProject) -> None:
    text = metric("    source: calls\n    calculation: {type: count}\n    grain: fortnight\n")
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text})
    with pytest.raises(InputError) as info:
        load_project(root)
    (diagnostic,) = info.value.diagnostics
    assert str(diagnostic.span).endswith("metrics/m.yaml:6:12"), diagnostic.render()
    assert "fiscal_quarter" in diagnostic.render()


def test_a_year_earlier_of_weeks_from_sunday_is_refused(write_project: WriteProject) -> None:
    text = metric(
        "    grain: week\n    calculation:\n      type: derived\n"
        "      expression: call_count - prior\n      inputs:\n"
        "        - {name: prior, metric: call_count, offset: 1 year}\n"
    )
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text}, SUNDAY)
    _compile_and_validate(root, "metrics/m.yaml:9:53", "C041")
    # 52 weeks back is the same weekday a year earlier, whatever day weeks start on
    (root / "metrics" / "m.yaml").write_text(text.replace("1 year", "52 periods"))
    compile_metric(load_project(root), "m", "duckdb")


@pytest.mark.parametrize(
    ("to_date", "grain"),
    [("quarter", "fiscal_quarter"), ("fiscal_year", "year"), ("fiscal_quarter", "year")],
)
def test_period_to_date_must_contain_the_grain(
    to_date: str, grain: str, write_project: WriteProject
) -> None:
    text = metric(
        f"    calculation: {{type: cumulative, metric: call_count, period_to_date: {to_date}}}\n"
        f"    grain: {grain}\n"
    )
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text}, FISCAL)
    _compile_and_validate(root, "metrics/m.yaml:4:73", "C034")


def test_every_new_grain_offsets_a_year_back(write_project: WriteProject) -> None:
    """`1 year` is a plain shift at year and fiscal grains (PER_YEAR), never refused."""
    text = metric(
        "    grain: fiscal_year\n    calculation:\n      type: derived\n"
        "      expression: call_count - prior\n      inputs:\n"
        "        - {name: prior, metric: call_count, offset: 1 year}\n"
    )
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text}, FISCAL)
    project = load_project(root)
    for grain in (Grain.YEAR, Grain.FISCAL_QUARTER, Grain.FISCAL_YEAR):
        compile_metric(project, "m", "duckdb", QueryOptions(grain=grain))


# ----------------------------------------------------------------------------------------------
# The Python side (since/until bounds, labels) against the plain rule, day by day


def _plain_start(day: dt.date, grain: Grain, fiscal: int, week: int) -> dt.date:
    if grain is Grain.WEEK:
        return day - dt.timedelta(days=(day.weekday() - week) % 7)
    if grain is Grain.YEAR:
        return dt.date(day.year, 1, 1)
    first = dt.date(day.year if day.month >= fiscal else day.year - 1, fiscal, 1)
    if grain is Grain.FISCAL_YEAR:
        return first
    months = (day.month - fiscal) % 12 // 3 * 3
    month = first.month - 1 + months
    return dt.date(first.year + month // 12, month % 12 + 1, 1)


@pytest.mark.parametrize("fiscal", range(1, 13))
def test_period_starts_and_bounds_day_by_day(fiscal: int) -> None:
    for week, weekday in enumerate(Weekday):
        calendar = Calendar(fiscal_year_start=fiscal, week_start=weekday)
        day = dt.date(2023, 12, 20)
        while day < dt.date(2026, 3, 10):
            for grain in (Grain.WEEK, Grain.YEAR, Grain.FISCAL_QUARTER, Grain.FISCAL_YEAR):
                start = calendars.period_start(day, grain, calendar)
                assert start == _plain_start(day, grain, fiscal, week), (day, grain, calendar)
                after = calendars.next_period(start, grain, calendar)
                assert start <= day < after
                assert calendars.period_start(after, grain, calendar) == after
            day += dt.timedelta(days=3 if week else 1)


def test_fiscal_labels() -> None:
    april = Calendar(fiscal_year_start=4)
    assert calendars.label(dt.date(2026, 4, 1), Grain.FISCAL_YEAR, april) == "FY2027"
    assert calendars.label(dt.date(2026, 4, 1), Grain.FISCAL_QUARTER, april) == "FY2027-Q1"
    assert calendars.label(dt.date(2027, 1, 1), Grain.FISCAL_QUARTER, april) == "FY2027-Q4"
    assert calendars.label(dt.date(2025, 4, 1), Grain.FISCAL_YEAR, april) == "FY2026"
    january = Calendar(fiscal_year_start=1)
    assert calendars.label(dt.date(2026, 1, 1), Grain.FISCAL_YEAR, january) == "FY2026"
    assert calendars.label(dt.date(2026, 1, 1), Grain.YEAR, january) == "2026"
    assert calendars.label(dt.date(2026, 7, 1), Grain.QUARTER, january) == "2026-Q3"


def test_a_period_ends_where_the_next_starts() -> None:
    """What completeness and goal status read (run/status.py): a year is not a quarter."""
    from nsmcode.run import status

    day = dt.date
    assert status.period_end(day(2026, 1, 1), Grain.YEAR) == day(2026, 12, 31)
    assert status.period_end(day(2026, 4, 1), Grain.FISCAL_YEAR) == day(2027, 3, 31)
    assert status.period_end(day(2026, 11, 1), Grain.FISCAL_QUARTER) == day(2027, 1, 31)
    assert status.period_end(day(2026, 3, 1), Grain.WEEK) == day(2026, 3, 7)  # from Sunday
    assert status.advance(day(2026, 4, 1), -2, Grain.FISCAL_YEAR) == day(2024, 4, 1)
    assert status.advance(day(2026, 2, 1), 3, Grain.FISCAL_QUARTER) == day(2026, 11, 1)


# ----------------------------------------------------------------------------------------------
# Custom granularities

DAYS = """\
version: 1
sources:
  - name: days
    table: days
    columns:
      - {name: day, type: date}
      - {name: retail_month, type: date}
"""
CUSTOM = (
    PROJECT
    + "calendar:\n  source: days\n  date_column: day\n  granularities:\n"
    + "    - {name: retail_month, column: retail_month}\n"
)


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (("source: days", "source: dayz"), "nsmcode.yaml:5:11", "unknown source 'dayz'"),
        (("date_column: day", "date_column: dae"), "nsmcode.yaml:6:16", "no column 'dae'"),
        (
            ("column: retail_month}", "column: retail_mnth}"),
            "nsmcode.yaml:8:36",
            "declares no column 'retail_mnth'",
        ),
        (("  source: days\n  date_column: day\n", ""), "nsmcode.yaml:5:3", "need the calendar"),
        (("name: retail_month", "name: month"), "nsmcode.yaml:8:14", "'month' is a built-in"),
    ],
)
def test_a_bad_calendar_table_is_located(
    change: tuple[str, str], where: str, message: str, write_project: WriteProject
) -> None:
    config = CUSTOM.replace(*change)
    root = write_project({"metrics/base.yaml": BASE, "metrics/days.yaml": DAYS}, config)
    with pytest.raises(InputError) as info:
        load_project(root)
    (diagnostic,) = info.value.diagnostics
    assert str(diagnostic.span).endswith(where), diagnostic.render()
    assert message in diagnostic.message and diagnostic.hint, diagnostic.render()


def test_an_unknown_grain_in_a_query_is_c044_at_by(write_project: WriteProject) -> None:
    root = write_project({"metrics/base.yaml": BASE, "metrics/days.yaml": DAYS}, CUSTOM)
    project = load_project(root)
    compile_metric(project, "call_count", "duckdb", QueryOptions(grain="retail_month"))
    with pytest.raises(CompileError) as info:
        compile_metric(project, "call_count", "duckdb", QueryOptions(grain="retail_mnth"))
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "C044" and diagnostic.span is not None
    assert diagnostic.span.file == "--by" and "retail_month" in (diagnostic.hint or "")


@pytest.mark.parametrize(
    "calculation",
    [
        "{type: cumulative, metric: call_count, window: 7 days}",
        "{type: period_over_period, metric: call_count}",
        "{type: derived, expression: call_count - prior, inputs: "
        "[{name: prior, metric: call_count, offset: 1 period}]}",
    ],
)
def test_steps_between_periods_are_refused_at_a_custom_granularity(
    calculation: str, write_project: WriteProject
) -> None:
    text = metric(f"    calculation: {calculation}\n    grain: month\n")
    files = {"metrics/base.yaml": BASE, "metrics/days.yaml": DAYS, "metrics/m.yaml": text}
    project = load_project(write_project(files, CUSTOM))
    compile_metric(project, "m", "duckdb")  # per month: fine
    with pytest.raises(CompileError) as info:
        compile_metric(project, "m", "duckdb", QueryOptions(grain="retail_month"))
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "C045" and str(diagnostic.span).endswith("metrics/m.yaml:4:25")
    assert diagnostic.hint


def test_the_site_names_fiscal_periods() -> None:
    from nsmcode.site.views import period_label

    april = Calendar(fiscal_year_start=4)
    assert period_label(dt.date(2026, 4, 1), Grain.FISCAL_YEAR, april) == "FY2027"
    assert period_label(dt.date(2026, 7, 1), Grain.FISCAL_QUARTER, april) == "FY2027-Q2"
    assert period_label(dt.date(2026, 1, 1), Grain.YEAR, april) == "2026"
    assert period_label(dt.date(2026, 4, 1), Grain.QUARTER, april) == "2026-Q2"
