"""The time-to-convert fixture's metrics (tests/compile/durations) computed in plain Python,
following docs/spec.md (TimeToConvert), independently of the compiler."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from compile_reference import first_period_on_or_after, period_of, shift
from durations_data import DATA

Number = int | float | None
Key = tuple[Any, ...]
Record = dict[str, Any]


def _records(table: str) -> list[Record]:
    columns = [c for c, _ in DATA[table][0]]
    return [dict(zip(columns, row, strict=True)) for row in DATA[table][1]]


ACCOUNTS = _records("dur_accounts")
USERS = _records("dur_users")
CALLS = _records("dur_calls")
ACCOUNT_OF = {u["user_id"]: u["account_id"] for u in USERS}


def production(call: Record) -> bool:
    return call["environment"] == "production"  # NULL: UNKNOWN, not counted


def anything(call: Record) -> bool:
    return True


def whole_seconds(when: dt.datetime) -> int:
    """The time read to the second: whole seconds since 1970, fractions dropped."""
    return (when - dt.datetime(1970, 1, 1)) // dt.timedelta(seconds=1)


# name -> (base kind, conversion filter, percentile, seconds per unit, cap in seconds, inclusive)
DURATIONS: dict[str, tuple[str, Callable[[Record], bool], float, int, int | None, bool]] = {
    "median_days_to_production": ("accounts", production, 0.5, 86400, None, True),
    "p90_hours_to_production_30d": ("accounts", production, 0.9, 3600, 30 * 86400, True),
    "p99_seconds_to_production_exclusive": ("accounts", production, 0.99, 1, 30 * 86400, False),
    "quartile_minutes_to_any_call": ("accounts", anything, 0.25, 60, 14 * 86400, True),
    "user_median_days_to_account_call": ("users", production, 0.5, 86400, None, True),
    "slowest_seconds_30d": ("accounts", production, 1, 1, 30 * 86400, True),
    "slowest_seconds_30d_exclusive": ("accounts", production, 1, 1, 30 * 86400, False),
    "fastest_seconds": ("accounts", production, 0, 1, None, True),
    "slowest_seconds_2h": ("accounts", production, 1, 1, 2 * 3600, True),
    "slowest_seconds_2h_exclusive": ("accounts", production, 1, 1, 2 * 3600, False),
}


def percentile_cont(values: list[int], p: float) -> float | None:
    values = sorted(values)
    if not values:
        return None
    f = Fraction(Decimal(repr(p))) * (len(values) - 1)
    lo, hi = math.floor(f), math.ceil(f)
    return values[lo] + float(f - lo) * (values[hi] - values[lo])


class Durations:
    """Evaluate the fixture's metrics for one grain ('total' too) and segment list."""

    def __init__(self, grain: str, segments: tuple[str, ...] = ()) -> None:
        self.grain = grain
        self.segments = segments
        self._cache: dict[Key, dict[Key, list[int]]] = {}

    def base(self, kind: str) -> tuple[list[Record], str, str]:
        if kind == "accounts":
            return ACCOUNTS, "account_id", "signed_up_at"
        return USERS, "user_id", "joined_at"

    def period(self, when: dt.datetime, lo: dt.date | None, hi: dt.date | None) -> dt.date | None:
        if self.grain != "total":
            return period_of(when.date(), self.grain)
        inside = (lo is None or when.date() >= lo) and (hi is None or when.date() <= hi)
        return dt.date(1970, 1, 1) if inside else None

    def durations(
        self, name: str, lo: dt.date | None = None, hi: dt.date | None = None
    ) -> dict[Key, list[int]]:
        """(period, segments...) -> the durations in seconds of the entities timed there."""
        if (name, lo, hi) not in self._cache:
            self._cache[(name, lo, hi)] = self._durations(name, lo, hi)
        return self._cache[(name, lo, hi)]

    def _durations(
        self, name: str, lo: dt.date | None, hi: dt.date | None
    ) -> dict[Key, list[int]]:
        kind, converts, _, _, cap, inclusive = DURATIONS[name]
        rows, entity, time = self.base(kind)
        starts: dict[str, dt.datetime] = {}
        for r in rows:
            if r[entity] is not None and r[time] is not None:
                starts[r[entity]] = min(starts.get(r[entity], r[time]), r[time])
        out: dict[Key, list[int]] = defaultdict(list)
        for who, t0 in starts.items():
            at_t0 = [r for r in rows if r[entity] == who and r[time] == t0]
            segs = tuple(
                min((r[s] for r in at_t0 if r[s] is not None), default=None)
                for s in self.segments
            )
            key = who if kind == "accounts" else ACCOUNT_OF[who]
            found = [
                whole_seconds(c["called_at"]) - whole_seconds(t0)
                for c in CALLS
                if key is not None
                and c["account_id"] == key
                and c["called_at"] is not None
                and converts(c)
            ]
            found = [
                d for d in found
                if d >= 0 and (cap is None or (d <= cap if inclusive else d < cap))
            ]
            period = self.period(t0, lo, hi)
            if found and period is not None:
                out[(period, *segs)].append(min(found))
        return out

    def value(self, name: str, key: Key, lo: dt.date | None, hi: dt.date | None) -> Number:
        if name == "median_days_change":
            now = self.value("median_days_to_production", key, lo, hi)
            before_key = (shift(key[0], -1, self.grain), *key[1:])
            before = self.value("median_days_to_production", before_key, lo, hi)
            return None if now is None or before is None else now - before
        if name == "median_hours_to_production":
            days = self.value("median_days_to_production", key, lo, hi)
            return None if days is None else days * 24
        _, _, p, per, _, _ = DURATIONS[name]
        seconds = percentile_cont(self.durations(name, lo, hi).get(key, []), p)
        return None if seconds is None else seconds / per

    def table(
        self, names: list[str], since: dt.date | None = None, until: dt.date | None = None
    ) -> list[tuple[Any, ...]]:
        """The rows `compile_metrics` returns: every period of the spine (from the base rows),
        times the segment values of the base rows in range."""
        kinds = {DURATIONS[n][0] for n in names if n in DURATIONS} or {"accounts"}
        (kind,) = kinds
        rows, _, time = self.base(kind)
        days = [r[time].date() for r in rows if r[time] is not None]
        if self.grain == "total":
            lo, hi = since or min(days), until or max(days)
            calendar = [lo] if lo <= hi else []
            inside = [r for r in rows if r[time] is not None and lo <= r[time].date() <= hi]
            keyed = [dt.date(1970, 1, 1)] * len(calendar)
        else:
            periods = [period_of(d, self.grain) for d in days]
            lo = first_period_on_or_after(since, self.grain) if since else min(periods)
            hi = period_of(until, self.grain) if until else max(periods)
            calendar = []
            current = lo
            while current <= hi:
                calendar.append(current)
                current = shift(current, 1, self.grain)
            keyed = calendar
            inside = [
                r for r in rows
                if r[time] is not None and lo <= period_of(r[time].date(), self.grain) <= hi
            ]
            lo, hi = None, None  # periods, not days, bound a grained query
        combos = sorted(
            {tuple(r[s] for s in self.segments) for r in inside},
            key=lambda k: tuple((x is None, x or "") for x in k),
        )
        return [
            (shown, *k, *(self.value(n, (p, *k), lo, hi) for n in names))
            for shown, p in zip(calendar, keyed, strict=True)
            for k in combos
        ]
