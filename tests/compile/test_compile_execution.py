"""Every calculation type, compiled and executed on DuckDB, SQLite, PostgreSQL and Spark, equals
the same metric computed in plain Python (compile_reference.py): exact for integers, 1e-9 for
floats, row for row (periods, segments, order, the spine's zeros and NULLs)."""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any

import pytest
from compile_engines import ENGINES, Runner
from compile_reference import METRICS, Reference

from nsmcode.compile import (
    TOTAL,
    QueryOptions,
    build_expression,
    compile_metric,
    compile_metrics,
)
from nsmcode.compile.targets import TARGETS, with_spine
from nsmcode.models import Grain
from nsmcode.project import Project

GRAINS = ("day", "week", "month", "quarter")
INVALID = {("revenue_mtd", "quarter")}  # a month-to-date total per quarter: C034 (tested below)
SINCE, UNTIL = dt.date(2026, 3, 10), dt.date(2026, 5, 20)

Case = tuple[str, str, tuple[str, ...], dt.date | None, dt.date | None]


def _cases() -> list[Case]:
    cases: list[Case] = []
    for name in METRICS:
        cases += [(name, grain, (), None, None) for grain in GRAINS]
        cases.append((name, "week", ("plan",), None, None))
        cases.append((name, "month", ("plan", "region_name"), None, None))
        cases.append((name, "day", (), SINCE, UNTIL))
        cases.append((name, "week", ("developer_segment",), dt.date(2026, 4, 1), None))
    return [c for c in cases if (c[0], c[1]) not in INVALID]


CASES = _cases()


def _id(case: Case) -> str:
    name, grain, segments, since, until = case
    parts = [name, grain, *segments]
    if since or until:
        parts.append(f"{since or ''}..{until or ''}")
    return "-".join(parts)


@functools.cache
def reference(grain: str, segments: tuple[str, ...]) -> Reference:
    return Reference(grain, segments)


@functools.cache
def expected(
    names: tuple[str, ...],
    grain: str,
    segments: tuple[str, ...],
    since: dt.date | None,
    until: dt.date | None,
) -> list[tuple[Any, ...]]:
    return reference(grain, segments).table(list(names), since, until)


def same(actual: Any, wanted: Any) -> bool:
    if wanted is None or actual is None:
        return wanted is None and actual is None
    if isinstance(wanted, int):
        return isinstance(actual, int | float) and float(actual) == wanted
    return math.isclose(float(actual), wanted, rel_tol=1e-9, abs_tol=1e-9)


def assert_rows(got: list[tuple[Any, ...]], want: list[tuple[Any, ...]], keys: int) -> None:
    assert len(got) == len(want), f"{len(got)} rows, expected {len(want)}"
    for row, wanted in zip(got, want, strict=True):
        assert row[:keys] == wanted[:keys], (row, wanted)
        for value, expect in zip(row[keys:], wanted[keys:], strict=True):
            assert same(value, expect), f"{row[:keys]}: got {value!r}, expected {expect!r}"


def options(grain: str, segments: tuple[str, ...], since: Any, until: Any) -> QueryOptions:
    return QueryOptions(grain=Grain(grain), segments=segments, since=since, until=until)


def runner(request: pytest.FixtureRequest, engine: str) -> Runner:
    run: Runner = request.getfixturevalue(f"{engine}_run")
    return run


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_metric_matches_python(
    engine: str, case: Case, project: Project, request: pytest.FixtureRequest
) -> None:
    name, grain, segments, since, until = case
    run = runner(request, engine)
    sql = compile_metric(project, name, engine, options(grain, segments, since, until))
    want = expected((name,), grain, segments, since, until)
    assert want, "the dataset must give every case rows"
    assert_rows(run(sql), want, 1 + len(segments))


def _valid(grain: str) -> list[str]:
    return [n for n in METRICS if (n, grain) not in INVALID]


BATCHES: list[tuple[str, tuple[str, ...], dt.date | None, dt.date | None]] = [
    ("day", (), None, None),
    ("week", (), None, None),
    ("month", (), None, None),
    ("quarter", (), None, None),
    ("week", ("plan",), None, None),
    ("day", ("developer_segment",), SINCE, UNTIL),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("batch", BATCHES, ids=[_id(("all", *b)) for b in BATCHES])
def test_all_metrics_in_one_query(
    engine: str,
    batch: tuple[str, tuple[str, ...], Any, Any],
    project: Project,
    request: pytest.FixtureRequest,
) -> None:
    """compile_metrics: every metric of a grain at once (one scan per source, merged filters)."""
    grain, segments, since, until = batch
    names = _valid(grain)
    run = runner(request, engine)
    sql = compile_metrics(project, names, engine, options(grain, segments, since, until))
    want = expected(tuple(names), grain, segments, since, until)
    assert_rows(run(sql), want, 1 + len(segments))


# Spark runs a query in seconds, not milliseconds: a few batches cover every metric, every
# calculation type and every grain.
SPARK_BATCHES: list[tuple[str, tuple[str, ...], dt.date | None, dt.date | None, list[str]]] = [
    (
        "week",
        (),
        None,
        None,
        [
            "calls",
            "integration_points",
            "latency_avg",
            "error_rate",
            "calls_index",
            "active_accounts_28d",
            "activation_7d",
            "calls_wow",
            "retention_2",
        ],
    ),
    (
        "month",
        ("plan",),
        None,
        None,
        [
            "revenue_mtd",
            "calls_2w",
            "integration_points_28d",
            "rounding",
            "latency_min",
            "latency_max",
            "open_region_calls",
            "paid_invoice_count",
            "calls_all",
        ],
    ),
    (
        "day",
        (),
        SINCE,
        UNTIL,
        [
            "calls_total",
            "active_accounts_28d_wow",
            "error_rate_change",
            "signups",
            "revenue",
            "error_calls",
            "active_accounts",
        ],
    ),
    (
        "quarter",
        (),
        None,
        None,
        ["calls_change_2", "latency_avg_7d", "revenue_per_active_account", "latency_total"],
    ),
]


@pytest.mark.parametrize(
    "batch", SPARK_BATCHES, ids=[_id(("spark", *b[:4])) for b in SPARK_BATCHES]
)
def test_spark_matches_python(
    batch: tuple[str, tuple[str, ...], Any, Any, list[str]],
    project: Project,
    spark_run: Runner,
) -> None:
    grain, segments, since, until, names = batch
    sql = compile_metrics(project, names, "spark", options(grain, segments, since, until))
    want = expected(tuple(names), grain, segments, since, until)
    assert_rows(spark_run(sql), want, 1 + len(segments))


def test_spark_batches_cover_every_metric() -> None:
    assert {n for b in SPARK_BATCHES for n in b[4]} == set(METRICS)


# MariaDB re-evaluates the digits CTEs for every row (minutes per query); its target uses the
# recursive calendar, which every other test runs.
@pytest.mark.parametrize("engine", [e for e in ENGINES if e != "mysql"])
@pytest.mark.parametrize("grain", GRAINS)
def test_digits_calendar_matches(
    engine: str, grain: str, project: Project, request: pytest.FixtureRequest
) -> None:
    """The digits cross-join calendar (Snowflake, Redshift, ClickHouse) runs here too."""
    names = _valid(grain)
    target = with_spine(TARGETS[engine], "numbers")
    tree = build_expression(project, names, options(grain, ("plan",), None, None))
    sql = target.render(tree)
    assert "nsm_digits" in sql and "RECURSIVE" not in sql
    want = expected(tuple(names), grain, ("plan",), None, None)
    assert_rows(runner(request, engine)(sql), want, 2)


def test_cases_cover_every_calculation_type(project: Project) -> None:
    kinds = {project.metrics[name].calculation.type for name in METRICS}
    assert kinds == {
        "count",
        "count_distinct",
        "sum",
        "average",
        "min",
        "max",
        "ratio",
        "derived",
        "cumulative",
        "conversion",
        "period_over_period",
        "retention",
    }
    # probe_* (time boundaries) and x_* (users and accounts) have their own Python answers:
    # test_compile_time.py and test_compile_entities.py
    own = {n for n in project.metrics if not n.startswith(("probe_", "x_"))}
    assert set(METRICS) == own


def test_spine_fills_empty_periods(project: Project, duckdb_run: Runner) -> None:
    """Weeks without any event appear: 0 for counts and sums, NULL for averages and ratios."""
    empty = [dt.date(2026, 4, 13), dt.date(2026, 5, 18)]
    names = ["calls", "latency_total", "latency_avg", "error_rate", "latency_max"]
    sql = compile_metrics(project, names, "duckdb", QueryOptions(grain=Grain.WEEK))
    rows = {r[0]: r[1:] for r in duckdb_run(sql)}
    for week in empty:
        assert rows[week] == (0, 0, None, None, None)
    assert list(rows) == sorted(rows) and all(d.weekday() == 0 for d in rows)


@pytest.mark.parametrize("engine", ENGINES)
def test_ranges_without_periods_give_no_rows(
    engine: str, project: Project, request: pytest.FixtureRequest
) -> None:
    run = runner(request, engine)
    for since, until in [
        (dt.date(2026, 5, 1), dt.date(2026, 4, 1)),  # since after until
        (dt.date(2030, 1, 1), None),  # after the last data
        (None, dt.date(2020, 1, 1)),  # before the first data
    ]:
        for names in (["calls"], ["calls", "retention_2"]):
            week = QueryOptions(grain=Grain.WEEK, since=since, until=until)
            sql = compile_metrics(project, names, engine, week)
            assert run(sql) == [], (since, until, names)
            total = QueryOptions(grain=TOTAL, since=since, until=until)
            assert run(compile_metric(project, "calls", engine, total)) == [], (since, until)
            opts = QueryOptions(segments=["plan"], since=since, until=until)  # type: ignore[arg-type]
            assert run(compile_metric(project, "calls", engine, opts)) == []


def test_options_accept_lists_and_strings(project: Project, duckdb_run: Runner) -> None:
    """Callers may pass segments as a list and the grain as its name: same query."""
    loose = QueryOptions(grain="month", segments=["plan"])  # type: ignore[arg-type]
    strict = QueryOptions(grain=Grain.MONTH, segments=("plan",))
    assert loose == strict
    assert compile_metric(project, "calls", "duckdb", loose) == compile_metric(
        project, "calls", "duckdb", strict
    )
