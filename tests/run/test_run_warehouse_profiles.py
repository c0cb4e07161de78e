"""First-class warehouse profiles without their servers: validation of the profile, the exact
connect arguments each driver gets (secrets from the environment), missing drivers and the error
classes of drivers' real messages. Live runs: MariaDB (mysql) and Spark, see their tests."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from tinyproject import Tiny

from nsmcode.diagnostics import InputError
from nsmcode.project import load_project
from nsmcode.run.connections import open_engine
from nsmcode.run.engines.base import classify
from nsmcode.run.engines.warehouses import DRIVERS, connect_arguments

PROFILES = """\
  my:
    type: mysql
    host: db.internal
    user: metrics
    database: relay
    password_env: NSM_PW
  ch:
    type: clickhouse
    host: ch.internal
    port: 8443
    secure: true
    user: metrics
    password_env: NSM_PW
  tr:
    type: trino
    host: trino.internal
    user: metrics
    catalog: hive
    schema: analytics
    password_env: NSM_PW
  sf:
    type: snowflake
    account: xy12345.eu-west-1
    user: METRICS
    warehouse: REPORTING
    database: ANALYTICS
    schema: PUBLIC
    role: METRICS_READER
    password_env: NSM_PW
  dbx:
    type: databricks
    host: adb-123.azuredatabricks.net
    http_path: /sql/1.0/warehouses/abc
    catalog: main
    schema: analytics
    token_env: NSM_TOKEN
  bq:
    type: bigquery
    project: relay-prod
    dataset: analytics
    location: EU
"""


@pytest.fixture
def profiles(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> Tiny:
    monkeypatch.setenv("NSM_PW", "pw@x:1")
    monkeypatch.setenv("NSM_TOKEN", "dapi-token")
    (tiny.root / "nsmcode.yaml").write_text((tiny.root / "nsmcode.yaml").read_text() + PROFILES)
    return tiny


def _args(tiny: Tiny, name: str) -> dict[str, object]:
    project = load_project(tiny.root)
    return connect_arguments(project, name, project.config.connections[name]).kwargs


def test_connect_arguments(profiles: Tiny) -> None:
    assert _args(profiles, "my") == {
        "connect_timeout": 10,
        "autocommit": True,
        "charset": "utf8mb4",
        "host": "db.internal",
        "port": 3306,
        "user": "metrics",
        "password": "pw@x:1",
        "database": "relay",
    }
    assert _args(profiles, "ch") == {
        "connect_timeout": 10,
        "host": "ch.internal",
        "port": 8443,
        "username": "metrics",
        "password": "pw@x:1",
        "secure": True,
    }
    assert _args(profiles, "tr") == {
        "http_scheme": "https",
        "host": "trino.internal",
        "port": 443,
        "user": "metrics",
        "catalog": "hive",
        "schema": "analytics",
        "auth": ("basic", "metrics", "pw@x:1"),
    }
    assert _args(profiles, "sf") == {
        "login_timeout": 30,
        "application": "nsmcode",
        "account": "xy12345.eu-west-1",
        "user": "METRICS",
        "password": "pw@x:1",
        "warehouse": "REPORTING",
        "database": "ANALYTICS",
        "schema": "PUBLIC",
        "role": "METRICS_READER",
    }
    assert _args(profiles, "dbx") == {
        "server_hostname": "adb-123.azuredatabricks.net",
        "http_path": "/sql/1.0/warehouses/abc",
        "access_token": "dapi-token",
        "catalog": "main",
        "schema": "analytics",
    }
    assert _args(profiles, "bq") == {
        "project": "relay-prod",
        "location": "EU",
        "dataset": "relay-prod.analytics",
    }


def test_secrets_come_from_the_environment(profiles: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NSM_TOKEN")
    with pytest.raises(InputError) as raised:
        _args(profiles, "dbx")
    diagnostic = raised.value.diagnostics[0]
    assert diagnostic.code == "R006" and "NSM_TOKEN" in diagnostic.message


@pytest.mark.parametrize("name", ["sf", "dbx", "bq"])
def test_missing_driver_names_the_extra(profiles: Tiny, name: str) -> None:
    project = load_project(profiles.root)
    module, extra = DRIVERS[project.config.connections[name].type]
    try:
        __import__(module)
    except ImportError:
        pass
    else:
        pytest.skip(f"{module} is installed")
    with pytest.raises(InputError) as raised:
        open_engine(project, name)
    diagnostic = raised.value.diagnostics[0]
    assert diagnostic.code == "R006" and extra in (diagnostic.hint or "")


def test_a_field_of_another_type_is_refused(tiny: Tiny) -> None:
    text = (tiny.root / "nsmcode.yaml").read_text()
    text += "  odd:\n    type: mysql\n    host: h\n    http_path: /sql\n"
    (tiny.root / "nsmcode.yaml").write_text(text)
    with pytest.raises(InputError) as raised:
        load_project(tiny.root)
    diagnostic = raised.value.diagnostics[0]
    assert "`http_path` does not apply to a connection of type mysql" in diagnostic.message
    assert diagnostic.span is not None and diagnostic.span.line >= 17


def test_spark_is_local_or_remote(tiny: Tiny) -> None:
    text = (tiny.root / "nsmcode.yaml").read_text()
    text += "  sp:\n    type: spark\n    remote: sc://h:15002\n    tables: {a: data/a.csv}\n"
    (tiny.root / "nsmcode.yaml").write_text(text)
    with pytest.raises(InputError) as raised:
        load_project(tiny.root)
    assert "either local" in raised.value.diagnostics[0].message


def test_real_driver_messages_are_classified() -> None:
    """Messages as MariaDB, ClickHouse (chDB) and Spark print them (taken from the live runs)."""
    assert classify("(1146, \"Table 'relay.api_calls' doesn't exist\")") == (
        "missing_table",
        "api_calls",
    )
    assert classify("(1054, \"Unknown column 'e.latency' in 'SELECT'\")") == (
        "missing_column",
        "latency",
    )
    assert classify(
        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `api_calls` cannot be found."
    ) == ("missing_table", "api_calls")
    assert classify(
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with "
        "name `latency` cannot be resolved."
    ) == ("missing_column", "latency")


def test_classify_mariadb_messages_live() -> None:
    url = os.environ.get("NSMCODE_TEST_MYSQL")
    if not url:
        pytest.skip("NSMCODE_TEST_MYSQL is not set")
    pymysql = pytest.importorskip("pymysql")
    parts = urlsplit(url)
    con = pymysql.connect(
        host=parts.hostname, port=parts.port, user=parts.username, database=parts.path[1:]
    )
    messages = []
    for sql in ("SELECT * FROM nope_table", "SELECT nope_column FROM (SELECT 1 AS a) AS t"):
        with con.cursor() as cursor, pytest.raises(pymysql.Error) as raised:
            cursor.execute(sql)
        messages.append(str(raised.value))
    con.close()
    assert classify(messages[0]) == ("missing_table", "nope_table"), messages[0]
    assert classify(messages[1]) == ("missing_column", "nope_column"), messages[1]


def test_classify_chdb_messages_live() -> None:
    chdb = pytest.importorskip("chdb.dbapi")
    con = chdb.connect()
    cursor = con.cursor()
    messages = []
    for sql in ("SELECT * FROM nope_table", "SELECT nope_column FROM system.one"):
        with pytest.raises(Exception) as raised:
            cursor.execute(sql)
            cursor.fetchall()
        messages.append(str(raised.value))
        cursor = con.cursor()
    assert classify(messages[0])[0] == "missing_table", messages[0]
    assert classify(messages[1]) == ("missing_column", "nope_column"), messages[1]


def test_mysql_profile_on_mariadb_gives_duckdb_numbers(tiny: Tiny) -> None:
    """The `mysql` profile end to end on the live MariaDB of .ci/run: same table as DuckDB."""
    import random

    from click.testing import CliRunner
    from tinyproject import COLUMNS, ROWS

    from nsmcode.cli import main

    url = os.environ.get("NSMCODE_TEST_MYSQL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("NSMCODE_TEST_MYSQL is not set (CI=true requires every engine)")
        pytest.skip("NSMCODE_TEST_MYSQL is not set")
    pymysql = pytest.importorskip("pymysql")
    parts = urlsplit(url)
    database = f"nsmcode_tiny_{os.getpid()}_{random.Random().randrange(10**9)}"
    admin = pymysql.connect(host=parts.hostname, port=parts.port, user=parts.username)
    types = {"TEXT": "VARCHAR(64)", "TIMESTAMP": "DATETIME", "DOUBLE PRECISION": "DOUBLE"}
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {database}")
            cursor.execute(f"USE {database}")
            for table, columns in COLUMNS.items():
                ddl = ", ".join(f"{c} {types.get(t, t)}" for c, t in columns)
                cursor.execute(f"CREATE TABLE {table} ({ddl})")
                marks = ", ".join("%s" for _ in columns)
                cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", ROWS[table])
        admin.commit()
        text = (tiny.root / "nsmcode.yaml").read_text()
        text += (
            f"  maria:\n    type: mysql\n    host: {parts.hostname}\n    port: {parts.port}\n"
            f"    user: {parts.username}\n    database: {database}\n"
        )
        (tiny.root / "nsmcode.yaml").write_text(text)
        with open_engine(load_project(tiny.root), "maria") as engine:
            calendar = (
                "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 5000) "
                "SELECT COUNT(*) FROM r"
            )
            assert engine.execute(calendar).rows == [(5000,)]  # MariaDB stops at 1000 otherwise
        runs = {}
        for connection in ("maria", "local"):
            result = CliRunner().invoke(
                main,
                ["query", "calls", "errors", "error_rate", "avg_latency", "signups", "points",
                 "--project", str(tiny.root), "--connection", connection, "--format", "csv"],
            )
            assert result.exit_code == 0, result.output
            runs[connection] = result.stdout
        assert runs["maria"] == runs["local"]
        assert len(runs["maria"].splitlines()) >= 4
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.close()
