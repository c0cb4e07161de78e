"""A tiny project with deterministic data, loadable into DuckDB (CSV files), SQLite and PostgreSQL,
and the same metrics computed in plain Python, so tests check every number independently."""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

START = dt.datetime(2026, 10, 5)  # a Monday; three weeks of data
ENDPOINTS = ("POST /v1/messages", "GET /v1/events", "POST /v1/webhooks", "GET /v1/files")

COLUMNS = {
    "accounts": (
        ("account_id", "TEXT"),
        ("created_at", "TIMESTAMP"),
        ("plan", "TEXT"),
        ("is_test", "BOOLEAN"),
    ),
    "api_calls": (
        ("call_id", "TEXT"),
        ("account_id", "TEXT"),
        ("called_at", "TIMESTAMP"),
        ("endpoint", "TEXT"),
        ("environment", "TEXT"),
        ("status_code", "INTEGER"),
        ("latency_ms", "DOUBLE PRECISION"),
    ),
}


def make_rows() -> dict[str, list[tuple[Any, ...]]]:
    rng = random.Random(11)
    accounts = []
    for i in range(12):
        created = START + dt.timedelta(hours=rng.randrange(21 * 24))
        plan = ("individual", "team", "enterprise")[i % 3]
        accounts.append((f"a{i:02d}", created, plan, i % 5 == 4))
    calls = []
    for n in range(400):
        account = accounts[rng.randrange(len(accounts))]
        at = START + dt.timedelta(seconds=rng.randrange(21 * 24 * 3600))
        calls.append(
            (
                f"c{n:04d}",
                account[0],
                at,
                rng.choice(ENDPOINTS),
                "production" if rng.random() < 0.7 else "sandbox",
                503 if rng.random() < 0.08 else 200,
                round(rng.uniform(10, 500), 2),
            )
        )
    return {"accounts": accounts, "api_calls": calls}


ROWS = make_rows()

DEFINITIONS = """\
version: 1
sources:
  - name: accounts
    table: accounts
    time_column: created_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string, semantic: identifier}
      - {name: created_at, type: timestamp}
      - {name: plan, type: string}
      - {name: is_test, type: boolean, semantic: test_flag}
    dimensions: [plan]
  - name: api_calls
    table: api_calls
    time_column: called_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: call_id, type: string, semantic: identifier}
      - {name: account_id, type: string, semantic: identifier}
      - {name: called_at, type: timestamp}
      - {name: endpoint, type: string}
      - {name: environment, type: string, semantic: environment}
      - {name: status_code, type: integer}
      - {name: latency_ms, type: number}
    dimensions: [endpoint, environment]
    joins: [{source: accounts, column: account_id}]
qualifiers:
  - name: production_only
    condition: environment = 'production'
    reason: sandbox calls are not real usage
  - name: exclude_test
    condition: NOT accounts.is_test
    reason: test accounts are not customers
metrics:
  - name: points
    role: north_star
    source: api_calls
    calculation: {type: count_distinct, columns: [account_id, endpoint]}
    qualifiers: [production_only, exclude_test]
    grain: week
    segments: [plan]
  - name: calls
    source: api_calls
    calculation: {type: count}
    qualifiers: [production_only, exclude_test]
    grain: week
    segments: [plan]
  - name: errors
    source: api_calls
    calculation: {type: count}
    qualifiers: [production_only, exclude_test]
    filter: status_code >= 500
    grain: week
    segments: [plan]
  - name: error_rate
    calculation: {type: ratio, numerator: errors, denominator: calls}
    grain: week
  - name: avg_latency
    source: api_calls
    calculation: {type: average, column: latency_ms}
    qualifiers: [production_only, exclude_test]
    grain: week
  - name: signups
    source: accounts
    calculation: {type: count}
    qualifiers: [exclude_test]
    grain: week
okrs:
  - name: grow
    objective: Grow usage
    period: 2026-Q4
    key_results:
      - {metric: points, baseline: 5, target: 40, direction: increase, due: 2026-12-31}
      - {metric: error_rate, baseline: 0.1, target: 0.05, direction: decrease, due: 2026-11-30}
teams:
  - name: platform
    kpis:
      - {metric: calls, target: 200, direction: increase, due: 2027-01-31}
      - {metric: avg_latency, baseline: 300, target: 200, direction: decrease, due: 2026-12-31}
"""

PROJECT = """\
version: 1
name: tiny
paths: [metrics]
connection: local
connections:
  local:
    type: duckdb
    tables:
      accounts: data/accounts.csv
      api_calls: data/api_calls.csv
  lite:
    type: sqlite
    database: tiny.sqlite
  pg:
    type: postgres
    dsn_env: NSMCODE_TINY_DSN
"""


def cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def write_csv(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in ROWS.items():
        with (folder / f"{table}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([c for c, _ in COLUMNS[table]])
            writer.writerows([cell(v) for v in row] for row in rows)


def sqlite_value(value: Any) -> Any:
    """SQLite has no booleans or timestamps: 0/1 and ISO text, as in most SQLite schemas."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return cell(value)
    return value


def write_sqlite(path: Path, skip: tuple[str, ...] = ()) -> None:
    """Load the rows into SQLite; `skip` drops `table` or `table.column` to provoke errors."""
    con = sqlite3.connect(path)
    for table, rows in ROWS.items():
        if table in skip:
            continue
        keep = [i for i, (c, _) in enumerate(COLUMNS[table]) if f"{table}.{c}" not in skip]
        cols = ", ".join(f"{COLUMNS[table][i][0]} {COLUMNS[table][i][1]}" for i in keep)
        con.execute(f"CREATE TABLE {table} ({cols})")
        marks = ", ".join("?" for _ in keep)
        values = [tuple(sqlite_value(row[i]) for i in keep) for row in rows]
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
    con.commit()
    con.close()


@dataclass
class Tiny:
    root: Path

    def args(self, *more: str) -> list[str]:
        return [*more, "--project", str(self.root)]


def monday(moment: dt.datetime) -> dt.date:
    return moment.date() - dt.timedelta(days=moment.weekday())


def month(moment: dt.datetime) -> dt.date:
    return moment.date().replace(day=1)


def expected(
    metric: str, period: Callable[[dt.datetime], dt.date] = monday, by_plan: bool = False
) -> dict[tuple[Any, ...], Any]:
    """The metric computed in plain Python from the rows, keyed by (period[, plan])."""
    accounts = {a[0]: a for a in ROWS["accounts"]}
    if metric == "signups":
        out: dict[tuple[Any, ...], Any] = defaultdict(int)
        for a in ROWS["accounts"]:
            if not a[3]:
                out[(period(a[1]),)] += 1
        return dict(out)
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for call in ROWS["api_calls"]:
        account = accounts[call[1]]
        if call[4] == "production" and not account[3]:
            key = (period(call[2]), account[2]) if by_plan else (period(call[2]),)
            groups[key].append(call)
    result: dict[tuple[Any, ...], Any] = {}
    for key, calls in groups.items():
        errors = sum(1 for c in calls if c[5] >= 500)
        result[key] = {
            "points": len({(c[1], c[3]) for c in calls}),
            "calls": len(calls),
            "errors": errors,
            "error_rate": errors / len(calls),
            "avg_latency": sum(c[6] for c in calls) / len(calls),
        }[metric]
    return result


# ------------------------------------------------------------------------------------------------
# PostgreSQL


def require_psycopg() -> None:
    """psycopg is a dev dependency: missing is a skip locally, a failure in CI."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("psycopg is not installed; CI must run the PostgreSQL tests")
        pytest.skip("psycopg is not installed (pip install 'nsmcode[postgres]')")


def postgres_dsn() -> str:
    require_psycopg()
    dsn = os.environ.get("NSMCODE_TEST_POSTGRES")
    if not dsn:
        if os.environ.get("CI") == "true":
            pytest.fail("NSMCODE_TEST_POSTGRES is not set; CI must run the PostgreSQL tests")
        pytest.skip("NSMCODE_TEST_POSTGRES is not set (a PostgreSQL URL to test against)")
    return dsn


def schema_dsn(dsn: str, schema: str) -> str:
    """The server DSN with the schema first on the search path."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(dsn, options=f"-c search_path={schema}")


def load_postgres(dsn: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as con:
        for table, rows in ROWS.items():
            cols = ", ".join(f"{c} {t}" for c, t in COLUMNS[table])
            con.execute(f"CREATE TABLE {schema}.{table} ({cols})")
            with con.cursor().copy(f"COPY {schema}.{table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
