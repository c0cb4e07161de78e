"""The calendar fixture's metrics in plain Python, from the rules of docs/spec.md ("Calendars"),
independently of the compiler: fiscal years start on the first of month `fiscal_start`, weeks on
`week_start` (0 = Monday .. 6 = Sunday)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from calendar_data import DATA

Number = int | float | None
COLUMNS = [c for c, _ in DATA["cal_orders"][0]]
ORDERS = [dict(zip(COLUMNS, r, strict=True)) for r in DATA["cal_orders"][1]]
Series = dict[tuple[Any, ...], Number]


def month_add(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


class Calendar:
    def __init__(self, fiscal_start: int = 1, week_start: int = 0) -> None:
        self.fiscal_start = fiscal_start
        self.week_start = week_start

    def start(self, day: dt.date, grain: str) -> dt.date | None:
        """The first day of the period containing `day` (a custom granularity: None for a day
        the calendar table does not have)."""
        if grain in ("retail_month", "retail_quarter"):
            found = RETAIL.get(day)
            return None if found is None else found[grain == "retail_quarter"]
        if grain == "day":
            return day
        if grain == "week":
            while day.weekday() != self.week_start:
                day -= dt.timedelta(days=1)
            return day
        if grain == "month":
            return day.replace(day=1)
        if grain == "quarter":
            return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        if grain == "year":
            return dt.date(day.year, 1, 1)
        # the fiscal year containing `day` starts in this calendar year or the one before
        year = day.year if day.month >= self.fiscal_start else day.year - 1
        fy = dt.date(year, self.fiscal_start, 1)
        if grain == "fiscal_year":
            return fy
        assert grain == "fiscal_quarter"
        quarter = 0
        while month_add(fy, 3 * (quarter + 1)) <= day:
            quarter += 1
        return month_add(fy, 3 * quarter)

    def next(self, start: dt.date, grain: str, n: int = 1) -> dt.date:
        if grain == "day":
            return start + dt.timedelta(days=n)
        if grain == "week":
            return start + dt.timedelta(days=7 * n)
        months = {"month": 1, "quarter": 3, "fiscal_quarter": 3, "year": 12, "fiscal_year": 12}
        return month_add(start, months[grain] * n)

    def fiscal_label(self, start: dt.date) -> str:
        """FY named after the calendar year it ends in."""
        last_day = month_add(self.start(start, "fiscal_year"), 12) - dt.timedelta(days=1)
        return f"FY{last_day.year}"


def _arith(op: str, a: Number, b: Number) -> Number:
    if a is None or b is None:
        return None
    return a - b if op == "-" else a + b


def _growth(now: Number, before: Number) -> Number:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


BASE = {
    "orders_fq": ("fiscal_quarter", "count"),
    "revenue_fy": ("fiscal_year", "sum"),
    "orders_year": ("year", "count"),
    "orders_week": ("week", "count"),
    "revenue": ("month", "sum"),
    "orders_month": ("month", "count"),
}
GRAINS = {
    **{n: g for n, (g, _) in BASE.items()},
    "orders_fq_yoy": "fiscal_quarter",
    "revenue_fy_change": "fiscal_year",
    "orders_year_yoy": "year",
    "orders_week_ago": "week",
    "revenue_fytd": "month",
    "revenue_fqtd": "week",
    "revenue_per_order": "month",
}
RETAIL = {row[0]: row[1:] for row in DATA["cal_days"][1]}
CUSTOM = ("retail_month", "retail_quarter")
"""The calendar table: day -> (retail month, retail quarter)."""


class Expected:
    """Rows (period, [segment,] value) of a fixture metric under a calendar."""

    def __init__(self, calendar: Calendar) -> None:
        self.cal = calendar
        self._cache: dict[tuple[str, str, str | None], Series] = {}

    def _series(self, grain: str, kind: str, segment: str | None) -> Series:
        key = (grain, kind, segment)
        if key not in self._cache:
            self._cache[key] = self._aggregate(grain, kind, segment)
        return self._cache[key]

    def _aggregate(self, grain: str, kind: str, segment: str | None) -> Series:
        out: Series = defaultdict(int)
        for row in ORDERS:
            start = self.cal.start(row["ordered_at"].date(), grain)
            if start is None:  # a day the calendar table does not have
                continue
            key = (start,)
            key += (row[segment],) if segment else ()
            if kind == "count":
                out[key] += 1
            elif row["amount"] is not None:
                out[key] += row["amount"]
            else:
                out[key] += 0
        return out

    def spine(self, grain: str) -> list[dt.date]:
        starts = [self.cal.start(r["ordered_at"].date(), grain) for r in ORDERS]
        known = [s for s in starts if s is not None]
        first, last = min(known), max(known)
        if grain in CUSTOM:  # the calendar table's periods, with or without data
            index = grain == "retail_quarter"
            return sorted({r[index] for r in RETAIL.values() if first <= r[index] <= last})
        periods = [first]
        while periods[-1] < last:
            periods.append(self.cal.next(periods[-1], grain))
        return periods

    def rows(
        self, name: str, segment: str | None = None, by: str | None = None
    ) -> list[tuple[Any, ...]]:
        """`by`: a custom granularity to read the metric by (its own grain otherwise)."""
        grain = by or GRAINS[name]
        if name == "revenue_per_order":
            revenue = self.rows("revenue", by=by)
            orders = self.rows("orders_month", by=by)
            return [
                (p, r / o if o else None) for (p, r), (_, o) in zip(revenue, orders, strict=True)
            ]
        if name in BASE:
            series = self._series(grain, BASE[name][1], segment)
            if segment:  # only the combinations that have data, sorted NULLs last
                keys = sorted(series, key=lambda k: (k[0], k[1] is None, k[1] or ""))
                return [(*k, series[k]) for k in keys]
            return [(p, series.get((p,), 0)) for p in self.spine(grain)]
        periods = self.spine(grain)
        first = periods[0]
        out = []
        for period in periods:
            out.append((period, self.value(name, period, first)))
        return out

    def value(self, name: str, period: dt.date, first: dt.date) -> Number:
        cal = self.cal

        def base(metric: str, at: dt.date) -> Number:
            """A leaf read at an offset: NULL before the first period with data."""
            if at < first:
                return None
            grain, kind = BASE[metric]
            return self._series(grain, kind, None).get((at,), 0)

        offsets = {  # name: (its metric, growth or difference, the grain's periods read back)
            "orders_fq_yoy": ("orders_fq", _growth, 4),
            "revenue_fy_change": ("revenue_fy", lambda a, b: _arith("-", a, b), 1),
            "orders_year_yoy": ("orders_year", lambda a, b: _arith("-", a, b), 1),
            "orders_week_ago": ("orders_week", lambda a, b: _arith("-", a, b), 52),
        }
        if name in offsets:
            metric, combine, back = offsets[name]
            before = cal.next(period, GRAINS[name], -back)
            return combine(base(metric, period), base(metric, before))
        # to date: from the start of the fiscal year (quarter) containing the period's first day
        # up to the period's end
        outer = "fiscal_year" if name == "revenue_fytd" else "fiscal_quarter"
        lower = cal.start(period, outer)
        upper = cal.next(period, GRAINS[name])
        amounts = [
            r["amount"] for r in ORDERS
            if lower <= r["ordered_at"].date() < upper and r["amount"] is not None
        ]
        return sum(amounts) if amounts else 0
