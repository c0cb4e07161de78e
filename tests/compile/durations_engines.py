"""The time-to-convert dataset loaded into DuckDB, SQLite, PostgreSQL, ClickHouse (chDB) and
Spark (types as in compile_engines.py; tables start with `dur_`, so they sit beside the other
datasets in one Spark session). SQLite keeps fractions of a second in its text timestamps, as the
other engines do."""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from compile_engines import (
    _CLICKHOUSE,
    _DUCKDB,
    _POSTGRES,
    _SQLITE,
    Runner,
    _inserts,
    normalize,
    postgres_dsn,
    unavailable,
)
from durations_data import DATA


def _ddl(types: dict[str, str], columns: list[tuple[str, str]]) -> str:
    return ", ".join(f"{c} {types[t]}" for c, t in columns)


def _marks(columns: list[tuple[str, str]], mark: str) -> str:
    return ", ".join(mark for _ in columns)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")  # with microseconds when there are some
    return value


@pytest.fixture(scope="session")
def durations_duckdb() -> Runner:
    import duckdb

    con = duckdb.connect()
    for name, (columns, rows) in DATA.items():
        con.execute(f"CREATE TABLE {name} ({_ddl(_DUCKDB, columns)})")
        con.executemany(f"INSERT INTO {name} VALUES ({_marks(columns, '?')})", rows)
    return lambda sql: [normalize(r) for r in con.execute(sql).fetchall()]


@pytest.fixture(scope="session")
def durations_sqlite() -> Runner:
    con = sqlite3.connect(":memory:")
    for name, (columns, rows) in DATA.items():
        con.execute(f"CREATE TABLE {name} ({_ddl(_SQLITE, columns)})")
        con.executemany(
            f"INSERT INTO {name} VALUES ({_marks(columns, '?')})",
            [tuple(map(_sqlite_value, r)) for r in rows],
        )
    return lambda sql: [normalize(r) for r in con.execute(sql).fetchall()]


@pytest.fixture(scope="session")
def durations_postgres() -> Iterator[Runner]:
    dsn = postgres_dsn()
    try:
        import psycopg
    except ImportError:
        unavailable("psycopg is not installed: PostgreSQL execution tests skipped")
    schema = f"nsmcode_durations_{os.getpid()}_{random.Random().randrange(10**9)}"
    con: Any = psycopg.connect(dsn, autocommit=True)
    try:
        con.execute("SET jit = off")
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(f"SET search_path TO {schema}")
        for name, (columns, rows) in DATA.items():
            con.execute(f"CREATE TABLE {name} ({_ddl(_POSTGRES, columns)})")
            with con.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {name} VALUES ({_marks(columns, '%s')})", rows)

        def run(sql: str) -> list[tuple[Any, ...]]:
            with con.cursor() as cursor:
                cursor.execute(sql)
                return [normalize(r) for r in cursor.fetchall()]

        yield run
    finally:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.close()


@pytest.fixture(scope="session")
def durations_spark(spark_run: Runner) -> Runner:
    """The compiler tests' Spark session (spark_run starts it), with the `dur_` tables."""
    from pyspark.sql import SparkSession
    from pyspark.sql import types as T

    spark = SparkSession.builder.getOrCreate()
    kinds = {"string": T.StringType(), "integer": T.LongType(), "timestamp": T.TimestampNTZType()}
    for name, (columns, rows) in DATA.items():
        schema = T.StructType([T.StructField(c, kinds[t], True) for c, t in columns])
        spark.createDataFrame(rows, schema).createOrReplaceTempView(name)
    return lambda sql: [normalize(tuple(r)) for r in spark.sql(sql).collect()]


@pytest.fixture(scope="session")
def durations_clickhouse() -> Runner:
    """chDB: ClickHouse in-process, running the `clickhouse` target's SQL unchanged."""
    try:
        from chdb import dbapi
    except ImportError:
        unavailable("chdb is not installed: ClickHouse execution tests skipped")
    con = dbapi.connect()
    cursor = con.cursor()
    for name, (columns, rows) in DATA.items():
        cursor.execute(f"CREATE TABLE {name} ({_ddl(_CLICKHOUSE, columns)}) ENGINE = Memory")
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
