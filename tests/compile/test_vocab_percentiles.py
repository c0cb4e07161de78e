"""Percentiles (`type: percentile`), compiled and executed on DuckDB, SQLite, PostgreSQL and
Spark, equal to PERCENTILE_CONT computed in plain Python (vocab_reference.py), and equal to the
engines' own exact functions where they have one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from compile_engines import Runner
from test_compile_execution import assert_rows, same
from vocab_data import PROJECT
from vocab_engines import (  # noqa: F401  (fixtures)
    vocab_duckdb,
    vocab_postgres,
    vocab_spark,
    vocab_sqlite,
)
from vocab_reference import PERCENTILES, Vocab

from nsmcode.compile import CompileError, QueryOptions, compile_metric, compile_metrics
from nsmcode.diagnostics import InputError
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project, load_project

CASES: list[tuple[str, tuple[str, ...], dt.date | None, dt.date | None]] = [
    ("day", (), dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
    ("week", ("status",), None, None),
    ("month", (), None, None),
    ("quarter", ("status",), None, None),
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
def test_percentiles_match_python(
    engine: str, case: tuple[Any, ...], vocab: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"vocab_{engine}")
    grain, segments, since, until = case
    names = [*PERCENTILES, "orders"]
    options = QueryOptions(grain=Grain(grain), segments=segments, since=since, until=until)
    want = Vocab(grain, segments).table(names, since, until)
    assert_rows(run(compile_metrics(vocab, names, engine, options)), want, 1 + len(segments))


def test_the_data_has_ties_nulls_and_single_values() -> None:
    rows = Vocab("day").table(["orders", "median_amount"], dt.date(2024, 1, 1))
    assert any(r[1] == 1 and r[2] is not None for r in rows)  # one order: its amount
    assert any(r[1] == 0 and r[2] is None for r in rows)  # no order: NULL


def test_duckdb_and_postgres_exact_functions_agree(
    vocab: Project, vocab_duckdb: Runner, vocab_postgres: Runner  # noqa: F811
) -> None:
    """The portable query equals quantile_cont (DuckDB) and percentile_cont (PostgreSQL)."""
    sql = compile_metric(vocab, "p90_amount", "duckdb", QueryOptions(grain=Grain.MONTH))
    ours = {r[0]: r[1] for r in vocab_duckdb(sql)}
    native = vocab_duckdb(
        "SELECT CAST(DATE_TRUNC('month', ordered_at) AS DATE), quantile_cont(amount, 0.9) "
        "FROM vocab_orders GROUP BY 1"
    )
    assert native and all(same(ours[m], v) for m, v in native)
    pg = vocab_postgres(
        "SELECT CAST(DATE_TRUNC('month', ordered_at) AS DATE), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY amount) FROM vocab_orders GROUP BY 1"
    )
    assert pg and all(same(ours[m], v) for m, v in pg)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_target_compiles_a_percentile(dialect: str, vocab: Project) -> None:
    sql = compile_metric(vocab, "median_amount", dialect)
    assert "ROW_NUMBER()" in sql.upper()


WriteProject = Callable[..., Path]
BASE = (
    "version: 1\nsources:\n  - name: s\n    table: s\n    time_column: t\n"
    "    columns: [{name: t, type: timestamp}, {name: x, type: number}]\nmetrics:\n"
    "  - name: m\n    source: s\n    calculation: {type: percentile, column: x, percentile: P}\n"
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.5", "less than or equal to 1"),
        ("-0.1", "greater than or equal to 0"),
        ("0.1234567", "6 decimal places"),
    ],
)
def test_a_percentile_is_between_0_and_1(
    value: str, message: str, write_project: WriteProject
) -> None:
    root = write_project({"metrics/m.yaml": BASE.replace("P", value)})
    with pytest.raises(InputError) as info:
        load_project(root)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "E004" and message in diagnostic.message, diagnostic.render()
    assert str(diagnostic.span).endswith("metrics/m.yaml:10:60") and diagnostic.hint


def test_a_cumulative_percentile_is_c042(write_project: WriteProject) -> None:
    text = BASE.replace("P", "0.5") + (
        "  - name: rolling\n    calculation: {type: cumulative, metric: m, window: 28 days}\n"
    )
    project = load_project(write_project({"metrics/m.yaml": text}))
    with pytest.raises(CompileError) as info:
        compile_metric(project, "rolling", "duckdb")
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "C042" and diagnostic.hint
    assert str(diagnostic.span).endswith("metrics/m.yaml:12:45"), diagnostic.render()
