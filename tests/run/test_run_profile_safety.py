"""What a connection profile may not do (issue 16): write to the user's DuckDB database, hide its
tables, read files of unknown types or outside the project, create databases, import a driver
before a query runs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tinyproject import Tiny

from nsmcode.diagnostics import InputError
from nsmcode.project import load_project
from nsmcode.run.connections import open_engine

REPO = Path(__file__).resolve().parents[2]


def _profile(tiny: Tiny, text: str) -> None:
    (tiny.root / "nsmcode.yaml").write_text((tiny.root / "nsmcode.yaml").read_text() + text)


def _codes(raised: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [d.code for d in raised.value.diagnostics]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _user_database(path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA analytics")
    con.execute("CREATE TABLE analytics.plans AS SELECT 'team' AS plan, 3 AS seats")
    con.execute("CREATE VIEW analytics.accounts AS SELECT 'mine' AS account_id")
    con.execute("CREATE TABLE main.api_calls_archive AS SELECT 1 AS n")
    con.close()


def test_duckdb_database_is_attached_read_only(tiny: Tiny) -> None:
    """Schema-qualified mappings live in an in-memory catalog; the file is never written and
    its own tables stay readable next to the mapped files."""
    _user_database(tiny.root / "relay.duckdb")
    before = _digest(tiny.root / "relay.duckdb")
    _profile(
        tiny,
        "  relay:\n    type: duckdb\n    database: relay.duckdb\n    tables:\n"
        "      reporting.accounts: data/accounts.csv\n      api_calls: data/api_calls.csv\n",
    )
    with open_engine(load_project(tiny.root), "relay") as engine:
        assert engine.execute("SELECT count(*) FROM reporting.accounts").rows == [(12,)]
        assert engine.execute("SELECT count(*) FROM api_calls").rows == [(400,)]
        assert engine.execute("SELECT seats FROM analytics.plans").rows == [(3,)]
        assert engine.execute("SELECT account_id FROM analytics.accounts").rows == [("mine",)]
        assert engine.execute("SELECT n FROM api_calls_archive").rows == [(1,)]
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do: it is read-only
            engine.connection.execute("CREATE TABLE nsm_database.main.x (a INTEGER)")
    assert _digest(tiny.root / "relay.duckdb") == before


@pytest.mark.parametrize("mapped", ["analytics.accounts", "analytics.PLANS", "api_calls_archive"])
def test_mapping_that_would_hide_a_database_object_is_refused(tiny: Tiny, mapped: str) -> None:
    _user_database(tiny.root / "relay.duckdb")
    before = _digest(tiny.root / "relay.duckdb")
    _profile(
        tiny,
        f"  relay:\n    type: duckdb\n    database: relay.duckdb\n    tables:\n"
        f"      {mapped}: data/accounts.csv\n",
    )
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), "relay")
    assert _codes(raised) == ["R011"]
    diagnostic = raised.value.diagnostics[0]
    assert "would hide" in diagnostic.message
    assert diagnostic.span is not None and diagnostic.span.line == 21  # the mapping's line
    assert _digest(tiny.root / "relay.duckdb") == before


@pytest.mark.parametrize("file", ["data/accounts.xlsx", "/etc/passwd", "data/accounts"])
def test_unknown_file_type_is_a_located_error(tiny: Tiny, file: str) -> None:
    _profile(tiny, f"  odd:\n    type: duckdb\n    tables:\n      accounts: {file}\n")
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), "odd")
    assert _codes(raised) == ["R012"]
    diagnostic = raised.value.diagnostics[0]
    assert ".parquet" in (diagnostic.hint or "") and ".csv" in (diagnostic.hint or "")
    assert diagnostic.span is not None and diagnostic.span.line == 20


def test_unknown_file_type_exits_2_not_70(tiny: Tiny) -> None:
    text = (tiny.root / "nsmcode.yaml").read_text()
    (tiny.root / "nsmcode.yaml").write_text(text.replace("data/accounts.csv", "data/acc.xlsx"))
    done = _cli(tiny.root, "query", "calls")
    assert done.returncode == 2, done.stderr
    assert "R012" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("kind", "database", "code"),
    [
        ("duckdb", "../outside.duckdb", "R013"),
        ("duckdb", "new.duckdb", "R003"),
        ("sqlite", "../outside.sqlite", "R013"),
        ("sqlite", "new.sqlite", "R003"),
    ],
)
def test_database_is_never_created(tiny: Tiny, kind: str, database: str, code: str) -> None:
    _profile(tiny, f"  made:\n    type: {kind}\n    database: {database}\n")
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), "made")
    assert _codes(raised) == [code]
    assert not (tiny.root / database).exists()


def test_database_outside_the_project_is_refused_even_if_it_exists(tiny: Tiny) -> None:
    _user_database(tiny.root.parent / "elsewhere.duckdb")
    far = tiny.root.parent / "elsewhere.duckdb"
    _profile(tiny, f"  far:\n    type: duckdb\n    database: {far}\n")
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), "far")
    assert _codes(raised) == ["R013"]


def test_data_file_outside_the_project_is_refused(tiny: Tiny) -> None:
    (tiny.root.parent / "x.csv").write_text("a\n1\n")
    _profile(tiny, "  far:\n    type: duckdb\n    tables:\n      accounts: ../x.csv\n")
    with pytest.raises(InputError) as raised:
        open_engine(load_project(tiny.root), "far")
    assert _codes(raised) == ["R013"]
    span = raised.value.diagnostics[0].span
    assert span is not None and span.line == 20  # the mapping's line


def _cli(root: Path, *args: str, path: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), path) if p)}
    return subprocess.run(
        [sys.executable, "-m", "nsmcode", *args, "--project", str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_dbapi_driver_is_imported_only_when_a_query_runs(tiny: Tiny, tmp_path: Path) -> None:
    """A cloned repository's `module:` must not run code on validate, compile or docs."""
    drivers = tmp_path / "drivers"
    drivers.mkdir()
    marker = tmp_path / "imported"
    (drivers / "nsm_probe_driver.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n"
        "from sqlite3 import connect\n"
    )
    from tinyproject import write_sqlite

    write_sqlite(tiny.root / "probe.sqlite")
    text = (tiny.root / "nsmcode.yaml").read_text().replace("connection: local\n", "")
    text = text.replace("name: tiny\n", "name: tiny\ndialect: sqlite\nconnection: probe\n")
    database = tiny.root / "probe.sqlite"
    text += f"  probe:\n    type: dbapi\n    module: nsm_probe_driver\n    database: '{database}'\n"
    (tiny.root / "nsmcode.yaml").write_text(text)
    for args in (
        ["validate"],
        ["compile", "--out", str(tmp_path / "out")],
        ["docs", "build", "--out", str(tmp_path / "site")],
    ):
        done = _cli(tiny.root, *args, path=str(drivers))
        assert done.returncode in (0, 1), (args, done.stderr)
        assert not marker.exists(), f"{args[0]} imported the driver"
    done = _cli(tiny.root, "query", "calls", path=str(drivers))
    assert done.returncode == 0, done.stderr
    assert marker.exists()
