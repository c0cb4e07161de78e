"""Load the test dataset into real engines (with proper types) and run compiled SQL on them.

DuckDB and SQLite always run; PostgreSQL needs NSMCODE_TEST_POSTGRES, MySQL/MariaDB
NSMCODE_TEST_MYSQL (a URL, driver PyMySQL), ClickHouse the chdb package (in-process), Spark pyspark
and Java: without them the tests skip with the reason, except under CI=true where they fail.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import shutil
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from compile_data import DATA

Runner = Callable[[str], list[tuple[Any, ...]]]

ENGINES = ("duckdb", "sqlite", "postgres", "clickhouse", "mysql")
"""Engines fast enough to run every case (fixture `<engine>_run`); Spark runs batches."""

_DUCKDB = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
}
_POSTGRES = {**_DUCKDB, "number": "DOUBLE PRECISION"}
_SQLITE = {
    "string": "TEXT",
    "integer": "INTEGER",
    "number": "REAL",
    "boolean": "INTEGER",
    "timestamp": "TEXT",
}


def unavailable(reason: str) -> None:
    """Skip locally; fail under CI, where every engine must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires every engine)")
    pytest.skip(reason)


def normalize(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Engine values -> Python: periods as dates, decimals as floats."""
    out: list[Any] = []
    for i, value in enumerate(row):
        if i == 0 and isinstance(value, str):  # SQLite: text; an hour has its time of day
            value = (dt.datetime if len(value) > 10 else dt.date).fromisoformat(value)
        if i == 0 and isinstance(value, dt.datetime) and value.time() == dt.time():
            value = value.date()  # a period's first day (per hour: the day's first hour)
        elif isinstance(value, decimal.Decimal):
            value = float(value)
        out.append(value)
    return tuple(out)


def duckdb_runner() -> Runner:
    import duckdb

    con = duckdb.connect()
    for name, (columns, rows) in DATA.items():
        ddl = ", ".join(f"{c} {_DUCKDB[t]}" for c, t in columns)
        con.execute(f"CREATE TABLE {name} ({ddl})")
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)

    def run(sql: str) -> list[tuple[Any, ...]]:
        return [normalize(r) for r in con.execute(sql).fetchall()]

    return run


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return int(value)
    return value


def sqlite_runner() -> Runner:
    con = sqlite3.connect(":memory:")
    for name, (columns, rows) in DATA.items():
        ddl = ", ".join(f"{c} {_SQLITE[t]}" for c, t in columns)
        con.execute(f"CREATE TABLE {name} ({ddl})")
        marks = ", ".join("?" for _ in columns)
        con.executemany(
            f"INSERT INTO {name} VALUES ({marks})", [tuple(map(_sqlite_value, r)) for r in rows]
        )

    def run(sql: str) -> list[tuple[Any, ...]]:
        return [normalize(r) for r in con.execute(sql).fetchall()]

    return run


def postgres_dsn() -> str:
    dsn = os.environ.get("NSMCODE_TEST_POSTGRES")
    if not dsn:
        unavailable("NSMCODE_TEST_POSTGRES is not set: PostgreSQL execution tests skipped")
    assert dsn is not None
    return dsn


def postgres_load(con: Any, schema: str) -> None:
    # tiny tables, but the digits calendar's row estimates would trigger seconds of JIT
    con.execute("SET jit = off")
    con.execute(f"CREATE SCHEMA {schema}")
    con.execute(f"SET search_path TO {schema}")
    for name, (columns, rows) in DATA.items():
        ddl = ", ".join(f"{c} {_POSTGRES[t]}" for c, t in columns)
        con.execute(f"CREATE TABLE {name} ({ddl})")
        marks = ", ".join("%s" for _ in columns)
        with con.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)


def postgres_runner(con: Any) -> Runner:
    def run(sql: str) -> list[tuple[Any, ...]]:
        with con.cursor() as cursor:
            cursor.execute(sql)
            return [normalize(r) for r in cursor.fetchall()]

    return run


def spark_session() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        unavailable("pyspark is not installed: Spark execution tests skipped")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        unavailable("no Java runtime: Spark execution tests skipped")
    return (
        SparkSession.builder.master("local[1]")
        .appName("nsmcode-compile-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.adaptive.enabled", "false")
        # tiny data: broadcast jobs and generated code cost more than they save
        .config("spark.sql.autoBroadcastJoinThreshold", "-1")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def spark_runner(spark: Any) -> Runner:
    from pyspark.sql import types as T

    spark.sparkContext.setLogLevel("ERROR")
    kinds = {
        "string": T.StringType(),
        "integer": T.LongType(),
        "number": T.DoubleType(),
        "boolean": T.BooleanType(),
        "timestamp": T.TimestampNTZType(),
    }
    for name, (columns, rows) in DATA.items():
        schema = T.StructType([T.StructField(c, kinds[t], True) for c, t in columns])
        spark.createDataFrame(rows, schema).createOrReplaceTempView(name)

    def run(sql: str) -> list[tuple[Any, ...]]:
        return [normalize(tuple(r)) for r in spark.sql(sql).collect()]

    return run


_CLICKHOUSE = {
    "string": "Nullable(String)",
    "integer": "Nullable(Int64)",
    "number": "Nullable(Float64)",
    "boolean": "Nullable(Bool)",
    "timestamp": "Nullable(DateTime64(6, 'UTC'))",
}


def _literal(value: Any) -> str:
    """A SQL literal both ClickHouse and MySQL read (test data only: known, simple values)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return "'" + value.strftime("%Y-%m-%d %H:%M:%S.%f") + "'"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"


def _inserts(name: str, rows: list[tuple[Any, ...]]) -> list[str]:
    values = [f"({', '.join(map(_literal, row))})" for row in rows]
    chunks = [values[i : i + 500] for i in range(0, len(values), 500)]
    return [f"INSERT INTO {name} VALUES {', '.join(chunk)}" for chunk in chunks]


def clickhouse_runner() -> Runner:
    """chDB: ClickHouse in-process, running the `clickhouse` target's SQL unchanged."""
    try:
        from chdb import dbapi
    except ImportError:
        unavailable("chdb is not installed: ClickHouse execution tests skipped")
    con = dbapi.connect()
    cursor = con.cursor()
    for name, (columns, rows) in DATA.items():
        ddl = ", ".join(f"{c} {_CLICKHOUSE[t]}" for c, t in columns)
        cursor.execute(f"CREATE TABLE {name} ({ddl}) ENGINE = Memory")
        for insert in _inserts(name, rows):
            cursor.execute(insert)

    def run(sql: str) -> list[tuple[Any, ...]]:
        query = con.cursor()  # a cursor that saw an error returns stale rows afterwards
        try:
            query.execute(sql)
            return [normalize(tuple(r)) for r in query.fetchall()]
        finally:
            query.close()

    return run


_MYSQL = {
    "string": "VARCHAR(255)",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "DATETIME(6)",
}


def mysql_url() -> str:
    url = os.environ.get("NSMCODE_TEST_MYSQL")
    if not url:
        unavailable("NSMCODE_TEST_MYSQL is not set: MySQL/MariaDB execution tests skipped")
    assert url is not None
    return url


def mysql_connect(url: str, database: str | None = None) -> Any:
    from urllib.parse import unquote, urlsplit

    try:
        import pymysql
    except ImportError:
        unavailable("pymysql is not installed: MySQL/MariaDB execution tests skipped")
    parts = urlsplit(url)
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        database=database or parts.path.lstrip("/") or None,
        autocommit=True,
    )


def mysql_load(con: Any) -> None:
    with con.cursor() as cursor:
        # the session time zone must not shift DATETIME values (it does not, but be explicit)
        cursor.execute("SET time_zone = '+00:00'")
        cursor.execute("SELECT VERSION()")
        if "mariadb" in str(cursor.fetchone()[0]).lower():  # as the mysql profile does
            cursor.execute("SET SESSION max_recursive_iterations = 4294967295")
        for name, (columns, rows) in DATA.items():
            ddl = ", ".join(f"{c} {_MYSQL[t]}" for c, t in columns)
            cursor.execute(f"CREATE TABLE {name} ({ddl})")
            for insert in _inserts(name, rows):
                cursor.execute(insert)


def mysql_runner(con: Any) -> Runner:
    def run(sql: str) -> list[tuple[Any, ...]]:
        with con.cursor() as cursor:
            cursor.execute(sql)
            return [normalize(tuple(r)) for r in cursor.fetchall()]

    return run
