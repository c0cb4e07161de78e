"""Time to convert (`type: time_to_convert`): compiled and executed on DuckDB, SQLite,
PostgreSQL and Spark, equal to plain Python (durations_reference.py); golden SQL for every
target; located errors for misuse."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
import sqlglot
from compile_engines import Runner
from durations_data import PROJECT
from durations_engines import (  # noqa: F401  (fixtures)
    durations_clickhouse,
    durations_duckdb,
    durations_postgres,
    durations_spark,
    durations_sqlite,
)
from durations_reference import ACCOUNTS, Durations
from test_compile_execution import assert_rows
from test_compile_golden import GOLDEN

from nsmcode.compile import TOTAL, QueryOptions, compile_metric, compile_metrics
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project, load_project

ACCOUNT_METRICS = [
    "median_days_to_production",
    "p90_hours_to_production_30d",
    "p99_seconds_to_production_exclusive",
    "quartile_minutes_to_any_call",
    "median_hours_to_production",
    "slowest_seconds_30d",
    "slowest_seconds_30d_exclusive",
    "fastest_seconds",
    "slowest_seconds_2h",
    "slowest_seconds_2h_exclusive",
]
CASES: list[tuple[str, tuple[str, ...], dt.date | None, dt.date | None]] = [
    ("month", (), None, None),
    ("week", ("plan",), dt.date(2025, 6, 1), dt.date(2026, 3, 31)),
    ("quarter", ("plan",), None, None),
    ("total", (), dt.date(2025, 3, 1), dt.date(2026, 3, 10)),
    ("total", ("plan",), None, None),
]


@pytest.fixture(scope="module")
def durations() -> Project:
    return load_project(PROJECT)


def _id(case: tuple[Any, ...]) -> str:
    grain, segments, since, until = case
    return "-".join([grain, *segments, *([f"{since}..{until}"] if since or until else [])])


def _options(case: tuple[Any, ...]) -> QueryOptions:
    grain, segments, since, until = case
    chosen = TOTAL if grain == "total" else Grain(grain)
    return QueryOptions(grain=chosen, segments=segments, since=since, until=until)


# Spark runs one case (seconds per query): the other cases run on the three other engines only
@pytest.mark.parametrize(
    ("engine", "case"),
    [
        pytest.param(engine, case, id=f"{_id(case)}-{engine}")
        for case in CASES
        for engine in ("duckdb", "sqlite", "postgres", "clickhouse", "spark")
        if engine != "spark" or case[0] == "quarter"
    ],
)
def test_time_to_convert_matches_python(
    engine: str, case: tuple[Any, ...], durations: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"durations_{engine}")
    grain, segments, since, until = case
    want = Durations(grain, segments).table(ACCOUNT_METRICS, since, until)
    got = run(compile_metrics(durations, ACCOUNT_METRICS, engine, _options(case)))
    assert_rows(got, want, 1 + len(segments))


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres", "clickhouse"])
def test_a_breakdown_as_compile_writes_it(
    engine: str, durations: Project, request: pytest.FixtureRequest
) -> None:
    """One series over every entity (breakdown ''), then one per plan ('plan'), as in the files
    `nsmcode compile` writes for a metric declaring `segments:`."""
    run: Runner = request.getfixturevalue(f"durations_{engine}")
    names = ["median_days_to_production", "p90_hours_to_production_30d"]
    options = QueryOptions(grain=Grain.QUARTER, segments=("plan",), breakdown=True)
    overall = {r[0]: r[1:] for r in Durations("quarter").table(names)}
    want: list[tuple[Any, ...]] = []
    per_plan = Durations("quarter", ("plan",)).table(names)
    for period in sorted(overall):
        want.append((period, "", None, *overall[period]))
        want += [(period, "plan", *r[1:]) for r in per_plan if r[0] == period]
    assert_rows(run(compile_metrics(durations, names, engine, options)), want, 3)


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres", "clickhouse"])
def test_a_time_to_convert_at_an_offset(
    engine: str, durations: Project, request: pytest.FixtureRequest
) -> None:
    """Read per period like an average: the month before's median, NULL when it has none."""
    run: Runner = request.getfixturevalue(f"durations_{engine}")
    names = ["median_days_to_production", "median_days_change"]
    options = QueryOptions(grain=Grain.MONTH, segments=("plan",))
    want = Durations("month", ("plan",)).table(names)
    assert any(r[3] is not None for r in want) and any(r[3] is None for r in want)
    assert_rows(run(compile_metrics(durations, names, engine, options)), want, 2)


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres", "clickhouse", "spark"])
def test_a_conversion_entity_reached_through_joins(
    engine: str, durations: Project, request: pytest.FixtureRequest
) -> None:
    """Users timed to their account's first production call (users -> accounts)."""
    run: Runner = request.getfixturevalue(f"durations_{engine}")
    names = ["user_median_days_to_account_call"]
    want = Durations("month").table(names)
    got = run(compile_metrics(durations, names, engine, QueryOptions(grain=Grain.MONTH)))
    assert_rows(got, want, 1)


EDGE_DAY = dt.date(2026, 7, 15)
EDGES = ["slowest_seconds_30d", "slowest_seconds_30d_exclusive", "fastest_seconds"]


def test_the_reference_times_the_edges_as_the_spec_says() -> None:
    """The accounts signing up on 2026-07-15 (durations_data.py): 0 s at the signup second,
    the cap exactly (inclusive only), one second inside it, never one second outside, a call
    one second before the signup ignored, fractions read to the second, the first of two."""
    day = Durations("day")
    inclusive = sorted(day.durations("slowest_seconds_30d")[(EDGE_DAY,)])
    exclusive = sorted(day.durations("slowest_seconds_30d_exclusive")[(EDGE_DAY,)])
    cap = 30 * 86400
    assert inclusive == [0, 0, 1, 2 * 86400, 3 * 86400, cap - 1, cap]
    assert exclusive == [0, 0, 1, 2 * 86400, 3 * 86400, cap - 1]
    uncapped = sorted(day.durations("fastest_seconds")[(EDGE_DAY,)])
    assert uncapped == sorted([*inclusive, cap + 1])


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres", "clickhouse", "spark"])
def test_the_edges_on_every_engine(
    engine: str, durations: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"durations_{engine}")
    options = QueryOptions(grain=Grain.DAY, since=EDGE_DAY, until=EDGE_DAY)
    (row,) = run(compile_metrics(durations, EDGES, engine, options))
    assert row == (EDGE_DAY, 30 * 86400, 30 * 86400 - 1, 0)
    assert Durations("day").table(EDGES, EDGE_DAY, EDGE_DAY) == [row]


HOURS_DAY = dt.date(2026, 7, 20)
HOUR_EDGES = ["slowest_seconds_2h", "slowest_seconds_2h_exclusive"]


def test_the_reference_caps_in_hours_as_the_spec_says() -> None:
    """The accounts signing up on 2026-07-20 23:00:00: a call exactly 2 hours later (the next
    day, 01:00:00) counts only with `window_end: inclusive`, one second inside always, one
    second outside never."""
    day = Durations("day")
    cap = 2 * 3600
    assert sorted(day.durations("slowest_seconds_2h")[(HOURS_DAY,)]) == [cap - 1, cap]
    assert sorted(day.durations("slowest_seconds_2h_exclusive")[(HOURS_DAY,)]) == [cap - 1]
    assert sorted(day.durations("fastest_seconds")[(HOURS_DAY,)]) == [cap - 1, cap, cap + 1]


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres", "clickhouse", "spark"])
def test_a_cap_in_hours_on_every_engine(
    engine: str, durations: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"durations_{engine}")
    options = QueryOptions(grain=Grain.DAY, since=HOURS_DAY, until=HOURS_DAY)
    (row,) = run(compile_metrics(durations, HOUR_EDGES, engine, options))
    assert row == (HOURS_DAY, 2 * 3600, 2 * 3600 - 1)
    assert Durations("day").table(HOUR_EDGES, HOURS_DAY, HOURS_DAY) == [row]


def test_the_data_has_ties_and_entities_without_a_conversion() -> None:
    month = Durations("month").durations("median_days_to_production")
    values = [d for ds in month.values() for d in ds]
    assert values.count(2 * 86400) >= 5
    timed = sum(len(ds) for ds in month.values())
    assert timed < len({a["account_id"] for a in ACCOUNTS if a["account_id"]})


GOLDEN_CASES: dict[str, tuple[str, QueryOptions]] = {
    "capped_hours": ("slowest_seconds_2h_exclusive", QueryOptions(grain=Grain.DAY)),
    "median_days": ("median_days_to_production", QueryOptions(grain=Grain.MONTH)),
    "capped_exclusive_segments": (
        "p99_seconds_to_production_exclusive",
        QueryOptions(grain=Grain.WEEK, segments=("plan",)),
    ),
    "breakdown": (
        "p90_hours_to_production_30d",
        QueryOptions(grain=Grain.MONTH, segments=("plan",), breakdown=True),
    ),
    "across_entities": ("user_median_days_to_account_call", QueryOptions(grain=Grain.QUARTER)),
}
UPDATE = os.environ.get("NSMCODE_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_golden_sql(case: str, dialect: str, durations: Project) -> None:
    """golden/<dialect>/durations/<case>.sql, checked like test_compile_golden.py
    (NSMCODE_UPDATE_GOLDEN=1 accepts new output; a mismatch leaves <case>.actual.sql)."""
    name, options = GOLDEN_CASES[case]
    sql = compile_metric(durations, name, dialect, options) + "\n"
    path = GOLDEN / dialect / "durations" / f"{case}.sql"
    actual = path.with_name(f"{case}.actual.sql")
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    if path.exists() and path.read_text() == sql:
        actual.unlink(missing_ok=True)
        return
    actual.write_text(sql)
    pytest.fail(f"{path.relative_to(GOLDEN)} differs: see {actual.name} beside it")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_golden_files_parse_in_their_dialect(dialect: str) -> None:
    files = sorted((GOLDEN / dialect / "durations").glob("*.sql"))
    files = [f for f in files if not f.name.endswith(".actual.sql")]
    assert [f.stem for f in files] == sorted(GOLDEN_CASES), "golden files and cases differ"
    for file in files:
        assert sqlglot.parse_one(file.read_text(), read=dialect).find(sqlglot.exp.With), file


def test_a_period_settles_after_the_cap(durations: Project) -> None:
    """`complete` and `okr status`: a capped time to convert waits for its cap, as a conversion;
    an uncapped one counts as settled at the period's end (docs/running.md)."""
    from nsmcode.run.goals import settle
    from nsmcode.run.status import Settle

    assert settle(durations, "p90_hours_to_production_30d") == Settle(days=30)
    assert settle(durations, "quartile_minutes_to_any_call") == Settle(days=14)
    assert settle(durations, "median_days_to_production") == Settle()
