"""Metric filters (`metric_filter:` on a metric or a qualifier), compiled and executed on every
engine of compile_engines (DuckDB, SQLite, PostgreSQL, chDB, MariaDB when configured) and Spark,
equal to plain Python (entity_filters_reference.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from compile_engines import Runner
from compile_time import ENGINES
from entity_filters_reference import (
    ACCOUNTS,
    EVENTS,
    PROJECT,
    api_calls,
    converted,
    kept,
    period,
    production,
    rolling,
    series,
    total,
    value,
)
from test_compile_execution import assert_rows

from nsmcode.compile import QueryOptions, compile_file, compile_metric
from nsmcode.models import Grain
from nsmcode.project import Project, load_project

WEEKS = (dt.date(2026, 3, 2), dt.date(2026, 6, 22))
MONTHS = (dt.date(2026, 3, 1), dt.date(2026, 6, 1))
CASES: list[tuple[str, str]] = [
    ("engaged_calls", "week"),
    ("quiet_sandbox_calls", "week"),
    ("single_call_accounts", "month"),
    ("mid_accounts", "week"),
    ("fast_account_latency", "month"),
    ("paying_signups", "month"),
    ("calls_in_growing_regions", "week"),
    ("calls_of_busy_accounts", "month"),
]
SPARK = ("engaged_calls", "paying_signups", "calls_of_busy_accounts")
"""Spark runs these (seconds per query); every case runs on the other engines."""


@pytest.fixture(scope="module")
def filters() -> Project:
    return load_project(PROJECT)


def _run(request: pytest.FixtureRequest, engine: str) -> Runner:
    run: Runner = request.getfixturevalue(f"{engine}_run")
    return run


@pytest.mark.parametrize(
    ("engine", "case"),
    [
        pytest.param(engine, case, id=f"{case[0]}-{engine}")
        for case in CASES
        for engine in (*ENGINES, "spark")
        if engine != "spark" or case[0] in SPARK
    ],
)
def test_metric_filter_matches_python(
    engine: str, case: tuple[str, str], filters: Project, request: pytest.FixtureRequest
) -> None:
    name, grain = case
    since, until = WEEKS if grain == "week" else MONTHS
    options = QueryOptions(grain=Grain(grain), since=since, until=until)
    want = series(name, grain, since, until)
    assert any(v for _, v in want), "the data must keep some rows"
    assert_rows(_run(request, engine)(compile_metric(filters, name, engine, options)), want, 1)


@pytest.mark.parametrize("engine", (*ENGINES, "spark"))
def test_a_window_keeps_each_row_by_its_own_period(
    engine: str, filters: Project, request: pytest.FixtureRequest
) -> None:
    since, until = dt.date(2026, 3, 23), WEEKS[1]
    options = QueryOptions(grain=Grain.WEEK, since=since, until=until)
    sql = compile_metric(filters, "engaged_calls_28d", engine, options)
    assert_rows(_run(request, engine)(sql), rolling("engaged_calls", 28, since, until), 1)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_total_evaluates_the_filter_over_the_range(
    engine: str, filters: Project, request: pytest.FixtureRequest
) -> None:
    since, until = dt.date(2026, 3, 10), dt.date(2026, 5, 20)
    options = QueryOptions(since=since, until=until)
    sql = compile_metric(filters, "engaged_calls_total", engine, options)
    want = total("engaged_calls_total", since, until)
    assert want[0][1] > 0
    assert_rows(_run(request, engine)(sql), want, 1)


def test_each_filter_keeps_some_rows_and_drops_others() -> None:
    """Otherwise a compiler ignoring the filter would pass."""
    everything = {
        "engaged_calls": [e for e in EVENTS if production(e)],
        "quiet_sandbox_calls": [e for e in EVENTS if e["environment"] == "sandbox"],
        "single_call_accounts": EVENTS,
        "mid_accounts": EVENTS,
        "fast_account_latency": EVENTS,
        "paying_signups": list(ACCOUNTS.values()),
        "calls_in_growing_regions": EVENTS,
        "calls_of_busy_accounts": EVENTS,
    }
    for name, grain in CASES:
        assert 0 < len(kept(name, grain)) < len(everything[name]), name
    # the 0 of an entity without rows is what keeps these: no production call that week
    calls = api_calls("week")
    assert all(
        value(calls, e["called_at"], e["account_id"], "week", False) is None
        for e in kept("quiet_sandbox_calls", "week")
    )
    # per period: an account engaged one week is not engaged every week it calls
    week = "week"
    engaged = {(e["account_id"], period(e["called_at"], week)) for e in kept("engaged_calls", week)}
    active = {(e["account_id"], period(e["called_at"], week)) for e in everything["engaged_calls"]}
    assert any((a, w) not in engaged for a, w in active if any(a == b for b, _ in engaged))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_ratio_of_filtered_and_unfiltered_rows_of_one_scan(
    engine: str, filters: Project, request: pytest.FixtureRequest
) -> None:
    """engaged_calls / api_calls: one scan of events, the filtered rows told apart by a flag."""
    since, until = WEEKS
    options = QueryOptions(grain=Grain.WEEK, since=since, until=until)
    engaged = dict(series("engaged_calls", "week", since, until))
    want = []
    for week, count in engaged.items():
        calls = [e for e in EVENTS if production(e) and period(e["called_at"], "week") == week]
        want.append((week, count / len(calls) if calls else None))
    sql = compile_metric(filters, "engaged_share", engine, options)
    assert_rows(_run(request, engine)(sql), want, 1)


def test_segments_do_not_split_the_entity_value(
    filters: Project, duckdb_run: Runner
) -> None:
    """Broken down by environment, each row is still kept by its entity's whole value."""
    since, until = WEEKS
    options = QueryOptions(grain=Grain.WEEK, segments=("environment",), since=since, until=until)
    rows = duckdb_run(compile_metric(filters, "engaged_calls", "duckdb", options))
    by_week: dict[dt.date, Any] = {}
    for week, _, count in rows:
        by_week[week] = by_week.get(week, 0) + count
    assert sorted(by_week.items()) == series("engaged_calls", "week", since, until)


def test_the_compiled_file_breaks_down_by_the_declared_segment(
    filters: Project, duckdb_run: Runner
) -> None:
    """`nsmcode compile`'s file: all rows (breakdown ''), then per environment; the filter is
    the same in every series."""
    rows = duckdb_run(compile_file(filters, "engaged_calls", "duckdb"))
    overall = {p: v for p, b, _, v in rows if b == ""}
    by_environment: dict[dt.date, int] = {}
    for p, b, _, v in rows:
        if b == "environment":
            by_environment[p] = by_environment.get(p, 0) + v
    want = {p: v for p, v in series("engaged_calls", "week", min(overall), max(overall))}
    assert overall == want and by_environment == want


@pytest.mark.parametrize("engine", ENGINES)
def test_a_conversion_keeps_each_event_by_its_own_period(
    engine: str, filters: Project, request: pytest.FixtureRequest
) -> None:
    since, until = WEEKS
    options = QueryOptions(grain=Grain.WEEK, since=since, until=until)
    want = converted(7, since, until)
    assert 0 < sum(v for _, v in want) < 11, "11 convert without the filter"
    sql = compile_metric(filters, "engaged_within_7_days", engine, options)
    assert_rows(_run(request, engine)(sql), want, 1)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_all_time_filter_in_a_total_window(
    engine: str, filters: Project, request: pytest.FixtureRequest
) -> None:
    """`over: all_time` needs no period: a 28-day window in a total reads rows before
    `--since`, each kept by its account's all-time value."""
    since, until = dt.date(2026, 4, 10), dt.date(2026, 5, 20)
    rows = kept("calls_of_busy_accounts", "month")
    end = until + dt.timedelta(days=1)
    start = end - dt.timedelta(days=28)
    want = [(since, sum(1 for r in rows if start <= r["called_at"].date() < end))]
    assert 0 < want[0][1] < len(EVENTS)
    options = QueryOptions(since=since, until=until)
    sql = compile_metric(filters, "busy_accounts_28d", engine, options)
    assert_rows(_run(request, engine)(sql), want, 1)


def test_a_custom_granularity_judges_each_row_by_its_own_calendar_period(
    tmp_path: Path,
) -> None:
    """By a custom granularity (two-week sprints from a calendar table), the entity's value is
    its value in the row's sprint, not on the sprint's first day."""
    import shutil

    from compile_engines import duckdb_runner

    from nsmcode.compile import compile_metrics

    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    config = root / "nsmcode.yaml"
    config.write_text(
        config.read_text()
        + "calendar:\n  source: sprints\n  date_column: day\n"
        + "  granularities: [{name: sprint, column: sprint_start}]\n"
    )
    (root / "metrics" / "calendar.yaml").write_text(
        "version: 1\nsources:\n  - name: sprints\n    table: sprints\n    columns:\n"
        "      - {name: day, type: date}\n      - {name: sprint_start, type: date}\n"
    )
    first = dt.date(2026, 2, 23)  # a Monday; sprints of 14 days through the data's range
    days = [first + dt.timedelta(days=n) for n in range(140)]
    sprint = {d: first + dt.timedelta(days=14 * ((d - first).days // 14)) for d in days}
    project = load_project(root)
    sql = compile_metrics(project, ["engaged_calls"], "duckdb", QueryOptions(grain="sprint"))
    run = duckdb_runner()
    run("CREATE TABLE sprints (day DATE, sprint_start DATE)")
    run("INSERT INTO sprints VALUES " + ", ".join(f"('{d}', '{s}')" for d, s in sprint.items()))
    got = run(sql)
    # plain Python: distinct production endpoints per (sprint, account), then the kept calls
    points: dict[tuple[dt.date, str], set[str]] = {}
    for e in EVENTS:
        if production(e) and e["endpoint"] is not None and e["account_id"] is not None:
            key = (sprint[e["called_at"].date()], e["account_id"])
            points.setdefault(key, set()).add(e["endpoint"])
    counts: dict[dt.date, int] = dict.fromkeys(sorted(set(sprint.values())), 0)
    for e in EVENTS:
        key = (sprint[e["called_at"].date()], e["account_id"])
        if production(e) and len(points.get(key, set())) >= 2:
            counts[key[0]] += 1
    spans = {s for s in sprint.values() if any(sprint[e["called_at"].date()] == s for e in EVENTS)}
    want = [(s, counts[s]) for s in sorted(counts) if min(spans) <= s <= max(spans)]
    assert any(v for _, v in want)
    assert_rows(got, want, 1)
