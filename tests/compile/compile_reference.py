"""The test project's metrics computed in plain Python, independently of the compiler.

Every qualifier and filter of `project/` is re-implemented here as a Python predicate with SQL's
three-valued logic (None is UNKNOWN); every calculation follows its documented meaning.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from compile_data import DATA

Record = dict[str, Any]
Tri = bool | None
Number = int | float | None
Key = tuple[Any, ...]

# -- three-valued logic ---------------------------------------------------------------------------


def not_(a: Tri) -> Tri:
    return None if a is None else not a


def and_(*values: Tri) -> Tri:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def or_(*values: Tri) -> Tri:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def cmp(a: Any, op: str, b: Any) -> Tri:
    if a is None or b is None:
        return None
    result: bool = {"=": a == b, "<": a < b, ">=": a >= b}[op]
    return result


# -- calendar


def period_of(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return dt.date(day.year, day.month, 1)
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def shift(day: dt.date, n: int, grain: str) -> dt.date:
    if grain == "day":
        return day + dt.timedelta(days=n)
    if grain == "week":
        return day + dt.timedelta(days=7 * n)
    months = n * (1 if grain == "month" else 3)
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, day.day)


# -- rows


def _records() -> dict[str, list[Record]]:
    tables = {
        name: [dict(zip([c for c, _ in cols], row, strict=True)) for row in rows]
        for name, (cols, rows) in DATA.items()
    }
    regions = {r["region_id"]: r for r in tables["regions"]}
    accounts = {a["account_id"]: a for a in tables["accounts"]}
    none: Record = {}
    for account in tables["accounts"]:
        region = regions.get(account["region_id"], none)
        account["region_name"] = region.get("region_name")
        account["blocked"] = region.get("blocked")
        account["_time"] = account["created_at"]
        account["_entity"] = account["account_id"]
    for source, time in (("events", "called_at"), ("invoices", "issued_at")):
        for row in tables[source]:
            account = accounts.get(row["account_id"], none)
            row["acc"] = account
            for dim in ("plan", "developer_segment", "region_name", "blocked"):
                row[dim] = account.get(dim)
            row["_time"] = row[time]
            row["_entity"] = row["account_id"]
    tables["paid_invoices"] = [r for r in tables["invoices"] if (r["amount"] or 0) > 0]
    return tables


TABLES = _records()


def _acc(row: Record, column: str) -> Any:
    return row["acc"].get(column) if "acc" in row else row.get(column)


CONDITIONS: dict[str, Callable[[Record], Tri]] = {
    "production_only": lambda r: cmp(r["environment"], "=", "production"),
    "exclude_test_accounts": lambda r: and_(not_(_acc(r, "is_test")), not_(_acc(r, "is_internal"))),
    "real_accounts": lambda r: and_(not_(r["is_test"]), not_(r["is_internal"])),
    "open_regions": lambda r: cmp(False if r["blocked"] is None else r["blocked"], "=", False),
    "successful": lambda r: cmp(r["status_code"], "<", 500),
    "errors": lambda r: cmp(r["status_code"], ">=", 500),
    "latency_filter": lambda r: or_(
        cmp(
            None
            if r["latency_ms"] is None or r["status_code"] is None
            else r["latency_ms"] / r["status_code"],
            "<",
            2,
        ),
        r["endpoint"] in ("/search", "/pay") if r["endpoint"] is not None else None,
    ),
}


# -- metric definitions (mirroring project/metrics/metrics.yaml)


@dataclass(frozen=True)
class Agg:
    source: str
    conditions: tuple[str, ...]
    kind: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Calc:
    kind: str
    args: tuple[Any, ...] = ()
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


EV = "events"
METRICS: dict[str, Agg | Calc] = {
    "calls": Agg(EV, ("production_only",), "count"),
    "calls_all": Agg(EV, (), "count"),
    "error_calls": Agg(EV, ("production_only", "errors"), "count"),
    "active_accounts": Agg(
        EV, ("production_only", "exclude_test_accounts"), "count_distinct", ("account_id",)
    ),
    "integration_points": Agg(
        EV,
        ("production_only", "exclude_test_accounts"),
        "count_distinct",
        ("account_id", "endpoint"),
    ),
    "latency_total": Agg(EV, ("production_only",), "sum", ("latency_ms",)),
    "latency_avg": Agg(EV, ("production_only",), "average", ("latency_ms",)),
    "latency_min": Agg(EV, ("production_only", "successful"), "min", ("latency_ms",)),
    "latency_max": Agg(EV, ("successful", "latency_filter"), "max", ("latency_ms",)),
    "open_region_calls": Agg(EV, ("production_only", "open_regions"), "count"),
    "revenue": Agg("invoices", ("exclude_test_accounts",), "sum", ("amount",)),
    "paid_invoice_count": Agg("paid_invoices", (), "count"),
    "signups": Agg("accounts", ("real_accounts",), "count"),
    "error_rate": Calc("ratio", ("error_calls", "calls")),
    "revenue_per_active_account": Calc("derived", ("revenue_per_active_account",)),
    "calls_index": Calc("derived", ("calls_index",)),
    "rounding": Calc("derived", ("rounding",)),
    "active_accounts_28d": Calc("window", ("active_accounts", 28, None)),
    "calls_2w": Calc("window", ("calls", 14, None)),
    "revenue_mtd": Calc("window", ("revenue", None, "month")),
    "calls_total": Calc("window", ("calls", None, None)),
    "integration_points_28d": Calc("window", ("integration_points", 28, None)),
    "latency_avg_7d": Calc("window", ("latency_avg", 7, None)),
    "activation_7d": Calc("conversion", ("signups", "calls", 7)),
    "calls_wow": Calc("pop", ("calls", 1, "ratio")),
    "calls_change_2": Calc("pop", ("calls", 2, "difference")),
    "error_rate_change": Calc("pop", ("error_rate", 1, "ratio")),
    "active_accounts_28d_wow": Calc("pop", ("active_accounts_28d", 1, "ratio")),
    "retention_2": Calc("retention", ("signups", "calls", 2)),
}
GRAIN_OF = {"revenue": "month"}


# -- arithmetic with NULLs


def div(a: Number, b: Number) -> Number:
    if a is None or b is None or b == 0:
        return None
    return float(a) / float(b)


def arith(op: str, a: Number, b: Number) -> Number:
    if a is None or b is None:
        return None
    return a + b if op == "+" else a - b if op == "-" else a * b


def round_half_up(x: Number, digits: int) -> Number:
    if x is None:
        return None
    exact = Decimal(repr(x)).quantize(Decimal("1e-9"), rounding=ROUND_HALF_UP)
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def greatest(*values: Number) -> Number:
    return None if any(v is None for v in values) else max(values)  # type: ignore[type-var]


def least(*values: Number) -> Number:
    return None if any(v is None for v in values) else min(values)  # type: ignore[type-var]


def coalesce(*values: Number) -> Number:
    return next((v for v in values if v is not None), None)


def nullif(a: Number, b: Number) -> Number:
    return None if a is not None and a == b else a


# -- evaluation


class Reference:
    """Evaluate metrics for one grain and segment list."""

    def __init__(self, grain: str, segments: tuple[str, ...]) -> None:
        self.grain = grain
        self.segments = segments
        self._rows: dict[Agg, list[Record]] = {}
        self._groups: dict[Agg, dict[Key, list[Record]]] = {}
        self._cache: dict[tuple[str, dt.date, Key, bool], Number] = {}
        self._first: dict[Agg, dt.date] = {}

    def rows(self, agg: Agg) -> list[Record]:
        if agg not in self._rows:
            self._rows[agg] = [
                r
                for r in TABLES[agg.source]
                if and_(*(CONDITIONS[c](r) for c in agg.conditions)) is True
            ]
        return self._rows[agg]

    def period(self, row: Record) -> dt.date:
        return period_of(row["_time"].date(), self.grain)

    def segs(self, row: Record) -> Key:
        return tuple(row.get(s) for s in self.segments)

    def groups(self, agg: Agg) -> dict[Key, list[Record]]:
        if agg not in self._groups:
            out: dict[Key, list[Record]] = defaultdict(list)
            for row in self.rows(agg):
                key = (self.period(row), *self.segs(row))
                out[key].append(row)
            self._groups[agg] = out
        return self._groups[agg]

    @staticmethod
    def aggregate(agg: Agg, rows: list[Record]) -> Number:
        fill = 0 if agg.kind in ("count", "count_distinct", "sum") else None
        if not rows:
            return fill
        if agg.kind == "count":
            return len(rows)
        if agg.kind == "count_distinct":
            combos = {tuple(r[c] for c in agg.columns) for r in rows}
            return len([c for c in combos if None not in c])
        values = [r[agg.columns[0]] for r in rows if r[agg.columns[0]] is not None]
        if agg.kind == "sum":
            return sum(values) if values else 0
        if not values:
            return None
        if agg.kind == "average":
            return math.fsum(values) / len(values)
        chosen: Number = min(values) if agg.kind == "min" else max(values)
        return chosen

    def primary(self, name: str) -> list[Agg]:
        metric = METRICS[name]
        if isinstance(metric, Agg):
            return [metric]
        kind, args = metric.kind, metric.args
        if kind == "ratio":
            return self.primary(args[0]) + self.primary(args[1])
        if kind == "derived":
            used = {
                "revenue_per_active_account": ["revenue", "active_accounts"],
                "calls_index": ["revenue", "calls", "error_calls", "signups", "calls_all"],
                "rounding": ["paid_invoice_count", "calls_all", "latency_total"],
            }[args[0]]
            return [a for u in used for a in self.primary(u)]
        return self.primary(args[0])

    def value(self, name: str, period: dt.date, segs: Key, prior: bool = False) -> Number:
        """`prior`: read as an earlier period's value, NULL before the data (see `before`)."""
        key = (name, period, segs, prior)
        if key not in self._cache:
            self._cache[key] = self._value(name, period, segs, prior)
        return self._cache[key]

    def before(self, agg: Agg, period: dt.date) -> bool:
        """An earlier period's value of a leaf that fills empty periods with 0 is NULL when the
        period is before the leaf's first period with rows (docs/spec.md, offsets)."""
        if agg not in self._first:
            self._first[agg] = min(self.period(r) for r in self.rows(agg))
        return agg.kind in ("count", "count_distinct", "sum") and period < self._first[agg]

    def _value(self, name: str, period: dt.date, segs: Key, prior: bool) -> Number:
        metric = METRICS[name]
        if isinstance(metric, Agg):
            if prior and self.before(metric, period):
                return None
            return self.aggregate(metric, self.groups(metric).get((period, *segs), []))
        args = metric.args

        def v(name: str, period: dt.date, segs: Key) -> Number:
            return self.value(name, period, segs, prior)

        base = METRICS[args[0]]
        cumulative = metric.kind in ("window", "conversion") and isinstance(base, Agg)
        if prior and cumulative and self.before(base, period):  # type: ignore[arg-type]
            return None
        if metric.kind == "ratio":
            return div(v(args[0], period, segs), v(args[1], period, segs))
        if metric.kind == "derived":
            if args[0] == "revenue_per_active_account":
                return div(v("revenue", period, segs), v("active_accounts", period, segs))
            if args[0] == "rounding":
                return arith(
                    "+",
                    arith(
                        "+",
                        round_half_up(div(v("paid_invoice_count", period, segs), 8), 2),
                        round_half_up(div(v("calls_all", period, segs), -8), 2),
                    ),
                    round_half_up(v("latency_total", period, segs), 0),
                )
            calls, errors = v("calls", period, segs), v("error_calls", period, segs)
            revenue = v("revenue", period, segs)
            part = round_half_up(arith("*", div(coalesce(revenue, 0), nullif(calls, 0)), 100), 2)
            part = arith("+", part, abs(calls - errors) if None not in (calls, errors) else None)  # type: ignore[operator]
            part = arith("-", part, greatest(calls, errors, v("signups", period, segs)))
            part = arith("+", part, arith("*", least(v("calls_all", period, segs), calls), -1))
            return arith("+", part, arith("*", arith("-", calls, 1), 2))
        if metric.kind == "window":
            base, days, to_date = args
            agg = METRICS[base]
            assert isinstance(agg, Agg)
            upper = shift(period, 1, self.grain)
            if days is not None:
                lower = upper - dt.timedelta(days=days)
            elif to_date is not None:
                lower = period_of(period, to_date)
            else:
                lower = dt.date.min
            rows = [
                r
                for r in self.rows(agg)
                if lower <= r["_time"].date() < upper and self.segs(r) == segs
            ]
            return self.aggregate(agg, rows)
        if metric.kind == "conversion":
            base_agg, conv_agg = METRICS[args[0]], METRICS[args[1]]
            assert isinstance(base_agg, Agg) and isinstance(conv_agg, Agg)
            window = dt.timedelta(days=args[2])
            base = [
                r
                for r in self.groups(base_agg).get((period, *segs), [])
                if r["_entity"] is not None
            ]
            events = defaultdict(list)
            for r in self.rows(conv_agg):
                if r["_entity"] is not None:
                    events[r["_entity"]].append(r["_time"])
            entities = {r["_entity"] for r in base}
            converted = {
                r["_entity"]
                for r in base
                if any(r["_time"] <= t <= r["_time"] + window for t in events[r["_entity"]])
            }
            return div(len(converted), len(entities))
        if metric.kind == "pop":
            current = v(args[0], period, segs)
            previous = self.value(args[0], shift(period, -args[1], self.grain), segs, True)
            change = arith("-", current, previous)
            return change if args[2] == "difference" else div(change, previous)
        # retention
        cohort_agg, activity_agg = METRICS[args[0]], METRICS[args[1]]
        assert isinstance(cohort_agg, Agg) and isinstance(activity_agg, Agg)
        first: dict[Key, dt.date] = {}
        for r in self.rows(cohort_agg):
            if r["_entity"] is not None:
                k = (r["_entity"], *self.segs(r))
                first[k] = min(first.get(k, dt.date.max), self.period(r))
        cohort = {k[0] for k, p in first.items() if p == period and k[1:] == segs}
        if not cohort:
            return None
        active = {(r["_entity"], self.period(r)) for r in self.rows(activity_agg) if r["_entity"]}
        target = shift(period, args[2], self.grain)
        last = max((p for _, p in active), default=None)
        if last is not None and target > last:
            return None
        return div(len([e for e in cohort if (e, target) in active]), len(cohort))

    def series(
        self, name: str, since: dt.date | None = None, until: dt.date | None = None
    ) -> list[tuple[Any, ...]]:
        """Expected rows of one metric: (period, *segments, value), ordered like the SQL."""
        return self.table([name], since, until)

    def table(
        self, names: list[str], since: dt.date | None = None, until: dt.date | None = None
    ) -> list[tuple[Any, ...]]:
        """Expected rows of several metrics in one query: the spine covers all of them."""
        primary = list(dict.fromkeys(a for n in names for a in self.primary(n)))
        periods = [self.period(r) for a in primary for r in self.rows(a)]
        lo = first_period_on_or_after(since, self.grain) if since else min(periods, default=None)
        hi = period_of(until, self.grain) if until else max(periods, default=None)
        if lo is None or hi is None:
            return []
        calendar = []
        current = lo
        while current <= hi:
            calendar.append(current)
            current = shift(current, 1, self.grain)
        combos: set[Key] = {()}
        if self.segments:
            combos = {
                self.segs(r)
                for a in primary
                for r in self.rows(a)
                if (since is None or self.period(r) >= lo)
                and (until is None or self.period(r) <= hi)
            }
        ordered = sorted(combos, key=lambda k: tuple((x is None, x or "") for x in k))
        return [(p, *k, *(self.value(n, p, k) for n in names)) for p in calendar for k in ordered]


def first_period_on_or_after(day: dt.date, grain: str) -> dt.date:
    start = period_of(day, grain)
    return start if start == day else shift(start, 1, grain)
