"""The calendar dataset loaded into DuckDB, SQLite, PostgreSQL and Spark (same types and skips
as compile_engines.py; its one table, `cal_orders`, sits beside the other datasets in the one
Spark session)."""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from calendar_data import DATA
from compile_engines import (
    _DUCKDB,
    _POSTGRES,
    _SQLITE,
    Runner,
    _sqlite_value,
    normalize,
    postgres_dsn,
    unavailable,
)


def _ddl(types: dict[str, str], columns: list[tuple[str, str]]) -> str:
    types = {**types, "date": "TEXT" if types is _SQLITE else "DATE"}  # the calendar table
    return ", ".join(f"{c} {types[t]}" for c, t in columns)


def _sqlite(value: Any) -> Any:
    return value.isoformat() if type(value) is dt.date else _sqlite_value(value)


@pytest.fixture(scope="session")
def cal_duckdb() -> Runner:
    import duckdb

    con = duckdb.connect()
    for name, (columns, rows) in DATA.items():
        con.execute(f"CREATE TABLE {name} ({_ddl(_DUCKDB, columns)})")
        con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})", rows)
    return lambda sql: [normalize(r) for r in con.execute(sql).fetchall()]


@pytest.fixture(scope="session")
def cal_sqlite() -> Runner:
    con = sqlite3.connect(":memory:")
    for name, (columns, rows) in DATA.items():
        con.execute(f"CREATE TABLE {name} ({_ddl(_SQLITE, columns)})")
        con.executemany(
            f"INSERT INTO {name} VALUES ({', '.join('?' for _ in columns)})",
            [tuple(map(_sqlite, r)) for r in rows],
        )
    return lambda sql: [normalize(r) for r in con.execute(sql).fetchall()]


@pytest.fixture(scope="session")
def cal_postgres() -> Iterator[Runner]:
    dsn = postgres_dsn()
    try:
        import psycopg
    except ImportError:
        unavailable("psycopg is not installed: PostgreSQL execution tests skipped")
    schema = f"nsmcode_cal_{os.getpid()}_{random.Random().randrange(10**9)}"
    con: Any = psycopg.connect(dsn, autocommit=True)
    try:
        con.execute("SET jit = off")
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(f"SET search_path TO {schema}")
        for name, (columns, rows) in DATA.items():
            con.execute(f"CREATE TABLE {name} ({_ddl(_POSTGRES, columns)})")
            with con.cursor() as cursor:
                marks = ", ".join("%s" for _ in columns)
                cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)

        def run(sql: str) -> list[tuple[Any, ...]]:
            with con.cursor() as cursor:
                cursor.execute(sql)
                return [normalize(r) for r in cursor.fetchall()]

        yield run
    finally:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.close()


@pytest.fixture(scope="session")
def cal_spark(spark_run: Runner) -> Runner:
    """The compiler tests' Spark session (spark_run starts it), with the calendar table."""
    from pyspark.sql import SparkSession
    from pyspark.sql import types as T

    spark = SparkSession.builder.getOrCreate()
    kinds = {
        "string": T.StringType(),
        "integer": T.LongType(),
        "number": T.DoubleType(),
        "timestamp": T.TimestampNTZType(),
        "date": T.DateType(),
    }
    for name, (columns, rows) in DATA.items():
        schema = T.StructType([T.StructField(c, kinds[t], True) for c, t in columns])
        spark.createDataFrame(rows, schema).createOrReplaceTempView(name)
    return lambda sql: [normalize(tuple(r)) for r in spark.sql(sql).collect()]
