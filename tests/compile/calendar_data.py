"""The calendar tests' dataset: seven years of orders (2020-11 .. 2027-06), plus probes: three
orders around each boundary a calendar cuts (1 s before, on it, 1 s after), told apart by their
`probe` column, so that a query segmented by `probe` shows the period each one lands in.

Deterministic; one fiscal quarter with no orders (2023-05-01 .. 2023-08-01: a zero to grow
from), NULL amounts.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).parent / "calendar"
"""The fixture project (fiscal year from February, weeks from Sunday)."""

Row = tuple[Any, ...]
Table = tuple[list[tuple[str, str]], list[Row]]

START = dt.datetime(2020, 11, 2)
END = dt.datetime(2027, 6, 30)
EMPTY = (dt.date(2023, 5, 1), dt.date(2023, 8, 1))

BOUNDARIES = {
    "jan": dt.datetime(2026, 1, 1),  # calendar year (and fiscal year from January)
    "feb": dt.datetime(2026, 2, 1),  # fiscal year from February: FY2027 starts
    "apr": dt.datetime(2026, 4, 1),  # fiscal year from April: FY2027 starts
    "may": dt.datetime(2026, 5, 1),  # fiscal quarter 2 (year from February)
    "oct": dt.datetime(2026, 10, 1),  # fiscal year from October: FY2027 starts
    "sun": dt.datetime(2026, 3, 1),  # Sunday: weeks from Sunday
    "mon": dt.datetime(2026, 3, 2),  # Monday: weeks from Monday
    "sat": dt.datetime(2026, 2, 28),  # Saturday: weeks from Saturday
}
"""Boundary instants (00:00:00); each has probes `<name>-before`, `<name>-on`, `<name>-after`."""
SECOND = dt.timedelta(seconds=1)
OFFSETS = {"before": -SECOND, "on": dt.timedelta(0), "after": SECOND}


def build() -> dict[str, Table]:
    span = int((END - START).total_seconds())
    rng = random.Random(20261206)
    orders: list[Row] = []
    n = 0
    while len(orders) < 1500:
        when = START + dt.timedelta(seconds=rng.randrange(span))
        n += 1
        if EMPTY[0] <= when.date() < EMPTY[1]:
            continue
        amount = None if rng.random() < 0.07 else round(rng.uniform(0, 200), 2)
        orders.append((n, when, amount, None))
    for name, instant in BOUNDARIES.items():
        for where, delta in OFFSETS.items():
            n += 1
            orders.append((n, instant + delta, 10.0, f"{name}-{where}"))
    columns = [
        ("order_id", "integer"),
        ("ordered_at", "timestamp"),
        ("amount", "number"),
        ("probe", "string"),
    ]
    return {"cal_orders": (columns, orders), "cal_days": retail_calendar()}


RETAIL_START = dt.date(2021, 1, 3)
"""A Sunday: the first day of the retail calendar (orders before it have no retail period)."""
RETAIL_END = dt.date(2027, 7, 31)


def retail_calendar() -> Table:
    """A 4-4-5 calendar: quarters of 13 weeks (months of 4, 4 and 5 weeks) from RETAIL_START,
    one row per day with the first day of its retail month and quarter."""
    rows: list[Row] = []
    day = RETAIL_START
    while day <= RETAIL_END:
        week = (day - RETAIL_START).days // 7
        quarter_start = RETAIL_START + dt.timedelta(weeks=week // 13 * 13)
        in_quarter = week % 13
        month_week = 0 if in_quarter < 4 else 4 if in_quarter < 8 else 8
        month_start = quarter_start + dt.timedelta(weeks=month_week)
        rows.append((day, month_start, quarter_start))
        day += dt.timedelta(days=1)
    columns = [("day", "date"), ("retail_month", "date"), ("retail_quarter", "date")]
    return columns, rows


DATA = build()
