"""Targets: every metric renders for every dialect and parses back; the date arithmetic each
target spells its own way is right (checked by running it, via sqlglot, on DuckDB); the tree is
built once per metric and shared, never changed by rendering."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from typing import Any

import duckdb
import pytest
import sqlglot
from compile_data import PROJECT
from compile_reference import period_of, shift
from sqlglot import exp

import nsmcode.compile.build
from nsmcode.compile import (
    TARGETS,
    QueryOptions,
    build_expression,
    compile_metric,
    compile_metrics,
    render,
)
from nsmcode.compile.expressions import (
    PeriodStart,
    ShiftDate,
    ShiftTimestamp,
    cast,
    number,
    unit,
)
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project, load_project

GRAINS = [Grain.DAY, Grain.WEEK, Grain.MONTH, Grain.QUARTER]
MOMENTS = [
    dt.datetime(2026, 3, 29, 23, 59, 59),  # Sunday, last second of a week and of Q1's March
    dt.datetime(2026, 3, 30, 0, 0, 0),  # Monday
    dt.datetime(2026, 3, 31, 23, 59, 59),
    dt.datetime(2026, 4, 1, 0, 0, 0),  # a quarter starts
    dt.datetime(2025, 12, 31, 23, 59, 59),  # a year ends on a Wednesday
    dt.datetime(2026, 1, 4, 12, 0, 0),  # Sunday of ISO week 1
]
# targets whose spellings sqlglot can translate to DuckDB faithfully enough to execute them
TRANSLATABLE = ["duckdb", "postgres", "snowflake", "bigquery", "redshift", "spark", "databricks"]
TRANSLATABLE += ["trino", "tsql"]


def test_every_target_is_registered() -> None:
    assert list(TARGETS) == list(DIALECTS)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_metric_and_option_renders_and_parses_back(project: Project, dialect: str) -> None:
    for name in project.metrics:
        for options in (
            QueryOptions(),
            QueryOptions(grain=Grain.DAY, segments=("plan",), until=dt.date(2026, 5, 31)),
        ):
            if name == "revenue_mtd" and options.grain is None:
                continue
            if name == "probe_rolling_hours" and options.grain is Grain.DAY:
                continue  # `window: 6 hours` per day is C046 (test_compile_windows.py)
            sql = compile_metric(project, name, dialect, options)
            tree = sqlglot.parse_one(sql, read=dialect)
            assert isinstance(tree, exp.Select), (name, dialect)


@pytest.mark.parametrize("dialect", TRANSLATABLE)
@pytest.mark.parametrize("grain", GRAINS)
def test_period_start_and_shift_mean_the_same(dialect: str, grain: Grain) -> None:
    """Each target's spelling of 'start of the period' (weeks from Monday) and 'n periods
    later', translated to DuckDB by sqlglot and run there, gives the Python answer."""
    target = TARGETS[dialect]
    con = duckdb.connect()
    for moment in MOMENTS:
        stamp = cast(exp.Literal.string(moment.isoformat(sep=" ")), "TIMESTAMP")
        start = PeriodStart(this=stamp, unit=unit(grain.value))
        query = exp.select(
            exp.alias_(start, "p"),
            exp.alias_(
                ShiftDate(this=start.copy(), expression=number(-2), unit=unit(grain.value)), "q"
            ),
            exp.alias_(ShiftTimestamp(this=stamp.copy(), expression=number(7)), "t"),
        )
        sql = target.generator_class()(dialect=dialect).generate(query)
        translated = sqlglot.transpile(sql, read=dialect, write="duckdb")[0]
        outer = f"SELECT p, q, CAST(t AS VARCHAR) FROM ({translated})"  # no tz objects
        p, q, t = con.execute(outer).fetchone() or (None, None, None)
        got = [_date(p), _date(q), t]
        want = period_of(moment.date(), grain.value)
        assert got[:2] == [want, shift(want, -2, grain.value)], (sql, translated)
        later = moment + dt.timedelta(days=7)
        assert str(got[2])[:19] == later.isoformat(sep=" "), (sql, translated)


def _date(value: Any) -> Any:
    """A period start: a DATE (a midnight timestamp would be a target returning the wrong type,
    but sqlglot's translation may widen dates, so accept it)."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


WEEK_SPELLINGS = {
    "duckdb": "DATE_TRUNC('week'",
    "postgres": "DATE_TRUNC('week', CAST(",
    "snowflake": "DAYOFWEEKISO(",
    "bigquery": "ISOWEEK)",
    "redshift": "DATE_TRUNC('week'",
    "databricks": "DATE_TRUNC('week'",
    "spark": "DATE_TRUNC('week'",
    "trino": "DATE_TRUNC('week'",
    "clickhouse": "toMonday(",
    "mysql": "WEEKDAY(",
    "sqlite": "'weekday 0', '-6 days'",
    "tsql": "CAST('1900-01-01' AS DATE)",
}
CALENDARS = {
    "duckdb": "WITH RECURSIVE",
    "postgres": "WITH RECURSIVE",
    "sqlite": "WITH RECURSIVE",
    "mysql": "SET_VAR(cte_max_recursion_depth",
    "tsql": "MAXRECURSION 0",
    "bigquery": "GENERATE_DATE_ARRAY(",
    "spark": "EXPLODE(SEQUENCE(",
    "databricks": "EXPLODE(SEQUENCE(",
    "trino": "UNNEST(SEQUENCE(",
    "snowflake": "nsm_digits",
    "redshift": "nsm_digits",
    "clickhouse": "nsm_digits",
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_target_spellings(project: Project, dialect: str) -> None:
    """The documented per-target choices are the ones emitted (see targets.py)."""
    options = QueryOptions(grain=Grain.WEEK, segments=("plan",))
    sql = compile_metric(project, "active_accounts_28d", dialect, options)
    assert WEEK_SPELLINGS[dialect] in sql
    assert CALENDARS[dialect] in sql
    if dialect in ("redshift", "tsql"):
        assert "IS NOT DISTINCT FROM" not in sql and "IS NULL AND" in sql
    if dialect == "clickhouse":
        assert "join_use_nulls = 1" in sql and "minOrNull(" in sql
    if dialect == "bigquery":  # DATE_TRUNC(x, WEEK) would start weeks on Sunday
        assert re.search(r"DATE_TRUNC\([^)]*\), WEEK\)", sql) is None


def test_tree_built_once_and_never_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    project = load_project(PROJECT)
    calls: list[str] = []
    original = nsmcode.compile.build.build

    def counting(*args: Any) -> Any:
        calls.append("build")
        return original(*args)

    monkeypatch.setattr(nsmcode.compile.build, "build", counting)
    first = {d: compile_metric(project, "calls_index", d) for d in DIALECTS}
    again = {d: compile_metric(project, "calls_index", d) for d in reversed(DIALECTS)}
    assert calls == ["build"] and first == again
    tree = build_expression(project, "calls_index")
    assert tree is build_expression(project, "calls_index")
    snapshot = tree.sql()
    assert render(tree, "tsql") == first["tsql"] and tree.sql() == snapshot
    assert compile_metrics(project, ["calls", "signups"], "duckdb", QueryOptions(grain=Grain.DAY))
    assert len(calls) == 2


def test_output_is_deterministic_across_loads() -> None:
    one, two = load_project(PROJECT), load_project(PROJECT)
    for name in ("integration_points", "retention_2", "calls_index"):
        for dialect in ("snowflake", "clickhouse"):
            assert compile_metric(one, name, dialect) == compile_metric(two, name, dialect)


def test_importing_the_api_does_not_import_sqlglot() -> None:
    code = (
        "import sys; from nsmcode.compile import compile_metric, QueryOptions, CompileError; "
        "assert 'sqlglot' not in sys.modules, 'sqlglot imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tsql_has_no_boolean_values(project: Project) -> None:
    """T-SQL has bits, not booleans: FALSE as a value is 0, a bare flag is compared with 0."""
    sql = compile_metric(project, "open_region_calls", "tsql")
    assert "COALESCE(regions.blocked, 0) = 0" in sql
    sql = compile_metric(project, "active_accounts", "tsql")
    assert "NOT accounts.is_test <> 0" in sql
