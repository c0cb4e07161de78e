"""The vocabulary tests' dataset: seven years of orders (2019-11 .. 2027-02), so that offsets
reach a year back across ISO years of 52 and 53 weeks (2020 and 2026 have a week 53).

Deterministic; has empty weeks and a whole empty month (so a prior can be 0 or missing), NULL
amounts and statuses, zero amounts, orders at Sunday 23:59:59 and Monday 00:00:00.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).parent / "vocab"
"""The fixture project whose metrics run on this data."""

Row = tuple[Any, ...]
Table = tuple[list[tuple[str, str]], list[Row]]

START = dt.datetime(2019, 11, 4)
END = dt.datetime(2027, 2, 28)
EMPTY = (
    (dt.date(2020, 12, 28), dt.date(2021, 1, 4)),  # 2020-W53
    (dt.date(2025, 3, 3), dt.date(2025, 3, 10)),  # 2025-W10: the prior of 2026-W10
    (dt.date(2023, 6, 1), dt.date(2023, 7, 1)),  # June 2023
    (dt.date(2026, 5, 11), dt.date(2026, 5, 25)),  # two weeks
)


def _empty(when: dt.datetime) -> bool:
    return any(lo <= when.date() < hi for lo, hi in EMPTY)


def build() -> dict[str, Table]:
    span = int((END - START).total_seconds())
    rng = random.Random(20261206)
    customers = [f"c{i:03d}" for i in range(1, 301)] + [None]
    plans = ["free", "team", None]
    signups: list[Row] = []
    for i, customer in enumerate(customers[:-1]):
        when = START + dt.timedelta(seconds=rng.randrange(span))
        while _empty(when):
            when = START + dt.timedelta(seconds=rng.randrange(span))
        signups.append((customer, when, plans[i % 3]))
    signups.append((None, dt.datetime(2022, 5, 5, 12), "free"))  # no customer: never counted
    signups.append(("c002", dt.datetime(2022, 5, 6, 12), "team"))  # a second signup
    statuses = ["paid", "paid", "paid", "refunded", "open", None]
    orders: list[Row] = []
    n = 0
    while len(orders) < 2400:
        when = START + dt.timedelta(seconds=rng.randrange(span))
        n += 1
        if _empty(when):
            continue
        amount = None if rng.random() < 0.08 else round(rng.uniform(0, 250), 2)
        if n % 97 == 0:
            amount = 0.0
        orders.append((n, rng.choice(customers), when, amount, rng.choice(statuses)))
    # a third of the customers order soon after signing up (some within 14 days, some after)
    for customer, signed_up, _ in signups[:-2:3]:
        when = signed_up + dt.timedelta(seconds=rng.randrange(3600, 20 * 86400))
        if not _empty(when) and when < END:
            n += 1
            orders.append((n, customer, when, 42.0, "paid"))
    edges = [
        dt.datetime(2026, 3, 8, 23, 59, 59),
        dt.datetime(2026, 3, 9, 0, 0, 0),
        dt.datetime(2020, 12, 27, 23, 59, 59),
        dt.datetime(2021, 1, 4, 0, 0, 0),
        dt.datetime(2026, 12, 31, 12, 0, 0),  # 2026-W53
    ]
    for i, when in enumerate(edges):
        orders.append((100_000 + i, "c001", when, 10.0 * (i + 1), "paid"))
    subscriptions: list[Row] = []
    prices = [0.0, 29.0, 99.0, 299.0, None]
    for customer in customers[:30]:
        for k in range(120):
            when = START + dt.timedelta(seconds=rng.randrange(span))
            if _empty(when):
                continue
            row = (customer, when, rng.choice(prices), plans[k % 3])
            subscriptions.append(row)
            if k % 10 == 0:  # two observations at the same instant: the larger wins
                subscriptions.append((customer, when, rng.choice(prices[:4]), row[3]))
    subscriptions.append((None, dt.datetime(2024, 2, 29, 12), 500.0, "team"))  # no entity
    # the last observation of February 2024 for c001 is NULL: the one before it counts
    subscriptions.append(("c001", dt.datetime(2024, 2, 28, 9), 77.0, "team"))
    subscriptions.append(("c001", dt.datetime(2024, 2, 29, 23, 59, 59), None, "team"))
    return {
        "vocab_subscriptions": (
            [
                ("customer_id", "string"),
                ("observed_at", "timestamp"),
                ("mrr", "number"),
                ("plan", "string"),
            ],
            subscriptions,
        ),
        "vocab_customers": (
            [("customer_id", "string"), ("signed_up_at", "timestamp"), ("plan", "string")],
            signups,
        ),
        "vocab_orders": (
            [
                ("order_id", "integer"),
                ("customer_id", "string"),
                ("ordered_at", "timestamp"),
                ("amount", "number"),
                ("status", "string"),
            ],
            orders,
        )
    }


DATA = build()
