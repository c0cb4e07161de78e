"""Conversion counts (`result: count`) beside conversion rates, compiled and executed on DuckDB,
SQLite, PostgreSQL and Spark, equal to plain Python (vocab_reference.py)."""

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
from vocab_reference import CONVERSIONS, CUSTOMERS, ORDER_TIMES, WITHIN, Vocab

from nsmcode.compile import QueryOptions, compile_metrics
from nsmcode.models import Grain
from nsmcode.project import Project, load_project

CASES: list[tuple[str, tuple[str, ...], dt.date | None, dt.date | None]] = [
    ("week", (), None, None),
    ("month", ("plan",), None, None),
    ("quarter", (), dt.date(2021, 1, 1), dt.date(2025, 12, 31)),
]


@pytest.fixture(scope="module")
def vocab() -> Project:
    return load_project(PROJECT)


def _id(case: tuple[Any, ...]) -> str:
    grain, segments, since, until = case
    return "-".join([grain, *segments, *([f"{since}..{until}"] if since or until else [])])


# Spark runs one case (seconds per query): the other cases run on the three other engines only
@pytest.mark.parametrize(
    ("engine", "case"),
    [
        pytest.param(engine, case, id=f"{_id(case)}-{engine}")
        for case in CASES
        for engine in ("duckdb", "sqlite", "postgres", "spark")
        if engine != "spark" or case[0] == "month"
    ],
)
def test_conversion_counts_match_python(
    engine: str, case: tuple[Any, ...], vocab: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"vocab_{engine}")
    grain, segments, since, until = case
    names = list(CONVERSIONS)
    options = QueryOptions(grain=Grain(grain), segments=segments, since=since, until=until)
    want = Vocab(grain, segments).table(names, since, until)
    assert_rows(run(compile_metrics(vocab, names, engine, options)), want, 1 + len(segments))


def test_the_count_is_the_rate_times_the_entities() -> None:
    """The data converts often enough to matter, and never within a second of the window's end
    (so the count does not depend on whether the end is inclusive)."""
    rows = Vocab("month").table(["signups", "ordered_within_14d", "order_rate_14d"])
    assert sum(r[2] for r in rows) > 30
    assert any(r[2] == 0 and r[1] > 0 for r in rows)
    for customer in CUSTOMERS:
        end = customer["signed_up_at"] + WITHIN
        for t in ORDER_TIMES.get(customer["customer_id"] or "", []):
            assert abs(t - end) > dt.timedelta(seconds=1)  # no event on a window's edge
