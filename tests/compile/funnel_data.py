"""The funnel tests' tables (prefixed f_, loaded into every engine with compile_data.DATA).

Hand-placed users sit exactly on, one second before and one second after every window end, have
events before their signup, sign up twice (or twice at the same second), sign up on Sunday
23:59:59 / Monday 00:00:00 and on the last and first second of a month; random users around them
give every cohort, segment and stage rows.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

Row = tuple[Any, ...]
Table = tuple[list[tuple[str, str]], list[Row]]

T = dt.datetime(2026, 3, 2, 10, 0, 0)  # a Monday
DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)
HOUR = dt.timedelta(hours=1)


def build() -> dict[str, Table]:
    rng = random.Random(20260314)
    accounts: list[Row] = [("acc1", "pro", False), ("acc2", "free", False), ("acc3", "pro", None)]
    accounts.append(("acct", "free", True))
    accounts += [(f"ac{i:02d}", rng.choice(["free", "pro", None]), i == 7) for i in range(20)]
    account_ids = [a[0] for a in accounts]
    users: list[Row] = []
    events: list[Row] = []
    account_events: list[Row] = []

    def event(user: str | None, when: dt.datetime, kind: str) -> None:
        events.append((len(events) + 1, user, when, kind))

    def account_event(account: str | None, when: dt.datetime, kind: str) -> None:
        account_events.append((len(account_events) + 1, account, when, kind))

    # (uA, uB and uC read the docs before signing up, so the chained funnel reaches their calls)
    for user in ("uA", "uB", "uC"):
        event(user, T - 2 * DAY, "docs")
    # uA: a call exactly 7 days after signup, production exactly 3 days after it, an upgrade of
    # its account exactly 14 days after signup
    users.append(("uA", "acc1", T, "ads"))
    event("uA", T + 7 * DAY, "call")
    event("uA", T + 10 * DAY, "prod")
    account_event("acc1", T + 14 * DAY, "upgrade")
    # uB: one second inside each window; uC: one second outside
    users.append(("uB", "acc2", T + HOUR, "seo"))
    event("uB", T + HOUR + 7 * DAY - SECOND, "call")
    event("uB", T + HOUR + 10 * DAY, "prod")  # 3 days + 1 s after the call
    account_event("acc2", T + HOUR + 14 * DAY + SECOND, "upgrade")
    users.append(("uC", "acc3", T + 2 * HOUR, "seo"))
    event("uC", T + 2 * HOUR + 7 * DAY + SECOND, "call")
    event("uC", T + 2 * HOUR + 8 * DAY, "prod")
    account_event("acc3", T + 2 * HOUR + 14 * DAY - SECOND, "upgrade")
    # uD: docs and a call before signup (docs count any time; the call does not), a call at the
    # signup's second, production one second before the call (never after it)
    users.append(("uD", "acc2", T + 3 * HOUR, "ads"))
    event("uD", T - 5 * DAY, "docs")
    event("uD", T + 3 * HOUR - SECOND, "call")
    event("uD", T + 3 * HOUR, "call")
    event("uD", T + 3 * HOUR - 2 * SECOND, "prod")
    event("uD", T + 3 * HOUR + DAY, "prod")
    # uE signs up twice at the same second (channel: the smallest, 'ads') and again later
    users.append(("uE", "acc1", T + DAY, "seo"))
    users.append(("uE", "acc1", T + DAY, "ads"))
    users.append(("uE", "acc1", T + 20 * DAY, "blog"))
    event("uE", T + 2 * DAY, "call")
    event("uE", T + 21 * DAY, "prod")
    # uF has no account; uG's account is a test account (not in any cohort)
    users.append(("uF", None, T + 2 * DAY, "ads"))
    event("uF", T + 2 * DAY + HOUR, "call")
    users.append(("uG", "acct", T + 2 * DAY, "ads"))
    event("uG", T + 3 * DAY, "call")
    # week and month edges
    users.append(("uH", "ac01", dt.datetime(2026, 3, 8, 23, 59, 59), "blog"))
    users.append(("uI", "ac02", dt.datetime(2026, 3, 9, 0, 0, 0), "blog"))
    users.append(("uJ", "ac03", dt.datetime(2026, 3, 31, 23, 59, 59), "seo"))
    users.append(("uK", "ac04", dt.datetime(2026, 4, 1, 0, 0, 0), "seo"))
    for user in ("uH", "uI", "uJ", "uK"):
        when = next(u[2] for u in users if u[0] == user)
        event(user, when + 6 * DAY, "call")
        event(user, when + 7 * DAY, "prod")

    start = dt.datetime(2026, 3, 2)
    kinds = ["docs", "call", "call", "prod", "prod", "other"]
    for i in range(90):
        user = f"u{i:03d}"
        signup = start + dt.timedelta(seconds=rng.randrange(118 * 86400))
        account = rng.choice([*account_ids, None])
        users.append((user, account, signup, rng.choice(["ads", "seo", "blog", None])))
        for _ in range(rng.randrange(7)):
            offset = dt.timedelta(seconds=rng.randrange(-3 * 86400, 20 * 86400))
            event(user, signup + offset, rng.choice(kinds))
    for _ in range(25):
        event(None, start + dt.timedelta(seconds=rng.randrange(118 * 86400)), "call")
    for _ in range(70):
        when = start + dt.timedelta(seconds=rng.randrange(125 * 86400))
        account_event(rng.choice([*account_ids, None]), when, rng.choice(["upgrade", "downgrade"]))
    return {
        "f_accounts": (
            [("account_id", "string"), ("tier", "string"), ("is_test", "boolean")],
            accounts,
        ),
        "f_users": (
            [
                ("user_id", "string"),
                ("account_id", "string"),
                ("signed_up_at", "timestamp"),
                ("channel", "string"),
            ],
            users,
        ),
        "f_events": (
            [
                ("event_id", "integer"),
                ("user_id", "string"),
                ("happened_at", "timestamp"),
                ("kind", "string"),
            ],
            events,
        ),
        "f_account_events": (
            [
                ("event_id", "integer"),
                ("account_id", "string"),
                ("happened_at", "timestamp"),
                ("kind", "string"),
            ],
            account_events,
        ),
    }


FUNNEL_DATA = build()
