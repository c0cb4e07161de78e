"""Fixtures for the compiler tests: the fixture project and one runner per engine (session-wide:
each engine is loaded once; PostgreSQL gets a fresh schema, dropped at the end)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from typing import Any

import pytest
from compile_data import PROJECT
from compile_engines import (
    Runner,
    clickhouse_runner,
    duckdb_runner,
    mysql_connect,
    mysql_load,
    mysql_runner,
    mysql_url,
    postgres_dsn,
    postgres_load,
    postgres_runner,
    spark_runner,
    spark_session,
    sqlite_runner,
    unavailable,
)

from nsmcode.project import Project, load_project


@pytest.fixture(scope="session")
def project() -> Project:
    return load_project(PROJECT)


@pytest.fixture(scope="session")
def duckdb_run() -> Runner:
    return duckdb_runner()


@pytest.fixture(scope="session")
def sqlite_run() -> Runner:
    return sqlite_runner()


@pytest.fixture(scope="session")
def postgres_run() -> Iterator[Runner]:
    dsn = postgres_dsn()
    try:
        import psycopg
    except ImportError:
        unavailable("psycopg is not installed: PostgreSQL execution tests skipped")
    schema = f"nsmcode_compile_{os.getpid()}_{random.Random().randrange(10**9)}"
    con: Any = psycopg.connect(dsn, autocommit=True)
    try:
        postgres_load(con, schema)
        yield postgres_runner(con)
    finally:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.close()


@pytest.fixture(scope="session")
def spark_run() -> Iterator[Runner]:
    spark = spark_session()
    try:
        yield spark_runner(spark)
    finally:
        spark.stop()


@pytest.fixture(scope="session")
def clickhouse_run() -> Runner:
    return clickhouse_runner()


@pytest.fixture(scope="session")
def mysql_run() -> Iterator[Runner]:
    """MariaDB (or MySQL) at NSMCODE_TEST_MYSQL: a fresh database, dropped at the end."""
    url = mysql_url()
    database = f"nsmcode_compile_{os.getpid()}_{random.Random().randrange(10**9)}"
    admin = mysql_connect(url)
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {database}")
    con = mysql_connect(url, database)
    try:
        mysql_load(con)
        yield mysql_runner(con)
    finally:
        con.close()
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.close()
