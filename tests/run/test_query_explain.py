"""`query --explain` prints the SQL for the connection's dialect and runs nothing, for every kind
of query: metrics, a saved query, a funnel and a retention metric's cohort matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.compile.funnel import FunnelOptions, compile_funnel
from nsmcode.compile.retention_matrix import MatrixOptions, compile_retention_matrix
from nsmcode.project import load_project

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"
PROJECT = ["--project", str(EXAMPLE)]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every DuckDB connection opened while the test runs."""
    import duckdb

    seen: list[str] = []
    real = duckdb.connect

    def connect(database: str = ":memory:", *args: Any, **kwargs: Any) -> Any:
        seen.append(str(database))
        return real(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)
    return seen


def explain(*args: str) -> str:
    result = CliRunner().invoke(main, ["query", *args, *PROJECT, "--explain"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
def test_funnel(opened: list[str], dialect: str) -> None:
    connection = ["--connection", "spark"] if dialect == "spark" else []
    out = explain("activation", "--by", "month", *connection)
    sql = compile_funnel(load_project(EXAMPLE), "activation", dialect, FunnelOptions("month"))
    assert out == sql.rstrip().rstrip(";") + ";\n"
    assert opened == []


@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
def test_cohort_matrix(opened: list[str], dialect: str) -> None:
    connection = ["--connection", "spark"] if dialect == "spark" else []
    out = explain("week_4_retention", "--cohorts", "4", *connection)
    project = load_project(EXAMPLE)
    sql = compile_retention_matrix(project, "week_4_retention", dialect, MatrixOptions(None, 4))
    assert out == sql.rstrip().rstrip(";") + ";\n"
    assert opened == []


def test_metrics_and_saved(opened: list[str]) -> None:
    assert explain("weekly_signups").startswith(("WITH", "SELECT"))
    assert explain("--saved", "weekly_exec_review").startswith(("WITH", "SELECT"))
    assert opened == []


@pytest.mark.parametrize(
    "args", [["activation"], ["week_4_retention", "--cohorts", "4"], ["weekly_signups"]]
)
def test_unknown_connection_is_located(args: list[str]) -> None:
    """--connection applies to every kind of query (it was once ignored by --cohorts)."""
    for extra in ([], ["--explain"]):
        given = ["query", *args, *PROJECT, "--connection", "nope", *extra]
        result = CliRunner().invoke(main, given)
        assert result.exit_code == 2, result.output
        assert "R009 connection 'nope' is not defined under `connections`" in result.stderr
        assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "refused"),
    [
        (["activation", "--where", "plan = 'team'"], "--where does not apply to a funnel"),
        (["activation", "--order", "-entities", "--limit", "2"], "--order, --limit do not apply"),
        (["activation", "--pivot"], "--pivot does not apply to a funnel"),
        (["activation", "--as-of", "2026-11-01"], "--as-of does not apply to a funnel"),
        (["activation", "--format", "csv", "--csv-raw"], "--csv-raw does not apply"),
        (["week_4_retention", "--cohorts", "4", "--segment", "plan"], "--segment does not apply"),
        (["week_4_retention", "--cohorts", "4", "--where", "plan = 'team'"], "--where does not"),
        (["week_4_retention", "--cohorts", "2", "--limit", "1"], "--limit does not apply to --co"),
    ],
)
def test_options_a_query_kind_does_not_take_are_refused(
    opened: list[str], args: list[str], refused: str
) -> None:
    """Once silently ignored: a funnel with --where printed unfiltered numbers."""
    result = CliRunner().invoke(main, ["query", *args, *PROJECT])
    assert result.exit_code == 2, result.output
    assert refused in result.stderr and result.stdout == ""
    flag = refused.split()[0].rstrip(",")
    assert f"{flag}:1:1: R016 " in result.stderr and "hint: drop" in result.stderr
    assert opened == []  # refused before anything connects
