"""The vocabulary fixture's metrics (tests/compile/vocab) computed in plain Python, following
docs/spec.md, independently of the compiler."""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from compile_reference import arith, div, first_period_on_or_after, period_of, shift
from vocab_data import DATA

Number = int | float | None
Key = tuple[Any, ...]

COLUMNS = [c for c, _ in DATA["vocab_orders"][0]]
PER_YEAR = {"month": 12, "quarter": 4}
CUSTOMER_COLUMNS = [c for c, _ in DATA["vocab_customers"][0]]
CUSTOMERS = [dict(zip(CUSTOMER_COLUMNS, r, strict=True)) for r in DATA["vocab_customers"][1]]
WITHIN = dt.timedelta(days=14)
ORDERS = [dict(zip(COLUMNS, row, strict=True)) for row in DATA["vocab_orders"][1]]


def paid(row: dict[str, Any]) -> bool:
    return row["status"] == "paid"  # NULL status: UNKNOWN, not counted


def same_week_a_year_earlier(monday: dt.date | None) -> dt.date | None:
    """ISO week W of year Y -> ISO week W of year Y - 1 (None when that year has no week 53)."""
    if monday is None:
        return None
    year, week, _ = monday.isocalendar()
    try:
        return dt.date.fromisocalendar(year - 1, week, 1)
    except ValueError:
        return None


class Vocab:
    """Evaluate the fixture's metrics for one grain and segment list."""

    def __init__(self, grain: str, segments: tuple[str, ...] = ()) -> None:
        self.grain = grain
        self.segments = segments
        self._groups: dict[Any, dict[Key, list[dict[str, Any]]]] = {}
        self._days: dict[Key, list[dt.date]] = {}
        self._first: dict[Any, dt.date] = {}

    def period(self, row: dict[str, Any]) -> dt.date:
        return period_of(row["ordered_at"].date(), self.grain)

    def rows(self, where: Callable[[dict[str, Any]], bool], period: dt.date, segs: Key) -> list:
        if where not in self._groups:
            groups: dict[Key, list[dict[str, Any]]] = defaultdict(list)
            for r in ORDERS:
                if where(r):
                    groups[(self.period(r), *(r[s] for s in self.segments))].append(r)
            self._groups[where] = groups
        return self._groups[where].get((period, *segs), [])

    def first(self, where: Callable[[dict[str, Any]], bool]) -> dt.date:
        if where not in self._first:
            self._first[where] = min(self.period(r) for r in ORDERS if where(r))
        return self._first[where]

    # -- metrics ----------------------------------------------------------------------------------

    def plain(self, name: str, period: dt.date, segs: Key) -> Number:
        if name in ("orders", "paid_orders"):
            return len(self.rows(paid if name == "paid_orders" else _all, period, segs))
        amounts = [r["amount"] for r in self.rows(_all, period, segs) if r["amount"] is not None]
        if name == "revenue":
            return sum(amounts)
        return sum(amounts) / len(amounts) if amounts else None  # average_order

    def window(self, period: dt.date, segs: Key) -> Number:
        upper = shift(period, 1, self.grain)
        lower = upper - dt.timedelta(days=28)
        if segs not in self._days:
            self._days[segs] = sorted(
                r["ordered_at"].date()
                for r in ORDERS
                if tuple(r[s] for s in self.segments) == segs
            )
        days = self._days[segs]
        return bisect.bisect_left(days, upper) - bisect.bisect_left(days, lower)

    def read(self, period: dt.date | None, shift_by: int, years: int) -> dt.date | None:
        """The period an offset reads: `years` same-week-a-year-earlier steps, then a shift."""
        for _ in range(years):
            if self.grain == "week":
                period = same_week_a_year_earlier(period)
            elif period is not None:
                period = shift(period, -PER_YEAR[self.grain], self.grain)
        if period is None:
            return None
        return shift(period, -shift_by, self.grain)

    def at(
        self, fn: Callable[[dt.date, Key], Number], fill: Number, first: dt.date,
        period: dt.date, segs: Key, shift_by: int = 0, years: int = 0,
    ) -> Number:
        """A leaf read at an offset: NULL before the leaf's first period with data."""
        read = self.read(period, shift_by, years)
        if read is None:
            return None
        if (shift_by or years) and fill is not None and read < first:
            return None
        return fn(read, segs)

    def value(self, name: str, period: dt.date, segs: Key) -> Number:
        orders = lambda p, s: self.plain("orders", p, s)  # noqa: E731
        paid_orders = lambda p, s: self.plain("paid_orders", p, s)  # noqa: E731
        revenue = lambda p, s: self.plain("revenue", p, s)  # noqa: E731
        average = lambda p, s: self.plain("average_order", p, s)  # noqa: E731
        first_all, first_paid = self.first(_all), self.first(paid)
        if name in ("orders", "paid_orders", "revenue", "average_order"):
            return self.plain(name, period, segs)
        if name in FILLS:
            return self.fills(name, period, segs)
        if name in CONVERSIONS:
            return self.conversions(name, period, segs)
        if name in PERCENTILES:
            return self.percentile(name, period, segs)
        if name in BALANCES:
            return self.balance(name, period, segs)
        if name == "orders_28d":
            return self.window(period, segs)
        if name == "orders_yoy":
            return self.yoy(period, segs)
        if name == "paid_vs_two_ago":
            return self.paid_vs(period, segs, 0)
        if name == "revenue_per_order_yoy":
            ly = (period, segs, 0, 1)
            now = div(revenue(period, segs), orders(period, segs))
            before = div(
                self.at(revenue, 0, first_all, *ly), self.at(orders, 0, first_all, *ly)
            )
            return arith("-", now, before)
        if name == "average_order_change":
            before = self.at(average, None, first_all, period, segs, 1)
            return arith("-", average(period, segs), before)
        if name == "orders_28d_yoy":
            before = self.at(self.window, 0, first_all, period, segs, 0, 1)
            return arith("-", self.window(period, segs), before)
        if name == "orders_yoy_wow":
            # the period-over-period's shift is taken after the year step (see docs/spec.md)
            return arith("-", self.yoy(period, segs), self.yoy(period, segs, 1))
        assert name == "paid_yoy_of_two_ago"
        del paid_orders, first_paid
        return arith("-", self.paid_vs(period, segs, 0), self.paid_vs(period, segs, 0, 1))

    def fills(self, name: str, period: dt.date, segs: Key) -> Number:
        """`fill_nulls_with`: every NULL of the metric's value reads the constant, and an
        empty period of a count reads it instead of 0."""

        def minus_one(p: dt.date) -> Number:
            return len(self.rows(_all, p, segs)) or -1

        if name == "orders_or_minus_one":
            return minus_one(period)
        if name == "average_or_zero":
            amounts = [r["amount"] for r in self.rows(_open, period, segs)]
            known = [a for a in amounts if a is not None]
            return sum(known) / len(known) if known else 0
        if name == "paid_share":
            share = div(self.plain("paid_orders", period, segs), self.plain("orders", period, segs))
            return 0.5 if share is None else share
        if name == "filled_plus_one":
            return minus_one(period) + 1
        assert name == "filled_two_ago"
        return minus_one(period) - minus_one(shift(period, -2, self.grain))

    def balance(self, name: str, period: dt.date, segs: Key) -> Number:
        """Per customer: the last (first) observation with an MRR in the period, the larger MRR
        at the same instant; summed over customers, in the segment of the chosen row."""
        if name == "mrr_yoy":
            first = min(self.period_of(r, "observed_at") for r in SUBSCRIPTIONS)
            before = self.read(period, 0, 1)
            if before is None or before < first:
                return arith("-", self.balance("mrr", period, segs), None)
            return self.balance("mrr", period, segs) - self.balance("mrr", before, segs)  # type: ignore[operator]
        at, where = BALANCES[name]
        if "subscriptions" not in self._groups:
            groups: dict[Key, list[dict[str, Any]]] = defaultdict(list)
            for r in SUBSCRIPTIONS:
                groups[(self.period_of(r, "observed_at"),)].append(r)
            self._groups["subscriptions"] = groups
        chosen: dict[str, dict[str, Any]] = {}
        for r in self._groups["subscriptions"].get((period,), []):
            if r["customer_id"] is None or r["mrr"] is None or not where(r):
                continue
            best = chosen.get(r["customer_id"])
            key = (r["observed_at"] if at == "end" else -r["observed_at"].timestamp(), r["mrr"])
            if best is None or key > best["key"]:
                chosen[r["customer_id"]] = {**r, "key": key}
        return sum(
            r["mrr"] for r in chosen.values() if tuple(r[s] for s in self.segments) == segs
        )

    def period_of(self, row: dict[str, Any], column: str) -> dt.date:
        return period_of(row[column].date(), self.grain)

    def percentile(self, name: str, period: dt.date, segs: Key) -> Number:
        """PERCENTILE_CONT: linear interpolation at p * (n - 1) over the sorted non-NULLs."""
        if name == "amount_spread":
            return arith(
                "-", self.percentile("p90_amount", period, segs),
                self.percentile("median_amount", period, segs),
            )
        column, p, where = PERCENTILES[name]
        values = sorted(r[column] for r in self.rows(where, period, segs) if r[column] is not None)
        if not values:
            return None
        f = Fraction(Decimal(repr(p))) * (len(values) - 1)
        lo, hi = math.floor(f), math.ceil(f)
        return values[lo] + float(f - lo) * (values[hi] - values[lo])

    def conversions(self, name: str, period: dt.date, segs: Key) -> Number:
        """Signups -> an order within 14 days (the window's ends are never hit by the data)."""
        if name == "signups":
            return len(self.signups(period, segs))
        if name == "converted_yoy":
            first = min(self.period_of_signup(c) for c in CUSTOMERS)
            before = self.read(period, 0, 1)
            now = self.converted(period, segs)
            if before is None or before < first:
                return None
            return now - self.converted(before, segs)
        if name == "ordered_within_14d":
            return self.converted(period, segs)
        entities = {c["customer_id"] for c in self.signups(period, segs)} - {None}
        return div(self.converted(period, segs), len(entities))

    def period_of_signup(self, customer: dict[str, Any]) -> dt.date:
        return period_of(customer["signed_up_at"].date(), self.grain)

    def signups(self, period: dt.date, segs: Key) -> list[dict[str, Any]]:
        return [
            c
            for c in CUSTOMERS
            if self.period_of_signup(c) == period and tuple(c[s] for s in self.segments) == segs
        ]

    def converted(self, period: dt.date, segs: Key) -> int:
        times = ORDER_TIMES
        return len(
            {
                c["customer_id"]
                for c in self.signups(period, segs)
                if c["customer_id"] is not None
                and any(
                    c["signed_up_at"] <= t < c["signed_up_at"] + WITHIN
                    for t in times.get(c["customer_id"], [])
                )
            }
        )

    def yoy(self, period: dt.date, segs: Key, shift_by: int = 0) -> Number:
        def orders(p: dt.date, s: Key) -> Number:
            return self.plain("orders", p, s)

        first = self.first(_all)
        now = self.at(orders, 0, first, period, segs, shift_by)
        before = self.at(orders, 0, first, period, segs, shift_by, 1)
        return div(arith("-", now, before), before)

    def paid_vs(self, period: dt.date, segs: Key, shift_by: int, years: int = 0) -> Number:
        def paid_orders(p: dt.date, s: Key) -> Number:
            return self.plain("paid_orders", p, s)

        first = self.first(paid)
        now = self.at(paid_orders, 0, first, period, segs, shift_by, years)
        before = self.at(paid_orders, 0, first, period, segs, shift_by + 2, years)
        return arith("-", now, before)

    def table(
        self, names: list[str], since: dt.date | None = None, until: dt.date | None = None
    ) -> list[tuple[Any, ...]]:
        rows, time = ORDERS, "ordered_at"
        if set(names) <= set(CONVERSIONS):
            rows, time = CUSTOMERS, "signed_up_at"
        elif set(names) <= set(BALANCES):
            rows, time = SUBSCRIPTIONS, "observed_at"
        periods = [period_of(r[time].date(), self.grain) for r in rows]
        lo = first_period_on_or_after(since, self.grain) if since else min(periods)
        hi = period_of(until, self.grain) if until else max(periods)
        calendar = []
        current = lo
        while current <= hi:
            calendar.append(current)
            current = shift(current, 1, self.grain)
        combos = sorted(
            {
                tuple(r[s] for s in self.segments)
                for r in rows
                if lo <= period_of(r[time].date(), self.grain) <= hi
            },
            key=lambda k: tuple((x is None, x or "") for x in k),
        )
        return [(p, *k, *(self.value(n, p, k) for n in names)) for p in calendar for k in combos]


def _all(row: dict[str, Any]) -> bool:
    return True


def _open(row: dict[str, Any]) -> bool:
    return row["status"] == "open"


FILLS = ("orders_or_minus_one", "average_or_zero", "paid_share", "filled_plus_one")
FILLS += ("filled_two_ago",)
SUBSCRIPTIONS = [
    dict(zip([c for c, _ in DATA["vocab_subscriptions"][0]], r, strict=True))
    for r in DATA["vocab_subscriptions"][1]
]
CONVERSIONS = ("signups", "ordered_within_14d", "order_rate_14d", "converted_yoy")
ORDER_TIMES: dict[str, list[dt.datetime]] = defaultdict(list)
for _order in ORDERS:
    if _order["customer_id"] is not None:
        ORDER_TIMES[_order["customer_id"]].append(_order["ordered_at"])


PERCENTILES: dict[str, tuple[str, float, Callable[[dict[str, Any]], bool]]] = {
    "median_amount": ("amount", 0.5, _all),
    "p90_amount": ("amount", 0.9, _all),
    "p99_paid_amount": ("amount", 0.99, paid),
    "lowest_amount": ("amount", 0, _all),
    "highest_amount": ("amount", 1, _all),
    "quartile_order_id": ("order_id", 0.25, _all),
    "amount_spread": ("", 0, _all),
}


def _team(row: dict[str, Any]) -> bool:
    return row["plan"] == "team"


BALANCES: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "mrr": ("end", _all),
    "mrr_at_start": ("start", _all),
    "team_mrr": ("end", _team),
    "mrr_yoy": ("", _all),
}
