"""The time-to-convert tests' dataset (tests/compile/durations): accounts signing up over 18
months, their users, and their API calls (production and sandbox).

Deterministic. Besides random durations it holds every edge the spec names: a call at exactly
the signup second (0 s), calls exactly 30 days after signup and one second either side (the
cap, inclusive and exclusive), fractions of a second on both sides of a second boundary, a
call before the signup (never counts), a second signup (the first one starts the clock), two
signup rows at the same instant with different plans (the smallest plan), NULL accounts, times
and plans, accounts that never call, and ties (equal durations).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).parent / "durations"
"""The fixture project whose metrics run on this data."""

Row = tuple[Any, ...]
Table = tuple[list[tuple[str, str]], list[Row]]

START = dt.datetime(2025, 1, 1)
SPAN = 540 * 86400
DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)
HOUR = dt.timedelta(hours=1)


def build() -> dict[str, Table]:
    rng = random.Random(20261206)
    plans = ["free", "team", "enterprise", None]
    accounts: list[Row] = []
    users: list[Row] = []
    calls: list[Row] = []
    call_id = 0

    def call(account: str | None, when: dt.datetime | None, environment: str | None) -> None:
        nonlocal call_id
        call_id += 1
        calls.append((call_id, account, when, environment))

    for i in range(240):
        account = f"a{i:03d}"
        signed = START + dt.timedelta(seconds=rng.randrange(SPAN))
        accounts.append((account, signed, plans[i % 4]))
        for u in range(i % 3):
            joined = signed + dt.timedelta(seconds=rng.randrange(0, 20 * 86400))
            users.append((f"u{i:03d}_{u}", account, joined))
        kind = i % 8
        if kind == 0:
            continue  # never calls
        for _ in range(rng.randrange(1, 6)):
            offset = dt.timedelta(seconds=rng.randrange(-5 * 86400, 60 * 86400))
            call(account, signed + offset, rng.choice(["production", "sandbox", None]))
        if kind == 3:  # ties: many accounts take exactly two days
            call(account, signed + 2 * DAY, "production")
    # the edges, each on an account of its own (signed up 2026-07-15 09:00:00, after the others)
    base = dt.datetime(2026, 7, 15, 9, 0, 0)
    edges: list[tuple[str, dt.datetime, list[tuple[dt.datetime, str | None]]]] = [
        ("e00", base, [(base, "production")]),  # at the signup second: 0 s
        ("e01", base, [(base + 30 * DAY, "production")]),  # exactly the cap
        ("e02", base, [(base + 30 * DAY - SECOND, "production")]),  # one second inside
        ("e03", base, [(base + 30 * DAY + SECOND, "production")]),  # one second outside
        ("e04", base, [(base - SECOND, "production"), (base + 3 * DAY, "production")]),
        # fractions: 09:00:00.900 -> 09:00:01.100 is 1 s (the seconds 00 and 01)
        ("e05", base + dt.timedelta(microseconds=900_000), [(base + 1.1 * SECOND, "production")]),
        # a call 0.4 s before the signup, in the same second: the same second, 0 s, counts
        ("e06", base + dt.timedelta(microseconds=500_000), [(base + 0.1 * SECOND, "production")]),
        # two production calls at the same first instant, and a sandbox call before them
        ("e07", base, [(base + DAY, "sandbox"), (base + 2 * DAY, "production")] * 2),
    ]
    # a cap in hours (`within: 2 hours`), on a day of its own: exactly, 1 s inside, 1 s outside
    hours = dt.datetime(2026, 7, 20, 23, 0, 0)
    two = 2 * HOUR
    edges += [
        ("h00", hours, [(hours + two, "production")]),
        ("h01", hours, [(hours + two - SECOND, "production")]),
        ("h02", hours, [(hours + two + SECOND, "production")]),
    ]
    for account, signed, events in edges:
        accounts.append((account, signed, "team"))
        for when, environment in events:
            call(account, when, environment)
    # a second signup: the first (2025-02-01) starts the clock, not the later one
    accounts.append(("a001", accounts[1][1] + 40 * DAY, "free"))
    # two rows at the same instant with different plans: the entity is in the smallest plan
    twin = dt.datetime(2025, 8, 20, 10, 30, 0)
    accounts.append(("t00", twin, "team"))
    accounts.append(("t00", twin, "enterprise"))
    call("t00", twin + 5 * DAY, "production")
    accounts.append((None, dt.datetime(2025, 6, 1, 12), "free"))  # no account: never timed
    accounts.append(("n00", None, "free"))  # no time: never timed
    call(None, dt.datetime(2025, 6, 2), "production")
    call("a002", None, "production")
    users.append(("u_orphan", None, dt.datetime(2025, 7, 1)))  # no account: no call matches
    return {
        "dur_accounts": (
            [("account_id", "string"), ("signed_up_at", "timestamp"), ("plan", "string")],
            accounts,
        ),
        "dur_users": (
            [("user_id", "string"), ("account_id", "string"), ("joined_at", "timestamp")],
            users,
        ),
        "dur_calls": (
            [
                ("call_id", "integer"),
                ("account_id", "string"),
                ("called_at", "timestamp"),
                ("environment", "string"),
            ],
            calls,
        ),
    }


DATA = build()
