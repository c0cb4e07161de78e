"""Balances (`type: balance`), compiled and executed on DuckDB, SQLite, PostgreSQL and Spark,
equal to plain Python (vocab_reference.py): each entity's last (or first) observation in the
period, NULLs skipped, ties broken by the larger value, summed across entities."""

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
from vocab_reference import BALANCES, Vocab

from nsmcode.compile import CompileError, QueryOptions, compile_metric, compile_metrics
from nsmcode.models import Grain
from nsmcode.project import Project, load_project

CASES: list[tuple[str, tuple[str, ...], dt.date | None, dt.date | None]] = [
    ("day", (), dt.date(2024, 2, 1), dt.date(2024, 3, 31)),
    ("week", ("plan",), None, None),
    ("month", (), None, None),
    ("quarter", ("plan",), dt.date(2022, 1, 1), None),
]


@pytest.fixture(scope="module")
def vocab() -> Project:
    return load_project(PROJECT)


def _id(case: tuple[Any, ...]) -> str:
    grain, segments, since, until = case
    return "-".join([grain, *segments, *([f"{since}..{until}"] if since or until else [])])


# Spark runs two cases (seconds per query): the other cases run on the three other engines only
@pytest.mark.parametrize(
    ("engine", "case"),
    [
        pytest.param(engine, case, id=f"{_id(case)}-{engine}")
        for case in CASES
        for engine in ("duckdb", "sqlite", "postgres", "spark")
        if engine != "spark" or case[0] in ("week", "month")
    ],
)
def test_balances_match_python(
    engine: str, case: tuple[Any, ...], vocab: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"vocab_{engine}")
    grain, segments, since, until = case
    names = [n for n in BALANCES if grain != "day" or n != "mrr_yoy"]
    options = QueryOptions(grain=Grain(grain), segments=segments, since=since, until=until)
    want = Vocab(grain, segments).table(names, since, until)
    assert_rows(run(compile_metrics(vocab, names, engine, options)), want, 1 + len(segments))


def test_the_end_of_february_skips_a_null_observation(
    vocab: Project, vocab_duckdb: Runner  # noqa: F811
) -> None:
    """c001's last observation of February 2024 has no MRR: its 77.0 of the 28th counts."""
    rows = Vocab("month").table(["mrr"])
    month = {r[0]: r[1] for r in rows}
    sql = compile_metric(vocab, "mrr", "duckdb", QueryOptions(grain=Grain.MONTH))
    got = {r[0]: r[1] for r in vocab_duckdb(sql)}
    assert got[dt.date(2024, 2, 1)] == month[dt.date(2024, 2, 1)]
    sql = (
        "SELECT mrr, observed_at FROM vocab_subscriptions WHERE customer_id = "
        "'c001' AND observed_at >= '2024-02-01' AND observed_at < '2024-03-01' "
        "AND mrr IS NOT NULL ORDER BY observed_at DESC, mrr DESC LIMIT 1"
    )
    assert vocab_duckdb(sql)[0][0] == 77.0


def test_a_week_is_not_the_sum_of_its_days() -> None:
    """Non-additive over time: the month's balance is not the sum of its weeks' balances."""
    weeks = Vocab("week").table(["mrr"])
    months = Vocab("month").table(["mrr"])
    march = next(v for p, v in months if p == dt.date(2024, 3, 1))
    in_march = sum(v for p, v in weeks if dt.date(2024, 3, 1) <= p < dt.date(2024, 4, 1))
    assert march and in_march and march != in_march


WriteProject = Callable[..., Path]


def test_a_balance_needs_the_entity_and_is_not_accumulated(write_project: WriteProject) -> None:
    text = (
        "version: 1\nsources:\n  - name: s\n    table: s\n    time_column: t\n"
        "    entities: [{name: who, column: w}]\n"
        "    columns: [{name: t, type: timestamp}, {name: x, type: number}, "
        "{name: w, type: string}]\nmetrics:\n"
        "  - name: m\n    source: s\n    calculation: {type: balance, column: x, entity: who}\n"
        "  - name: rolling\n    calculation: {type: cumulative, metric: m}\n"
        "  - name: bad\n    source: s\n    calculation: {type: balance, column: x, entity: it}\n"
    )
    project = load_project(write_project({"metrics/m.yaml": text}))
    compile_metric(project, "m", "duckdb")
    with pytest.raises(CompileError) as info:
        compile_metric(project, "bad", "duckdb")
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "C032" and "declares no entity 'it'" in diagnostic.message
    assert str(diagnostic.span).endswith("metrics/m.yaml:16:53"), diagnostic.render()
    with pytest.raises(CompileError) as info:
        compile_metric(project, "rolling", "duckdb")
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "C042" and diagnostic.hint
    assert str(diagnostic.span).endswith("metrics/m.yaml:13:45"), diagnostic.render()
