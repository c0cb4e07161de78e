"""Offsets (a derived metric's `inputs`: N periods earlier, the same period a year earlier),
compiled and executed on DuckDB, SQLite, PostgreSQL and Spark, equal to plain Python
(vocab_reference.py) row for row, over seven years that cross ISO years of 52 and 53 weeks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from compile_engines import Runner
from test_compile_execution import assert_rows
from vocab_data import PROJECT
from vocab_engines import (  # noqa: F401  (fixtures)
    vocab_duckdb,
    vocab_postgres,
    vocab_spark,
    vocab_sqlite,
)
from vocab_reference import Vocab, same_week_a_year_earlier

from nsmcode.compile import CompileError, QueryOptions, compile_metric, compile_metrics
from nsmcode.models import Grain
from nsmcode.project import Project, load_project

OFFSETS = [
    "orders_yoy",
    "paid_vs_two_ago",
    "revenue_per_order_yoy",
    "average_order_change",
    "orders_28d_yoy",
    "orders_yoy_wow",
    "paid_yoy_of_two_ago",
]
YEARLY = {"orders_yoy", "revenue_per_order_yoy", "orders_28d_yoy", "orders_yoy_wow"}
YEARLY |= {"paid_yoy_of_two_ago"}
CASES: list[tuple[str, tuple[str, ...], dt.date | None, dt.date | None]] = [
    ("week", (), None, None),
    ("month", (), None, None),
    ("quarter", (), None, None),
    ("week", ("status",), None, None),
    ("month", ("status",), dt.date(2021, 1, 1), dt.date(2022, 12, 31)),
    ("week", (), dt.date(2026, 1, 1), None),
]
DAY = ("day", (), dt.date(2025, 12, 20), dt.date(2026, 3, 10))


@pytest.fixture(scope="module")
def vocab() -> Project:
    return load_project(PROJECT)


def _names(grain: str) -> list[str]:
    return [n for n in OFFSETS if grain != "day" or n not in YEARLY]


def _id(case: tuple[Any, ...]) -> str:
    grain, segments, since, until = case
    return "-".join([grain, *segments, *([f"{since}..{until}"] if since or until else [])])


def _check(
    project: Project, run: Runner, engine: str, case: tuple[Any, ...], names: list[str]
) -> None:
    grain, segments, since, until = case
    options = QueryOptions(grain=Grain(grain), segments=segments, since=since, until=until)
    sql = compile_metrics(project, names, engine, options)
    want = Vocab(grain, segments).table(names, since, until)
    assert len(want) > 3
    assert_rows(run(sql), want, 1 + len(segments))


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
@pytest.mark.parametrize("case", [*CASES, DAY], ids=[_id(c) for c in [*CASES, DAY]])
def test_offsets_match_python(
    engine: str, case: tuple[Any, ...], vocab: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"vocab_{engine}")
    _check(vocab, run, engine, case, _names(case[0]))


@pytest.mark.parametrize("case", [CASES[0], CASES[4], DAY], ids=["week", "month-status", "day"])
def test_offsets_match_python_on_spark(
    case: tuple[Any, ...], vocab: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue("vocab_spark")
    _check(vocab, run, "spark", case, _names(case[0]))


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
def test_each_offset_alone(engine: str, vocab: Project, request: pytest.FixtureRequest) -> None:
    """One metric per query: the spine and first periods do not depend on the neighbours."""
    run: Runner = request.getfixturevalue(f"vocab_{engine}")
    for name in OFFSETS:
        sql = compile_metric(vocab, name, engine, QueryOptions(grain=Grain.WEEK))
        assert_rows(run(sql), Vocab("week").table([name]), 1)


def test_the_reference_knows_iso_weeks() -> None:
    """The Python side of the tests: 2026-W10 -> 2025-W10, 2021-W01 -> 2020-W01, 2026-W53 ->
    none (2025 has 52 weeks), 2021-W10 -> 2020-W10 (53 weeks back)."""
    assert same_week_a_year_earlier(dt.date(2026, 3, 2)) == dt.date(2025, 3, 3)
    assert same_week_a_year_earlier(dt.date(2021, 1, 4)) == dt.date(2019, 12, 30)
    assert same_week_a_year_earlier(dt.date(2026, 12, 28)) is None
    assert same_week_a_year_earlier(dt.date(2021, 3, 8)) == dt.date(2020, 3, 2)


def test_edges_on_duckdb(vocab: Project, vocab_duckdb: Runner) -> None:  # noqa: F811
    """First periods have no prior: NULL; a zero prior: NULL, never inf; week 53 reads none."""
    sql = compile_metrics(vocab, ["orders", "orders_yoy"], "duckdb", QueryOptions(grain="week"))  # type: ignore[arg-type]
    rows = {r[0]: r[1:] for r in vocab_duckdb(sql)}
    first = min(rows)
    assert rows[first][1] is None  # nothing a year before the first week
    assert rows[dt.date(2026, 3, 2)][1] is None  # 2025-W10 had no orders: 0 prior
    assert rows[dt.date(2025, 3, 3)][0] == 0
    assert rows[dt.date(2026, 12, 28)][1] is None  # 2026-W53: 2025 has no week 53
    assert rows[dt.date(2021, 1, 4)][1] is not None  # 2021-W01 reads 2020-W01, 53 weeks back
    assert all(v is None or abs(v) < 1e9 for _, v in rows.values())


def test_a_year_earlier_per_day_is_refused(vocab: Project) -> None:
    with pytest.raises(CompileError) as info:
        compile_metric(vocab, "orders_yoy", "duckdb", QueryOptions(grain=Grain.DAY))
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "C041"
    assert diagnostic.span is not None and diagnostic.span.file.endswith("offsets.yaml")
    assert diagnostic.hint
