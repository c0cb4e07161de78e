"""Whatever cannot be compiled with its meaning intact is a located C0xx diagnostic: user SQL that
reads undeclared columns or goes beyond the allow-list, calculations on the wrong kind of metric,
unreachable segments, and targets that would give a condition another meaning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nsmcode.compile import CompileError, QueryOptions, compile_metric, compile_metrics
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project, load_project

WriteProject = Callable[..., Path]  # the `write_project` fixture of tests/conftest.py

SOURCES = """\
version: 1
sources:
  - name: accounts
    table: accounts
    time_column: created_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string}
      - {name: created_at, type: timestamp}
      - {name: plan, type: string}
      - {name: is_test, type: boolean}
    dimensions: [plan]
  - name: events
    table: events
    time_column: called_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string}
      - {name: called_at, type: timestamp}
      - {name: endpoint, type: string}
      - {name: environment, type: string}
    dimensions: [endpoint]
    joins: [{source: accounts, column: account_id}]
  - name: lookup
    table: lookup
    columns:
      - {name: code, type: string}
    dimensions: [code]
"""
BASE = """\
  - {name: calls, source: events, calculation: {type: count}}
  - {name: signups, source: accounts, calculation: {type: count}, grain: month}
  - {name: codes, source: lookup, calculation: {type: count}}
"""


def _project(
    write_project: WriteProject, metrics: str, qualifiers: str = ""
) -> tuple[Project, Path]:
    text = "version: 1\n"
    if qualifiers:
        text += "qualifiers:\n" + qualifiers
    text += "metrics:\n" + BASE + metrics
    root = write_project({"metrics/sources.yaml": SOURCES, "metrics/metrics.yaml": text})
    return load_project(root), root / "metrics" / "metrics.yaml"


def _line(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def _error(project: Project, name: str, target: str = "duckdb", **options: Any) -> CompileError:
    with pytest.raises(CompileError) as caught:
        compile_metric(project, name, target, QueryOptions(**options))
    return caught.value


QUALIFIER_CASES = [
    ("enviroment = 'production'", "C011", "column 'enviroment' is not declared"),
    ("users.flag = 1", "C011", "source 'users' is not 'events' or a source it joins"),
    ("accounts.nope", "C011", "column 'nope' is not declared in source accounts"),
    ("lookup.code = 'x'", "C011", "source 'lookup' is not 'events'"),
    ("account_id IN (SELECT account_id FROM x)", "C012", "a subquery is not allowed"),
    ("environment = 'p'; DROP TABLE events", "C012", "single expression, not 2 statements"),
    ("called_at > CURRENT_DATE", "C012", "function CURRENT_DATE"),
    ("RANDOM() < 0.5", "C012", "function RAND"),
    ("my_udf(endpoint)", "C012", "function MY_UDF"),
    ("environment || 'x' = 'px'", "C012", "`environment || 'x'` is not allowed"),
    ("CAST(endpoint AS ARRAY<INT>) IS NULL", "C012", "cast to"),
    ("environment = = 'x'", "C010", "does not parse"),
]


@pytest.mark.parametrize(("condition", "code", "message"), QUALIFIER_CASES)
def test_qualifier_problems_are_located(
    write_project: WriteProject, condition: str, code: str, message: str
) -> None:
    qualifiers = f'  - {{name: q, condition: "{condition}", reason: because}}\n'
    metric = "  - {name: m, source: events, calculation: {type: count}, qualifiers: [q]}\n"
    project, path = _project(write_project, metric, qualifiers)
    error = _error(project, "m")
    [diagnostic] = error.diagnostics
    assert diagnostic.code == code
    assert message in diagnostic.message
    assert diagnostic.span is not None
    assert diagnostic.span.file.endswith("metrics.yaml")
    assert diagnostic.span.line == _line(path, "condition:")


def test_metric_filter_problem_points_at_the_filter(write_project: WriteProject) -> None:
    metric = (
        "  - name: m\n    source: events\n    calculation: {type: count}\n"
        "    filter: endpoint = 'x' AND secret_column = 1\n"
    )
    project, path = _project(write_project, metric)
    [diagnostic] = _error(project, "m").diagnostics
    assert (diagnostic.code, diagnostic.span and diagnostic.span.line) == (
        "C011",
        _line(path, "filter:"),
    )
    assert "secret_column" in diagnostic.message


def test_every_problem_of_a_condition_is_reported(write_project: WriteProject) -> None:
    metric = (
        "  - name: m\n    source: events\n    calculation: {type: count}\n"
        "    filter: a = 1 AND b = 2 AND RANDOM() > 0\n"
    )
    project, _ = _project(write_project, metric)
    codes = sorted(d.code for d in _error(project, "m").diagnostics)
    assert codes == ["C011", "C011", "C012"]


DERIVED_CASES = [
    ("calls + SQRT(calls)", "function SQRT"),
    ("calls || 'x'", "`calls || 'x'` is not allowed"),
    ("calls + 'x'", "string 'x' is not a number"),
    ("ROUND(calls, calls)", "ROUND's digits must be an integer literal"),
    ("CASE WHEN calls > 0 THEN 1 END", "CASE"),
]


@pytest.mark.parametrize(("expression", "message"), DERIVED_CASES)
def test_derived_expression_problems(
    write_project: WriteProject, expression: str, message: str
) -> None:
    metric = f'  - {{name: m, calculation: {{type: derived, expression: "{expression}"}}}}\n'
    project, path = _project(write_project, metric)
    [diagnostic, *_] = _error(project, "m").diagnostics
    assert diagnostic.code == "C020"
    assert message in diagnostic.message
    assert diagnostic.span and diagnostic.span.line == _line(path, "name: m,")


def test_calculations_on_the_wrong_kind_of_metric(write_project: WriteProject) -> None:
    metrics = (
        "  - {name: r, calculation: {type: ratio, numerator: calls, denominator: signups}}\n"
        "  - name: c\n    calculation: {type: cumulative, metric: r, window: 7 days}\n"
        "  - name: mtd\n    calculation: {type: cumulative, metric: calls, period_to_date: month}\n"
        "    grain: week\n"  # a period-to-date total needs periods (C038)
    )
    project, path = _project(write_project, metrics)
    [diagnostic] = _error(project, "c").diagnostics
    assert diagnostic.code == "C032" and "must aggregate rows" in diagnostic.message
    assert diagnostic.span and diagnostic.span.line == _line(path, "metric: r,")
    [diagnostic] = _error(project, "mtd", grain=Grain.QUARTER).diagnostics
    assert diagnostic.code == "C034"
    assert diagnostic.span and diagnostic.span.line == _line(path, "period_to_date: month")
    assert compile_metric(project, "mtd", "duckdb", QueryOptions(grain=Grain.WEEK))


def test_source_without_time_column(write_project: WriteProject) -> None:
    project, path = _project(write_project, "")
    [diagnostic] = _error(project, "codes").diagnostics
    assert diagnostic.code == "C033"
    assert diagnostic.span and diagnostic.span.line == _line(path, "name: codes")


def test_segments_must_be_reachable_from_every_source(write_project: WriteProject) -> None:
    metrics = (
        "  - {name: r, calculation: {type: ratio, numerator: calls, denominator: signups}}\n"
        "  - {name: s, source: events, calculation: {type: count}, segments: [endpoint]}\n"
    )
    project, _ = _project(write_project, metrics)
    assert compile_metric(project, "calls", "duckdb", QueryOptions(segments=("plan",)))
    [diagnostic] = _error(project, "r", segments=("endpoint",)).diagnostics
    assert diagnostic.code == "C030" and "source 'accounts'" in diagnostic.message
    [diagnostic] = _error(project, "calls", segments=("nope",)).diagnostics
    assert diagnostic.code == "C030"


def test_several_metrics_need_one_grain_and_distinct_names(write_project: WriteProject) -> None:
    project, _ = _project(write_project, "")
    with pytest.raises(CompileError) as caught:
        compile_metrics(project, ["calls", "signups"], "duckdb")
    assert caught.value.diagnostics[0].code == "C031"
    assert compile_metrics(project, ["calls", "signups"], "duckdb", QueryOptions(grain=Grain.DAY))
    with pytest.raises(CompileError) as caught:
        compile_metrics(project, ["calls", "calls"], "duckdb")
    assert caught.value.diagnostics[0].code == "C035"
    [diagnostic] = _error(project, "calls", segments=("plan", "plan")).diagnostics
    assert diagnostic.code == "C035" and diagnostic.span is not None


def test_unknown_metric_and_target(write_project: WriteProject) -> None:
    project, _ = _project(write_project, "")
    assert _error(project, "nope").diagnostics[0].code == "C001"
    error = _error(project, "calls", target="oracle")
    assert error.diagnostics[0].code == "C002" and "duckdb" in (error.diagnostics[0].hint or "")


CASE_INSENSITIVE_LIKE = {"mysql", "sqlite", "tsql"}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_like_compiles_only_where_it_keeps_its_meaning(
    write_project: WriteProject, dialect: str
) -> None:
    """LIKE is case-sensitive on most warehouses and case-insensitive by default on MySQL, SQLite
    and SQL Server: there, compiling it would change the metric, so it is refused (C040);
    ILIKE (made explicit as LOWER(..) LIKE LOWER(..)) means the same everywhere."""
    metrics = (
        "  - name: m\n    source: events\n    calculation: {type: count}\n"
        "    filter: endpoint LIKE '/v1/%'\n"
        "  - name: i\n    source: events\n    calculation: {type: count}\n"
        "    filter: endpoint ILIKE '/V1/%'\n"
    )
    project, path = _project(write_project, metrics)
    assert "LOWER(" in compile_metric(project, "i", dialect).upper()
    if dialect not in CASE_INSENSITIVE_LIKE:
        assert "LIKE '/v1/%'" in compile_metric(project, "m", dialect)
        return
    [diagnostic] = _error(project, "m", target=dialect).diagnostics
    assert diagnostic.code == "C040" and "case-insensitive" in diagnostic.message
    assert diagnostic.span and diagnostic.span.line == _line(path, "LIKE '/v1/%'")


def test_divisions_in_conditions_are_float_divisions(write_project: WriteProject) -> None:
    """`a / b` in a filter divides as floats on every engine, NULL for b = 0."""
    metric = (
        "  - name: m\n    source: events\n    calculation: {type: count}\n"
        "    filter: LENGTH(endpoint) / 2 > 1\n"
    )
    project, _ = _project(write_project, metric)
    assert _error(project, "m").diagnostics[0].code == "C012"  # LENGTH: not on the allow-list
    metric = (
        "  - name: n\n    source: events\n    calculation: {type: count}\n    filter: 3 / 2 > 1\n"
    )
    project, _ = _project(write_project, metric)
    sql = compile_metric(project, "n", "postgres", QueryOptions(since=dt.date(2026, 1, 1)))
    assert "CAST(3 AS DOUBLE PRECISION) / NULLIF(CAST(2 AS DOUBLE PRECISION), 0) > 1" in sql


def test_every_code_used_is_documented() -> None:
    import re

    from nsmcode.compile.errors import CODES

    package = Path(__file__).resolve().parents[2] / "nsmcode" / "compile"
    files = [f for f in package.glob("*.py") if f.name != "errors.py"]
    used = {m for f in files for m in re.findall(r'"(C0\d\d)"', f.read_text())}
    assert used == set(CODES)
