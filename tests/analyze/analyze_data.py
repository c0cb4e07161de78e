"""Synthetic data for the analyze tests, with the effects planted where the tests say.

Two small projects:

- the lead project: `usage` rows (the north star counts distinct account/feature pairs per
  week, test accounts excluded by a qualifier), `payments` (the outcome: weekly sum of amounts)
  and `signals` (two inputs). Weekly levels follow one latent log process z: the north star is
  exp(z at t - a), the outcome exp(z at t - b) plus noise, so the north star leads the outcome by
  b - a weeks (or the outcome leads when a > b, or they are unrelated);
- the retention project: accounts sign up, use some features in their first 28 days and are
  active again 57-84 days later with a probability that rises with those features (or not).

Rows are loaded into DuckDB (a database file, as a warehouse would hold them), SQLite and
PostgreSQL from the same Python lists, and the tests check SQL results against Python computed
from those lists.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import os
import random
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

START = dt.datetime(2025, 1, 6)  # a Monday
FEATURES = tuple(f"feature_{i:02d}" for i in range(20))
ACCOUNTS = tuple(f"acc_{i:03d}" for i in range(100))
TEST_ACCOUNTS = tuple(f"test_{i}" for i in range(4))

COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "accounts": (
        ("account_id", "TEXT"),
        ("created_at", "TIMESTAMP"),
        ("is_test", "BOOLEAN"),
    ),
    "usage": (
        ("event_id", "TEXT"),
        ("account_id", "TEXT"),
        ("used_at", "TIMESTAMP"),
        ("feature", "TEXT"),
    ),
    "payments": (
        ("payment_id", "TEXT"),
        ("account_id", "TEXT"),
        ("paid_at", "TIMESTAMP"),
        ("amount", "DOUBLE PRECISION"),
    ),
    "signals": (
        ("signal_id", "TEXT"),
        ("happened_at", "TIMESTAMP"),
        ("kind", "TEXT"),
    ),
}

SOURCES = """\
version: 1
sources:
  - name: accounts
    table: accounts
    time_column: created_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string, semantic: identifier}
      - {name: created_at, type: timestamp}
      - {name: is_test, type: boolean, semantic: test_flag}
  - name: usage
    table: usage
    time_column: used_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: event_id, type: string, semantic: identifier}
      - {name: account_id, type: string, semantic: identifier}
      - {name: used_at, type: timestamp}
      - {name: feature, type: string}
    joins: [{source: accounts, column: account_id}]
  - name: payments
    table: payments
    time_column: paid_at
    financial: true
    entities: [{name: account, column: account_id}]
    columns:
      - {name: payment_id, type: string, semantic: identifier}
      - {name: account_id, type: string, semantic: identifier}
      - {name: paid_at, type: timestamp}
      - {name: amount, type: number, semantic: currency}
  - name: signals
    table: signals
    time_column: happened_at
    columns:
      - {name: signal_id, type: string, semantic: identifier}
      - {name: happened_at, type: timestamp}
      - {name: kind, type: string}
qualifiers:
  - name: real_accounts
    condition: NOT accounts.is_test
    reason: test accounts are not customers
metrics:
  - name: active_features
    role: north_star
    source: usage
    calculation: {type: count_distinct, columns: [account_id, feature]}
    qualifiers: [real_accounts]
    grain: week
    entity: account
  - name: weekly_payments
    source: payments
    calculation: {type: sum, column: amount}
    grain: week
  - name: signups
    source: accounts
    calculation: {type: count}
    qualifiers: [real_accounts]
    grain: week
  - name: activity_ratio
    calculation: {type: ratio, numerator: active_features, denominator: signups}
    grain: week
"""

INPUTS = """\
version: 1
metrics:
  - name: leading_signal
    role: input
    category: product
    source: signals
    calculation: {type: count}
    filter: kind = 'lead'
    grain: week
  - name: noise_signal
    role: input
    category: growth
    source: signals
    calculation: {type: count}
    filter: kind = 'noise'
    grain: week
"""


def project_yaml(analysis: str = "outcome: weekly_payments") -> str:
    return f"""\
version: 1
name: analyze-test
paths: [metrics]
connection: local
connections:
  local:
    type: duckdb
    database: data.duckdb
  lite:
    type: sqlite
    database: data.sqlite
  pg:
    type: postgres
    dsn_env: NSMCODE_ANALYZE_DSN
analysis:
  {analysis}
"""


@dataclass
class Data:
    rows: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {table: [] for table in COLUMNS}
    )

    def add(self, table: str, *values: Any) -> None:
        self.rows[table].append(values)


Build = Callable[[str], "tuple[Path, Data]"]
"""The `build` fixture: scenario name -> (project folder, its rows)."""


def _moment(rng: random.Random, week: int) -> dt.datetime:
    return START + dt.timedelta(weeks=week, seconds=rng.randrange(7 * 24 * 3600))


def _accounts(data: Data) -> None:
    for i, account in enumerate((*ACCOUNTS, *TEST_ACCOUNTS)):
        created = START - dt.timedelta(days=30 - i % 7)
        data.add("accounts", account, created, account in TEST_ACCOUNTS)


def lead_data(*, nsm_delay: int, outcome_delay: int | None, weeks: int = 52, seed: int = 7) -> Data:
    """Weekly levels from a latent AR(1) log process z: the north star follows z delayed by
    `nsm_delay` weeks, the outcome z delayed by `outcome_delay` (None: an unrelated process).
    An input leads the north star by 2 weeks; another is unrelated."""
    rng = random.Random(seed)
    margin = 12

    def process() -> dict[int, float]:
        z, out = 0.0, {}
        for t in range(-margin, weeks + margin):
            z = 0.6 * z + rng.gauss(0, 0.25)
            out[t] = z
        return out

    z, unrelated, noise = process(), process(), process()
    data = Data()
    _accounts(data)
    pairs = [(a, f) for a in ACCOUNTS for f in FEATURES]
    for week in range(weeks):
        count = min(len(pairs), round(180 * math.exp(z[week - nsm_delay])))
        for account, feature in rng.sample(pairs, count):
            for _ in range(1 + (rng.random() < 0.4)):  # repeated use counts once
                data.add(
                    "usage", f"u{len(data.rows['usage'])}", account, _moment(rng, week), feature
                )
        for account in TEST_ACCOUNTS:  # the qualifier keeps these out
            for feature in rng.sample(FEATURES, rng.randrange(1, 20)):
                data.add(
                    "usage", f"u{len(data.rows['usage'])}", account, _moment(rng, week), feature
                )
        level = z[week - outcome_delay] if outcome_delay is not None else unrelated[week]
        total = 5000 * math.exp(level + rng.gauss(0, 0.03))
        shares = [rng.random() + 0.5 for _ in range(5)]
        for share in shares:
            amount = round(total * share / sum(shares), 2)
            data.add(
                "payments",
                f"p{len(data.rows['payments'])}",
                rng.choice(ACCOUNTS),
                _moment(rng, week),
                amount,
            )
        for kind, level, base in (
            ("lead", z[week - nsm_delay + 2], 60),
            ("noise", noise[week], 60),
        ):
            for _ in range(round(base * math.exp(level))):
                data.add("signals", f"s{len(data.rows['signals'])}", _moment(rng, week), kind)
    return data


def retention_data(*, related: bool, seed: int = 3, accounts: int = 400) -> Data:
    """Accounts sign up over 20 weeks; some never use the product; users pick 1-8 features in
    their first 28 days and come back 57-84 days after signing up with a probability that rises
    with those features when `related` (else a flat 50%)."""
    rng = random.Random(seed)
    data = Data()
    horizon = START + dt.timedelta(weeks=40)
    for i in range(accounts):
        account = f"acc_{i:04d}"
        created = START + dt.timedelta(seconds=rng.randrange(20 * 7 * 24 * 3600))
        data.add("accounts", account, created, i % 25 == 0)
        features = 0 if rng.random() < 0.2 else rng.randint(1, 8)
        for feature in rng.sample(FEATURES, features):
            at = created + dt.timedelta(seconds=rng.randrange(1, 27 * 24 * 3600))
            data.add("usage", f"u{len(data.rows['usage'])}", account, at, feature)
        chance = 0.1 + 0.1 * features if related else 0.5
        if rng.random() < chance:
            at = created + dt.timedelta(days=rng.uniform(56.5, 83.5))
            data.add("usage", f"u{len(data.rows['usage'])}", account, at, rng.choice(FEATURES))
        if rng.random() < 0.3:  # some activity in between, which neither scores nor retains
            at = created + dt.timedelta(days=rng.uniform(30, 55))
            data.add("usage", f"u{len(data.rows['usage'])}", account, at, rng.choice(FEATURES))
    # the data runs until the horizon: a late event marks where the history ends
    data.add("usage", "u_last", "acc_0001", horizon, FEATURES[0])
    return data


# ------------------------------------------------------------------------------------------------
# Writing projects and loading data


def write_project(root: Path, data: Data, analysis: str, *, inputs: bool = False) -> Path:
    (root / "metrics").mkdir(parents=True, exist_ok=True)
    (root / "nsmcode.yaml").write_text(project_yaml(analysis))
    (root / "metrics" / "metrics.yaml").write_text(SOURCES)
    if inputs:
        (root / "metrics" / "inputs.yaml").write_text(INPUTS)
    write_duckdb(root / "data.duckdb", data)
    return root


def write_duckdb(path: Path, data: Data) -> None:
    """Through CSV files (DuckDB inserts row by row slowly), with the declared column types."""
    import duckdb

    duck_types = {"TEXT": "VARCHAR", "DOUBLE PRECISION": "DOUBLE"}
    con = duckdb.connect(str(path))
    try:
        for table, columns in COLUMNS.items():
            csv_path = path.parent / f"{table}.csv"
            with csv_path.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([c for c, _ in columns])
                writer.writerows([_sqlite(v) for v in row] for row in data.rows[table])
            types = ", ".join(f"'{c}': '{duck_types.get(t, t)}'" for c, t in columns)
            con.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_csv('{csv_path}', header = true, "
                f"columns = {{{types}}})"
            )
            csv_path.unlink()
    finally:
        con.close()


def write_sqlite(path: Path, data: Data) -> None:
    """SQLite has no booleans or timestamps: 0/1 and ISO text, as in most SQLite schemas."""
    con = sqlite3.connect(path)
    try:
        for table, columns in COLUMNS.items():
            spec = ", ".join(f"{c} {t}" for c, t in columns)
            con.execute(f"CREATE TABLE {table} ({spec})")
            marks = ", ".join("?" for _ in columns)
            con.executemany(
                f"INSERT INTO {table} VALUES ({marks})",
                [tuple(_sqlite(v) for v in row) for row in data.rows[table]],
            )
        con.commit()
    finally:
        con.close()


def _sqlite(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def postgres_dsn() -> str:
    dsn = os.environ.get("NSMCODE_TEST_POSTGRES")
    if not dsn:
        if os.environ.get("CI") == "true":
            pytest.fail("NSMCODE_TEST_POSTGRES is not set; CI must run the PostgreSQL tests")
        pytest.skip("NSMCODE_TEST_POSTGRES is not set (a PostgreSQL URL to test against)")
    return dsn


def load_postgres(dsn: str, schema: str, data: Data) -> str:
    """Create the tables in `schema`; return a DSN with that schema first on the search path."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    with psycopg.connect(dsn, autocommit=True) as con:
        for table, columns in COLUMNS.items():
            spec = ", ".join(f"{c} {t}" for c, t in columns)
            con.execute(f"CREATE TABLE {schema}.{table} ({spec})")
            with con.cursor().copy(f"COPY {schema}.{table} FROM STDIN") as copy:
                for row in data.rows[table]:
                    copy.write_row(row)
    return make_conninfo(dsn, options=f"-c search_path={schema}")


# ------------------------------------------------------------------------------------------------
# Python references


def log_changes(values: Sequence[float | None]) -> list[float | None]:
    out: list[float | None] = [None]
    for before, now in itertools.pairwise(values):
        if before is not None and now is not None and before > 0 and now > 0:
            out.append(math.log(now) - math.log(before))
        else:
            out.append(None)
    return out


def lag_correlation(
    leader: Sequence[float | None], follower: Sequence[float | None], lag: int
) -> tuple[int, float | None]:
    """(n, r) of the leader's log change at t with the follower's at t + lag."""
    import statistics

    x, y = log_changes(leader), log_changes(follower)
    pairs = [
        (x[t], y[t + lag])
        for t in range(len(x))
        if 0 <= t + lag < len(y) and x[t] is not None and y[t + lag] is not None
    ]
    if len(pairs) < 2:
        return len(pairs), None
    xs = [float(p[0]) for p in pairs]  # type: ignore[arg-type]
    ys = [float(p[1]) for p in pairs]  # type: ignore[arg-type]
    try:
        return len(pairs), statistics.correlation(xs, ys)
    except statistics.StatisticsError:
        return len(pairs), None


def retention_buckets(
    data: Data, *, cohort: str, score_days: int = 28, later: tuple[int, int] = (56, 84)
) -> dict[int, tuple[int, int, float | None, float | None]]:
    """bucket -> (entities, retained, low, high), by the rules docs/analyze.md states, with the
    north star's rows (usage of real accounts) as score and activity."""
    test = {r[0] for r in data.rows["accounts"] if r[2]}
    usage = [(r[1], r[2], r[3]) for r in data.rows["usage"] if r[1] not in test]
    if cohort == "signups":
        events = [(r[0], r[1]) for r in data.rows["accounts"] if not r[2]]
    else:
        events = [(a, at) for a, at, _ in usage]
    start: dict[str, dt.datetime] = {}
    for account, at in events:
        start[account] = min(at, start.get(account, at))
    last = max(at for _, at, _ in usage)
    observed = {a: s for a, s in start.items() if s + dt.timedelta(days=later[1]) <= last}
    features: dict[str, set[str]] = defaultdict(set)
    retained: set[str] = set()
    for account, at, feature in usage:
        begin = observed.get(account)
        if begin is None:
            continue
        if begin <= at < begin + dt.timedelta(days=score_days):
            features[account].add(feature)
        if begin + dt.timedelta(days=later[0]) <= at < begin + dt.timedelta(days=later[1]):
            retained.add(account)
    scores = {a: len(features[a]) for a in observed}
    positive = sorted(s for s in scores.values() if s > 0)
    count = len(positive)

    def bucket(score: int) -> int:
        if score <= 0:
            return 0
        rank = positive.index(score) + 1  # ties share the lowest rank, as SQL RANK does
        return next((q for q in (1, 2, 3) if 4 * (rank - 1) < q * count), 4)

    out: dict[int, list[Any]] = {}
    for account, score in scores.items():
        entry = out.setdefault(bucket(score), [0, 0, None, None])
        entry[0] += 1
        entry[1] += account in retained
        entry[2] = score if entry[2] is None else min(entry[2], score)
        entry[3] = score if entry[3] is None else max(entry[3], score)
    return {b: (e[0], e[1], e[2], e[3]) for b, e in out.items()}
