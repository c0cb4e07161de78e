"""Fixtures for the run tests: the tiny project (see tinyproject.py) and a PostgreSQL schema."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from tinyproject import DEFINITIONS, PROJECT, Tiny, postgres_dsn, write_csv


@pytest.fixture
def tiny(tmp_path: Path) -> Tiny:
    root = tmp_path / "tiny"
    (root / "metrics").mkdir(parents=True)
    (root / "nsmcode.yaml").write_text(PROJECT)
    (root / "metrics" / "metrics.yaml").write_text(DEFINITIONS)
    write_csv(root / "data")
    return Tiny(root)


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A fresh schema on the test server: (server DSN, schema name); dropped afterwards."""
    dsn = postgres_dsn()
    import psycopg

    schema = f"nsmcode_test_{os.getpid()}_{random.Random().randrange(10**9)}"
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    try:
        yield dsn, schema
    finally:
        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")
