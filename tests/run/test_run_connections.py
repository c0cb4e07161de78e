"""Connection profiles: DuckDB views over data files, SQLite, DB-API modules, PostgreSQL, and the
errors for each way a connection can fail (located, with a hint, never echoing a secret)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tinyproject import Tiny, postgres_dsn, require_psycopg, write_sqlite

from nsmcode.diagnostics import InputError
from nsmcode.project import load_project
from nsmcode.run import connections
from nsmcode.run.connections import EngineError, classify, open_engine, scrub


def codes(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [d.code for d in exc.value.diagnostics]


def test_duckdb_maps_tables_to_files(tiny: Tiny) -> None:
    project = load_project(tiny.root)
    with open_engine(project) as engine:
        assert (engine.name, engine.dialect) == ("local", "duckdb")
        result = engine.execute("SELECT count(*) AS n, count(DISTINCT plan) AS plans FROM accounts")
    assert result.columns == ["n", "plans"]
    assert result.rows == [(12, 3)]


def test_duckdb_file_database_is_not_changed(tiny: Tiny) -> None:
    import duckdb

    text = (tiny.root / "nsmcode.yaml").read_text()
    text = text.replace("    type: duckdb\n", "    type: duckdb\n    database: local.duckdb\n")
    (tiny.root / "nsmcode.yaml").write_text(text)
    duckdb.connect(str(tiny.root / "local.duckdb")).close()
    with open_engine(load_project(tiny.root)) as engine:
        assert engine.execute("SELECT count(*) FROM api_calls").rows == [(400,)]
    con = duckdb.connect(str(tiny.root / "local.duckdb"))
    assert con.execute("SELECT count(*) FROM information_schema.tables").fetchall() == [(0,)]


def test_embedded_duckdb_without_a_profile(tiny: Tiny) -> None:
    text = (tiny.root / "nsmcode.yaml").read_text().replace("connection: local\n", "")
    (tiny.root / "nsmcode.yaml").write_text(text)
    project = load_project(tiny.root)
    with open_engine(project) as engine:
        assert (engine.name, engine.kind) == ("embedded", "duckdb")
        assert engine.execute("SELECT 1 + 1").rows == [(2,)]


def test_missing_data_file_is_reported_when_queried(tiny: Tiny) -> None:
    (tiny.root / "data" / "api_calls.csv").unlink()
    (tiny.root / "generate_data.py").write_text("# makes the data\n")
    project = load_project(tiny.root)
    with open_engine(project) as engine:
        assert engine.missing_files == {"api_calls": "data/api_calls.csv"}
        with pytest.raises(EngineError) as raised:
            engine.execute("SELECT * FROM api_calls")
        assert raised.value.kind == "missing_table"
        diagnostic = connections.data_file_error(project, engine, "api_calls")
    assert diagnostic is not None
    assert diagnostic.code == "R003"
    assert "data/api_calls.csv" in diagnostic.message
    assert diagnostic.hint is not None and "generate_data.py" in diagnostic.hint
    assert diagnostic.span is not None and diagnostic.span.file.endswith("nsmcode.yaml")
    assert diagnostic.span.line == 10  # the `api_calls:` line under `tables:`


def test_unknown_connection(tiny: Tiny) -> None:
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), "warehouse")
    assert codes(raised) == ["R009"]
    assert "lite, local, pg" in (raised.value.diagnostics[0].hint or "")


def test_sqlite_profile(tiny: Tiny) -> None:
    write_sqlite(tiny.root / "tiny.sqlite")
    with open_engine(load_project(tiny.root), "lite") as engine:
        assert engine.dialect == "sqlite"
        assert engine.execute("SELECT count(*) FROM api_calls").rows == [(400,)]


def test_sqlite_missing_database_file(tiny: Tiny) -> None:
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), "lite")
    assert codes(raised) == ["R003"]
    assert "tiny.sqlite" in raised.value.diagnostics[0].message
    assert not (tiny.root / "tiny.sqlite").exists()  # never created by accident


def test_dbapi_module(tiny: Tiny) -> None:
    database = tiny.root / "other.sqlite"
    write_sqlite(database)
    text = (tiny.root / "nsmcode.yaml").read_text()
    text = text.replace("name: tiny\n", "name: tiny\ndialect: sqlite\n")
    text += f"  generic:\n    type: dbapi\n    module: sqlite3\n    database: '{database}'\n"
    text += "  nodriver:\n    type: dbapi\n    module: no_such_driver_module\n"
    (tiny.root / "nsmcode.yaml").write_text(text)
    project = load_project(tiny.root)
    with open_engine(project, "generic") as engine:
        assert (engine.kind, engine.dialect) == ("dbapi", "sqlite")
        assert engine.execute("SELECT count(*) FROM accounts").rows == [(12,)]
    with pytest.raises(InputError) as raised:
        open_engine(project, "nodriver")
    assert codes(raised) == ["R006"]
    assert "no_such_driver_module" in raised.value.diagnostics[0].message


def test_missing_environment_variable(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NSMCODE_TINY_DSN", raising=False)
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), "pg")
    diagnostic = raised.value.diagnostics[0]
    assert diagnostic.code == "R006"
    assert "NSMCODE_TINY_DSN" in diagnostic.message
    assert diagnostic.span is not None and diagnostic.span.line == 16  # dsn_env: line


def test_unreachable_server(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    require_psycopg()
    secret = "Un1queSecretValue"
    monkeypatch.setenv(
        "NSMCODE_TINY_DSN", f"postgresql://someone:{secret}@127.0.0.1:1/db?connect_timeout=3"
    )
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), "pg")
    assert codes(raised) == ["R004"]
    assert secret not in str(raised.value)
    assert "reachable" in (raised.value.diagnostics[0].hint or "")


def test_bad_credentials_never_echo_the_secret(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    dsn = postgres_dsn()
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    server = conninfo_to_dict(dsn)
    secret = "Sup3r-Secret-Pa55word"
    dsn = make_conninfo("", **{**server, "user": "nsmcode_no_such_role", "password": secret})
    monkeypatch.setenv("NSMCODE_TINY_DSN", dsn)
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), "pg")
    assert codes(raised) == ["R005"]
    text = str(raised.value) + " ".join(d.hint or "" for d in raised.value.diagnostics)
    assert secret not in text
    assert "NSMCODE_TINY_DSN" in text


def test_scrub_removes_secrets_and_password_shapes() -> None:
    text = "failed for postgresql://bob:hunter2@db/x password=letmein token hunter2"
    cleaned = scrub(text, ["hunter2"])
    assert "hunter2" not in cleaned
    assert "letmein" not in cleaned
    assert "bob" in cleaned


def test_classify_real_engine_messages(tmp_path: Path) -> None:
    import duckdb

    messages = []
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER)")
    for sql in ("SELECT * FROM nope", "SELECT b FROM t"):
        with pytest.raises(duckdb.Error) as raised:
            con.execute(sql)
        messages.append(str(raised.value))
    lite = sqlite3.connect(tmp_path / "x.sqlite")
    lite.execute("CREATE TABLE t (a INTEGER)")
    for sql in ("SELECT * FROM nope", "SELECT t.b FROM t"):
        with pytest.raises(sqlite3.Error) as raised_lite:
            lite.execute(sql)
        messages.append(str(raised_lite.value))
    assert [classify(m) for m in messages] == [
        ("missing_table", "nope"),
        ("missing_column", "b"),
        ("missing_table", "nope"),
        ("missing_column", "b"),
    ]
    assert classify('relation "analytics.events" does not exist') == ("missing_table", "events")
    assert classify("column x.latency does not exist") == ("missing_column", "latency")
    assert classify("division by zero") == ("other", None)
