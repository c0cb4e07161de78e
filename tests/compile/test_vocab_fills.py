"""`fill_nulls_with`, compiled and executed on DuckDB, SQLite, PostgreSQL and Spark, equal to
plain Python (vocab_reference.py): empty periods and NULL values read the constant, and metrics
built on a filled metric read the filled value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
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
from vocab_reference import FILLS, Vocab

from nsmcode.compile import QueryOptions, compile_metrics
from nsmcode.diagnostics import InputError
from nsmcode.models import Grain
from nsmcode.project import Project, load_project

CASES: list[tuple[str, tuple[str, ...], dt.date | None, dt.date | None]] = [
    ("day", (), dt.date(2025, 2, 20), dt.date(2025, 3, 20)),
    ("week", (), None, None),
    ("month", ("status",), None, None),
    ("quarter", (), dt.date(2023, 1, 1), None),
]


@pytest.fixture(scope="module")
def vocab() -> Project:
    return load_project(PROJECT)


def _id(case: tuple[Any, ...]) -> str:
    grain, segments, since, until = case
    return "-".join([grain, *segments, *([f"{since}..{until}"] if since or until else [])])


# Spark runs two of the cases (seconds per query); the others run on the other three engines
@pytest.mark.parametrize(
    ("engine", "case"),
    [
        pytest.param(engine, case, id=f"{_id(case)}-{engine}")
        for case in CASES
        for engine in ("duckdb", "sqlite", "postgres", "spark")
        if engine != "spark" or case[0] not in ("day", "quarter")
    ],
)
def test_fills_match_python(
    engine: str, case: tuple[Any, ...], vocab: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"vocab_{engine}")
    grain, segments, since, until = case
    names = list(FILLS)
    options = QueryOptions(grain=Grain(grain), segments=segments, since=since, until=until)
    want = Vocab(grain, segments).table(names, since, until)
    assert_rows(run(compile_metrics(vocab, names, engine, options)), want, 1 + len(segments))


def test_the_cases_reach_empty_and_null_periods(vocab: Project) -> None:
    """The data gives the fills something to do: empty weeks, NULL averages, a 0/0 share."""
    rows = Vocab("week").table(["orders", "average_order", "orders_or_minus_one"])
    assert any(r[1] == 0 and r[3] == -1 for r in rows)
    day = Vocab("day").table(["average_or_zero", "paid_share"], dt.date(2025, 2, 20))
    assert any(r[1] == 0 for r in day) and any(r[2] == 0.5 for r in day)


WriteProject = Callable[..., Path]


@pytest.mark.parametrize(
    ("value", "message"),
    [("'0'", "fill_nulls_with"), ("true", "fill_nulls_with"), (".nan", "fill_nulls_with")],
)
def test_a_fill_is_a_number(value: str, message: str, write_project: WriteProject) -> None:
    text = (
        "version: 1\nsources:\n  - name: s\n    table: s\n    time_column: t\n"
        "    columns: [{name: t, type: timestamp}]\nmetrics:\n  - name: m\n    source: s\n"
        f"    calculation: {{type: count}}\n    fill_nulls_with: {value}\n"
    )
    root = write_project({"metrics/m.yaml": text})
    with pytest.raises(InputError) as info:
        load_project(root)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "E004" and message in diagnostic.message, diagnostic.render()
    assert str(diagnostic.span).endswith("metrics/m.yaml:11:22"), diagnostic.render()
    assert diagnostic.hint, diagnostic.render()
