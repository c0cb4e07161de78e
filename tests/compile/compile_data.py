"""The compiler's test dataset: small, deterministic, and full of the cases engines disagree on.

Covers 2026-03-02 (Monday) .. 2026-06-28 (Sunday): a quarter boundary (03-31/04-01), events at
Sunday 23:59:59 and Monday 00:00:00, two weeks without any event (04-13, 05-18), a month without
invoices (May), NULL accounts, endpoints, environments, latencies and amounts, an account that is
not in `accounts`, test/internal accounts, sandbox calls, repeated (account, endpoint) pairs, a
conversion exactly at the 7-day limit and one a second before it.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).parent / "project"
"""The fixture project whose metrics run on this data."""

Row = tuple[Any, ...]
Table = tuple[list[tuple[str, str]], list[Row]]

START = dt.datetime(2026, 3, 2)
END = dt.datetime(2026, 6, 29)
EMPTY_WEEKS = (dt.date(2026, 4, 13), dt.date(2026, 5, 18))

REGIONS: Table = (
    [("region_id", "string"), ("region_name", "string"), ("blocked", "boolean")],
    [("r1", "emea", False), ("r2", "amer", False), ("r3", "apac", True)],
)


def _in_empty_week(when: dt.datetime) -> bool:
    return any(0 <= (when.date() - monday).days < 7 for monday in EMPTY_WEEKS)


def _when(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    while True:
        seconds = rng.randrange(int((end - start).total_seconds()))
        when = start + dt.timedelta(seconds=seconds)
        if not _in_empty_week(when):
            return when


def build() -> dict[str, Table]:
    rng = random.Random(20260504)
    plans = ["individual", "team", "enterprise", None]
    segments = ["hobbyist", "professional"]
    region_ids = ["r1", "r2", "r3", None, "r9"]
    accounts: list[Row] = []
    for i in range(1, 25):
        created = _when(rng, dt.datetime(2026, 2, 23), dt.datetime(2026, 6, 20))
        is_test: bool | None = i in (5, 13)
        if i == 17:
            is_test = None
        accounts.append(
            (
                f"a{i:02d}",
                created.replace(microsecond=0),
                plans[i % 4],
                segments[i % 2],
                is_test,
                i == 9,
                region_ids[i % 5],
            )
        )
    # boundary signups: a Sunday last second and the next Monday's first second
    accounts[0] = (*accounts[0][:1], dt.datetime(2026, 3, 29, 23, 59, 59), *accounts[0][2:])
    accounts[1] = (*accounts[1][:1], dt.datetime(2026, 3, 30, 0, 0, 0), *accounts[1][2:])
    accounts[2] = (*accounts[2][:1], dt.datetime(2026, 4, 20, 9, 0, 0), *accounts[2][2:])
    accounts[3] = (*accounts[3][:1], dt.datetime(2026, 4, 21, 15, 30, 0), *accounts[3][2:])

    ids = [a[0] for a in accounts] + ["a99", None]
    endpoints = ["/search", "/pay", "/users", "/auth", None]
    environments = ["production"] * 7 + ["sandbox", "sandbox", None]
    statuses = [200, 200, 200, 201, 404, 500, 503]
    events: list[Row] = []
    for n in range(1, 301):
        when = _when(rng, START, END)
        latency = None if rng.random() < 0.1 else round(rng.uniform(5, 900), 1)
        events.append(
            (
                n,
                rng.choice(ids),
                when,
                rng.choice(endpoints),
                rng.choice(environments),
                rng.choice(statuses),
                latency,
            )
        )
    edges = [
        ("a03", dt.datetime(2026, 3, 29, 23, 59, 59), "/search", "production", 200, 10.0),
        ("a03", dt.datetime(2026, 3, 30, 0, 0, 0), "/search", "production", 200, 20.0),
        ("a03", dt.datetime(2026, 3, 30, 0, 0, 1), "/search", "production", 500, 30.0),
        ("a04", dt.datetime(2026, 3, 31, 23, 59, 59), "/pay", "production", 200, 40.5),
        ("a04", dt.datetime(2026, 4, 1, 0, 0, 0), "/pay", "production", 503, None),
        ("a06", dt.datetime(2026, 4, 1, 0, 0, 0), "/pay", "sandbox", 200, 12.0),
    ]
    # conversions at the edge of a 7-day window after a signup
    first, second = accounts[2], accounts[3]
    edges.append((first[0], first[1] + dt.timedelta(days=7), "/auth", "production", 200, 1.0))
    edges.append(
        (second[0], second[1] + dt.timedelta(days=7, seconds=-1), "/auth", "production", 200, 2.0)
    )
    for offset, (account, when, endpoint, env, status, latency) in enumerate(edges):
        events.append((1000 + offset, account, when, endpoint, env, status, latency))

    invoices: list[Row] = []
    for n in range(1, 41):
        when = _when(rng, START, END)
        while when.month == 5:
            when = _when(rng, START, END)
        amount = None if n % 13 == 0 else round(rng.uniform(-20, 400), 2)
        if n == 7:
            amount = 0.0
        invoices.append((n, rng.choice(ids[:-1]), when, amount))

    return {
        "regions": REGIONS,
        "accounts": (
            [
                ("account_id", "string"),
                ("created_at", "timestamp"),
                ("plan", "string"),
                ("developer_segment", "string"),
                ("is_test", "boolean"),
                ("is_internal", "boolean"),
                ("region_id", "string"),
            ],
            accounts,
        ),
        "events": (
            [
                ("event_id", "integer"),
                ("account_id", "string"),
                ("called_at", "timestamp"),
                ("endpoint", "string"),
                ("environment", "string"),
                ("status_code", "integer"),
                ("latency_ms", "number"),
            ],
            events,
        ),
        "invoices": (
            [
                ("invoice_id", "integer"),
                ("account_id", "string"),
                ("issued_at", "timestamp"),
                ("amount", "number"),
            ],
            invoices,
        ),
    }


DATA = build()


def _with_extra_tables() -> None:
    """The time-boundary probes (compile_time.py) and the users/accounts tables
    (compile_accounts.py) ride along in every engine."""
    import compile_accounts
    import compile_time

    DATA.update(compile_time.TABLES)
    DATA.update(compile_accounts.TABLES)


_with_extra_tables()

# the funnel tests' tables (funnel_data.py), loaded into the same engines
from funnel_data import FUNNEL_DATA  # noqa: E402

DATA.update(FUNNEL_DATA)
