"""`nsmcode materialize` for real on a DuckDB database file and on PostgreSQL: the table holds what
`query --saved` computes; a run replaces exactly the last periods; running twice changes nothing;
a run killed between DELETE and INSERT leaves the previous rows; foreign tables are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tinyproject import DEFINITIONS, PROJECT, load_postgres, postgres_dsn, schema_dsn, write_csv

import nsmcode
from nsmcode.cli import main
from nsmcode.run.materialize import FAULT

SAVED = """\
version: 1
saved_queries:
  - name: review
    metrics: [calls, points, error_rate]
    grain: week
    segments: [plan]
  - name: monthly
    metrics: [calls]
    grain: month
"""
DUCKDB = """\
  store:
    type: duckdb
    database: store.duckdb
    tables:
      accounts: data/accounts.csv
      api_calls: data/api_calls.csv
"""
SCHEMA = "nsm_metrics"


def make(root: Path, connection: str, schema: str = SCHEMA) -> Path:
    (root / "metrics").mkdir(parents=True)
    config = PROJECT.replace("connection: local\n", f"connection: {connection}\n")
    config = config.replace("connections:\n", "connections:\n" + DUCKDB)
    (root / "nsmcode.yaml").write_text(config + f"materialize: {{schema: {schema}}}\n")
    (root / "metrics" / "metrics.yaml").write_text(DEFINITIONS)
    (root / "metrics" / "saved.yaml").write_text(SAVED)
    write_csv(root / "data")
    return root


def cli(root: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, [*args, "--project", str(root)])
    assert result.exit_code == code, result.output
    return result.output


Read = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture(params=["duckdb", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, Read]]:
    """A project whose connection is a DuckDB file or a PostgreSQL schema, and a reader of the
    materialized tables (a separate connection, as a dashboard's would be)."""
    if request.param == "duckdb":
        root = make(tmp_path / "p", "store")

        def read_duckdb(sql: str) -> list[tuple[Any, ...]]:
            import duckdb

            with duckdb.connect(str(root / "store.duckdb"), read_only=True) as con:
                return [tuple(r) for r in con.execute(sql).fetchall()]

        yield root, read_duckdb
        return
    dsn = postgres_dsn()
    import psycopg

    data = f"nsm_data_{os.getpid()}"
    out = f"nsm_out_{os.getpid()}"
    with psycopg.connect(dsn, autocommit=True) as con:
        for schema in (data, out):
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.execute(f"CREATE SCHEMA {data}")
    load_postgres(dsn, data)
    root = make(tmp_path / "p", "pg", out)
    os.environ["NSMCODE_TINY_DSN"] = schema_dsn(dsn, data)

    def read_postgres(sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(dsn, autocommit=True) as con:
            return [tuple(r) for r in con.execute(sql.replace(SCHEMA, out)).fetchall()]

    try:
        yield root, read_postgres
    finally:
        os.environ.pop("NSMCODE_TINY_DSN", None)
        with psycopg.connect(dsn, autocommit=True) as con:
            for schema in (data, out):
                con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def table(read: Read, name: str = "review") -> list[tuple[Any, ...]]:
    return sorted(read(f"SELECT * FROM {SCHEMA}.{name}"), key=repr)


def expected(root: Path, name: str = "review") -> list[tuple[Any, ...]]:
    result = nsmcode.load(root).query_saved(name)
    return sorted(
        ((*row, done) for row, done in zip(result.rows, result.complete or (), strict=True)),
        key=repr,
    )


def test_materialize_incremental_idempotent(store: tuple[Path, Read]) -> None:
    root, read = store
    out = cli(root, "materialize")
    assert "review: rebuilt: 9 rows written" in out and "monthly: rebuilt" in out
    first = table(read)
    assert first == expected(root)
    assert table(read, "monthly") == expected(root, "monthly")
    # running twice changes nothing
    assert "replaced the periods from 2026-10-19" in cli(root, "materialize", "review")
    assert table(read) == first
    # a run replaces exactly the last N periods: rows before them are not touched
    _tamper(root, "UPDATE {s}.review SET calls = -1")
    out = cli(root, "materialize", "review", "--lookback", "2")
    assert "replaced the periods from 2026-10-12: 6 rows written, 9 in the table" in out
    got = table(read)
    assert [r for r in got if r[0].isoformat() >= "2026-10-12"] == [
        r for r in first if r[0].isoformat() >= "2026-10-12"
    ]
    assert {r[2] for r in got if r[0].isoformat() < "2026-10-12"} == {-1}
    cli(root, "materialize", "review", "--full")
    assert table(read) == first
    if (root / "store.duckdb").is_file():  # nothing but its own schema's tables: no file views
        objects = read(
            "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        )
        assert {schema for schema, _ in objects} == {SCHEMA}, objects


def test_an_hourly_query_keeps_its_hours(store: tuple[Path, Read]) -> None:
    """`period` is a timestamp per hour (it was a DATE: the hours of a day collapsed into rows
    that all read as the day)."""
    root, read = store
    hourly = "  - name: hourly\n    metrics: [calls]\n    grain: hour\n"
    (root / "metrics" / "saved.yaml").write_text(SAVED + hourly)
    cli(root, "materialize", "hourly")
    got = table(read, "hourly")
    assert got == expected(root, "hourly")
    periods = [row[0] for row in got]
    assert len(set(periods)) == len(periods) > 1
    assert any(period.hour for period in periods)
    cli(root, "materialize", "hourly", "--lookback", "3")  # whole days are recomputed
    assert table(read, "hourly") == got


def test_a_killed_run_leaves_the_previous_rows(store: tuple[Path, Read]) -> None:
    root, read = store
    cli(root, "materialize", "review")
    _tamper(root, "UPDATE {s}.review SET calls = -7")
    before = table(read)
    env = {**os.environ, FAULT: "kill"}
    run = subprocess.run(
        [sys.executable, "-m", "nsmcode", "materialize", "review", "--project", str(root)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == -9, run.stderr
    assert table(read) == before  # the DELETE was never committed
    env[FAULT] = "raise"
    run = subprocess.run(
        [sys.executable, "-m", "nsmcode", "materialize", "review", "--project", str(root)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 70 and "injected fault" in run.stderr
    assert table(read) == before
    cli(root, "materialize", "review", "--full")
    assert table(read) == expected(root)


def _tamper(root: Path, sql: str) -> None:
    """Change materialized rows behind nsmcode's back (a stand-in for older data)."""
    project = nsmcode.load(root)
    from nsmcode.run.materialize import _open

    with _open(project._project, None) as engine:
        engine.connection.execute(
            sql.format(s=SCHEMA if engine.kind == "duckdb" else _pg_schema(root))
        )
        if engine.kind == "duckdb":
            engine.connection.execute("CHECKPOINT")


def _pg_schema(root: Path) -> str:
    text = (root / "nsmcode.yaml").read_text()
    return text.rsplit("schema: ", 1)[1].split("}")[0]


def test_refusals_are_located(tmp_path: Path) -> None:
    import duckdb

    root = make(tmp_path / "p", "store")
    with duckdb.connect(str(root / "store.duckdb")) as con:
        con.execute(f"CREATE SCHEMA {SCHEMA}; CREATE TABLE {SCHEMA}.review (x INT)")
        con.execute(f"INSERT INTO {SCHEMA}.review VALUES (42)")
    out = cli(root, "materialize", code=2)
    assert "saved.yaml:3:11: M002 table nsm_metrics.review exists and was not created" in out
    with duckdb.connect(str(root / "store.duckdb"), read_only=True) as con:
        assert con.execute(f"SELECT * FROM {SCHEMA}.review").fetchall() == [(42,)]
    out = cli(root, "materialize", "nope", code=2)
    assert "Q003 unknown saved query 'nope'" in out
    # a registry that is not nsmcode's
    other = make(tmp_path / "q", "store")
    with duckdb.connect(str(other / "store.duckdb")) as con:
        con.execute(f"CREATE SCHEMA {SCHEMA}; CREATE TABLE {SCHEMA}.nsmcode_registry (a INT)")
    assert "M003" in cli(other, "materialize", code=2)
    # in-memory DuckDB, SQLite, and no `materialize:` at all
    assert "M004" in cli(other, "materialize", "--connection", "local", code=2)
    assert "M004" in cli(other, "materialize", "--connection", "lite", code=2)
    config = other / "nsmcode.yaml"
    config.write_text(config.read_text().replace(f"materialize: {{schema: {SCHEMA}}}\n", ""))
    assert "M001 nsmcode.yaml names no schema" in cli(other, "materialize", code=2)


def test_default_lookback_follows_the_longest_window(tmp_path: Path) -> None:
    from nsmcode.run.materialize import default_lookback

    root = make(tmp_path / "p", "store")
    (root / "metrics" / "more.yaml").write_text(
        "version: 1\nmetrics:\n"
        "  - name: activated\n"
        "    calculation: {type: conversion, base: signups, conversion: calls, entity: account,"
        " within: 10 days}\n    grain: week\n"
        "  - name: rolling\n"
        "    calculation: {type: cumulative, metric: calls, window: 28 days}\n    grain: week\n"
        "saved_queries:\n"
        "  - {name: a, metrics: [activated], grain: week}\n"
        "  - {name: b, metrics: [rolling], grain: week}\n"
        "  - {name: c, metrics: [calls], grain: week}\n"
    )
    project = nsmcode.load(root)._project
    lookbacks = {n: default_lookback(project, project.saved_queries[n]) for n in "abc"}
    assert lookbacks == {"a": 3, "b": 5, "c": 1}


def test_ctrl_c_while_writing_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB reports Ctrl-C during the INSERT as its InterruptException: the transaction rolls
    back and the command stops as interrupted (130), not as an internal error (70)."""
    import duckdb

    root = make(tmp_path / "p", "store")
    cli(root, "materialize", "review")
    _tamper(root, "UPDATE {s}.review SET calls = -7")

    def read(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(root / "store.duckdb"), read_only=True) as con:
            return [tuple(r) for r in con.execute(sql).fetchall()]

    before = table(read)
    real = duckdb.connect

    class Pressed:
        """The store's connection, with Ctrl-C pressed during the INSERT."""

        def __init__(self, connection: Any) -> None:
            self.connection = connection

        def executemany(self, *_: object) -> None:
            raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.connection, name)

    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: Pressed(real(*a, **k)))
    result = CliRunner().invoke(main, ["materialize", "review", "--project", str(root)])
    monkeypatch.setattr(duckdb, "connect", real)
    assert (result.exit_code, result.stderr) == (130, "nsmcode: interrupted\n"), result.output
    assert table(read) == before  # the DELETE was rolled back
