"""Breakdowns (what `nsmcode compile` writes for a metric declaring `segments:`): one query with the
series over all rows (breakdown '') and one per segment, each equal to the metric queried alone
or by that one segment, executed on every engine against the Python reference."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import pytest
from compile_engines import Runner
from compile_reference import Reference
from compile_time import ENGINES
from test_compile_execution import assert_rows

from nsmcode.compile import QueryOptions, compile_file, compile_metric
from nsmcode.models import Grain
from nsmcode.project import Project, load_project

SEGMENTS = ("plan", "developer_segment")
METRICS = ("integration_points", "error_rate", "activation_7d", "active_accounts_28d")
RETENTION = "retention_2"


@functools.cache
def expected(name: str, grain: str) -> list[tuple[Any, ...]]:
    """(period, breakdown, plan, developer_segment, value), ordered as the SQL orders them."""
    rows = [(r[0], "", None, None, r[1]) for r in Reference(grain, ()).series(name)]
    for i, segment in enumerate(SEGMENTS):
        for period, value, value_col in (
            (r[0], r[1], r[2]) for r in Reference(grain, (segment,)).series(name)
        ):
            cells: list[Any] = [None, None]
            cells[i] = value
            rows.append((period, segment, *cells, value_col))

    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return (row[0], row[1], *((v is None, v or "") for v in row[2:4]))

    return sorted(rows, key=key)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", [*METRICS, RETENTION])
def test_breakdown_matches_python(
    engine: str, name: str, project: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"{engine}_run")
    options = QueryOptions(grain=Grain.WEEK, segments=SEGMENTS, breakdown=True)
    assert_rows(run(compile_metric(project, name, engine, options)), expected(name, "week"), 4)


def test_compiled_file_carries_the_declared_segments(project: Project) -> None:
    """A metric declaring segments compiles to its breakdowns; others to the plain query."""
    assert compile_file(project, "x_signups", "duckdb") == compile_metric(
        project, "x_signups", "duckdb"
    )
    example = load_project(Path(__file__).resolve().parents[2] / "examples" / "metrics")
    star = example.metrics["weekly_active_integration_points"]
    assert star.segments == ("plan", "developer_segment")
    options = QueryOptions(segments=star.segments, breakdown=True)
    for dialect in ("duckdb", "tsql"):
        sql = compile_file(example, star.name, dialect)
        assert sql == compile_metric(example, star.name, dialect, options)
        assert "AS breakdown" in sql and "AS plan" in sql


def test_breakdown_column_names_cannot_collide(project: Project) -> None:
    from nsmcode.compile import CompileError

    with pytest.raises(CompileError) as caught:
        options = QueryOptions(segments=("breakdown",), breakdown=True)
        compile_metric(project, "calls", "duckdb", options)
    assert caught.value.diagnostics[0].code in ("C030", "C035")


def test_breakdown_of_a_total(project: Project, duckdb_run: Runner) -> None:
    options = QueryOptions(segments=SEGMENTS, breakdown=True, until=dt.date(2026, 5, 31))
    rows = duckdb_run(compile_metric(project, "calls_2w", "duckdb", options))
    overall = [r for r in rows if r[1] == ""]
    assert len(overall) == 1 and len({r[0] for r in rows}) == 1
