"""Users who belong to accounts, and the accounts' API calls: a conversion that counts users and
follows their account (docs/spec.md, Conversion `conversion_entity`), with its answer in Python.

Covers: a user whose account is not in `x_accounts` (no key: never converts), two users of one
account (one signs up after the account's only call: not converted), sandbox calls (not counted),
a call exactly 7 days after a signup (converted) and one a second later (not).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

Table = tuple[list[tuple[str, str]], list[tuple[Any, ...]]]
WINDOW = dt.timedelta(days=7)


def _build() -> dict[str, Table]:
    rng = random.Random(13)
    start = dt.datetime(2026, 3, 2)

    def when(days: int) -> dt.datetime:
        return start + dt.timedelta(seconds=rng.randrange(days * 86400))

    accounts = [(f"x{i}", when(20), rng.choice(["team", "enterprise"])) for i in range(1, 11)]
    ids = [a[0] for a in accounts]
    users = [(f"u{i}", rng.choice([*ids, "x99", None]), when(42)) for i in range(1, 31)]
    environments = ["production", "production", "sandbox"]
    calls = [
        (n, rng.choice([*ids, "x99"]), when(56), rng.choice(environments)) for n in range(1, 81)
    ]
    # edges: u_edge_on (x1) converts at exactly +7 days, u_edge_after (x3) one second late (its
    # account's sandbox call inside the window does not count); u_late (x2) after every call
    users += [
        ("u_edge_on", "x1", dt.datetime(2026, 5, 4, 9, 0, 0)),
        ("u_edge_after", "x3", dt.datetime(2026, 5, 4, 9, 0, 0)),
        ("u_late", "x2", dt.datetime(2026, 6, 1, 12, 0, 0)),
    ]
    calls += [
        (1001, "x1", dt.datetime(2026, 5, 11, 9, 0, 0), "production"),
        (1002, "x3", dt.datetime(2026, 5, 11, 9, 0, 1), "production"),
        (1003, "x3", dt.datetime(2026, 5, 5, 9, 0, 0), "sandbox"),
    ]
    return {
        "x_accounts": (
            [("account_id", "string"), ("created_at", "timestamp"), ("plan", "string")],
            accounts,
        ),
        "x_users": (
            [("user_id", "string"), ("account_id", "string"), ("signed_up_at", "timestamp")],
            users,
        ),
        "x_calls": (
            [
                ("call_id", "integer"),
                ("account_id", "string"),
                ("called_at", "timestamp"),
                ("environment", "string"),
            ],
            calls,
        ),
    }


TABLES = _build()


def week_of(moment: dt.datetime) -> dt.date:
    day = moment.date()
    return day - dt.timedelta(days=day.weekday())


def user_activation() -> dict[dt.date, float]:
    """Per signup week: users whose account made a production call in [signup, signup + 7 days]
    / users who signed up. Weeks without signups are left out (the SQL gives them NULL)."""
    known = {a[0] for a in TABLES["x_accounts"][1]}
    calls: dict[str, list[dt.datetime]] = defaultdict(list)
    for _, account, at, environment in TABLES["x_calls"][1]:
        if environment == "production" and account in known:
            calls[account].append(at)
    users: dict[dt.date, set[str]] = defaultdict(set)
    converted: dict[dt.date, set[str]] = defaultdict(set)
    for user, account, signed_up in TABLES["x_users"][1]:
        week = week_of(signed_up)
        users[week].add(user)
        key = account if account in known else None  # the key is the joined account's
        if key is not None and any(signed_up <= t <= signed_up + WINDOW for t in calls[key]):
            converted[week].add(user)
    return {week: len(converted[week]) / len(members) for week, members in users.items()}
