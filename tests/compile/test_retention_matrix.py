"""The cohort retention matrix of a retention metric, executed on DuckDB, SQLite, PostgreSQL and
Spark, equals the matrix computed in plain Python from the f_* tables: per cohort period (each
user's first signup), the cohort's size and the share active (a call) k periods later, NULL for
periods after the last activity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlglot
from compile_engines import Runner
from funnel_reference import METRIC_ROWS, PROJECT, period_of
from test_compile_execution import assert_rows

from nsmcode.compile import CompileError
from nsmcode.compile.retention_matrix import MatrixOptions, compile_retention_matrix
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project, load_project

CASES = [
    ("week", 6, None, None),
    ("month", 3, None, None),
    ("day", 10, dt.date(2026, 3, 2), dt.date(2026, 3, 20)),
    ("fiscal_quarter", 2, None, None),  # the fixture's fiscal year starts in February
]


def matrix(cohort: str, periods: int, since: Any, until: Any) -> list[tuple[Any, ...]]:
    def shift(start: dt.date, k: int) -> dt.date:
        day = start
        for _ in range(k):
            step = {"month": 32, "quarter": 93, "fiscal_quarter": 93, "year": 366}.get(cohort, 1)
            day = period_of(day + dt.timedelta(days=step), cohort)
            if cohort == "week":
                day = start + dt.timedelta(weeks=k)
                break
        return day

    first: dict[str, dt.date] = {}
    for e in METRIC_ROWS["signups"]():
        if e.keys["user"] is None:
            continue
        period = period_of(e.ts.date(), cohort)
        first[e.keys["user"]] = min(first.get(e.keys["user"], period), period)
    active = {
        (e.keys["user"], period_of(e.ts.date(), cohort))
        for e in METRIC_ROWS["calls"]()
        if e.keys["user"] is not None
    }
    last = max(p for _, p in active)
    later_periods = (period_of(since + dt.timedelta(days=d), cohort) for d in range(40))
    lo = since and min(p for p in later_periods if p >= since)
    hi = until and period_of(until, cohort)
    out = []
    for period in sorted(set(first.values())):
        if (lo and period < lo) or (hi and period > hi):
            continue
        members = [u for u, p in first.items() if p == period]
        row: list[Any] = [period, len(members)]
        for k in range(periods + 1):
            later = shift(period, k)
            share = sum((u, later) in active for u in members) / len(members)
            row.append(None if later > last else share)
        out.append(tuple(row))
    return out


@pytest.fixture(scope="module")
def funnels() -> Project:
    return load_project(PROJECT)


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "postgres"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matrix_matches_python(
    engine: str, case: tuple[Any, ...], funnels: Project, request: pytest.FixtureRequest
) -> None:
    cohort, periods, since, until = case
    options = MatrixOptions(Grain(cohort), periods, since, until)
    run: Runner = request.getfixturevalue(f"{engine}_run")
    want = matrix(cohort, periods, since, until)
    assert want and any(v not in (None, 0.0) for row in want for v in row[3:])
    got = run(compile_retention_matrix(funnels, "user_retention", engine, options))
    assert_rows(got, want, 1)


def test_matrix_on_spark(funnels: Project, spark_run: Runner) -> None:
    options = MatrixOptions(Grain.WEEK, 6)
    got = spark_run(compile_retention_matrix(funnels, "user_retention", "spark", options))
    assert_rows(got, matrix("week", 6, None, None), 1)


def test_every_target_parses_and_misuse_is_located(funnels: Project) -> None:
    for dialect in DIALECTS:
        sql = compile_retention_matrix(funnels, "user_retention", dialect, MatrixOptions(periods=4))
        sqlglot.parse_one(sql, read=dialect)
    with pytest.raises(CompileError) as caught:
        compile_retention_matrix(funnels, "calls", "duckdb")
    (problem,) = caught.value.diagnostics
    assert problem.code == "C066" and problem.span is not None and problem.hint
