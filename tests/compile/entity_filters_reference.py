"""Plain-Python answers for the metric-filter fixture (tests/compile/entity_filters), computed
from the compiler dataset (compile_data.DATA) by the rule docs/spec.md states, never by SQL:

a row is kept when its entity's value of the referenced metric, over that metric's own rows in
the row's period (at the query's grain), meets every bound; a missing value is 0 for counts and
sums and NULL (never kept) for averages; a row without an entity key is never kept."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from compile_data import DATA

PROJECT = Path(__file__).parent / "entity_filters"
TOTAL = dt.date(1970, 1, 1)

Row = dict[str, Any]


def _rows(table: str) -> list[Row]:
    columns, rows = DATA[table]
    names = [c for c, _ in columns]
    return [dict(zip(names, r, strict=True)) for r in rows]


EVENTS = _rows("events")
ACCOUNTS = {a["account_id"]: a for a in _rows("accounts")}
REGIONS = {r["region_id"] for r in _rows("regions")}
INVOICES = _rows("invoices")


def period(when: dt.datetime, grain: str) -> dt.date:
    day = when.date()
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return TOTAL


def next_period(start: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return start + dt.timedelta(days=7)
    month = start.month
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def production(e: Row) -> bool:
    return e["environment"] == "production"


def region_of(account: str | None) -> str | None:
    """events/accounts -> accounts -> regions: the region's key, when the region exists."""
    found = ACCOUNTS.get(account) if account is not None else None
    if found is None or found["region_id"] not in REGIONS:
        return None
    return str(found["region_id"])


# -- the referenced metrics, per (period, entity) -------------------------------------------------

Values = dict[tuple[dt.date, str], float | None]


def _per_entity(
    rows: Iterable[tuple[dt.datetime, str | None, Any]],
    grain: str,
    combine: Callable[[list[Any]], float | None],
    window: tuple[dt.date, dt.date] | None = None,
) -> Values:
    grouped: dict[tuple[dt.date, str], list[Any]] = defaultdict(list)
    for when, entity, value in rows:
        if entity is None:
            continue
        if window is not None and not window[0] <= when.date() <= window[1]:
            continue
        grouped[(period(when, grain), entity)].append(value)
    return {k: combine(v) for k, v in grouped.items()}


def api_calls(grain: str) -> Values:
    rows = ((e["called_at"], e["account_id"], 1) for e in EVENTS if production(e))
    return _per_entity(rows, grain, len)


def integration_points(grain: str, window: tuple[dt.date, dt.date] | None = None) -> Values:
    rows = (
        (e["called_at"], e["account_id"], e["endpoint"])
        for e in EVENTS
        if production(e) and e["endpoint"] is not None
    )
    return _per_entity(rows, grain, lambda v: len(set(v)), window)


def average_latency(grain: str) -> Values:
    def mean(values: list[Any]) -> float | None:
        known = [v for v in values if v is not None]
        return sum(known) / len(known) if known else None

    rows = ((e["called_at"], e["account_id"], e["latency_ms"]) for e in EVENTS)
    return _per_entity(rows, grain, mean)


def invoiced(grain: str) -> Values:
    def total(values: list[Any]) -> float | None:
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    rows = ((i["issued_at"], i["account_id"], i["amount"]) for i in INVOICES)
    return _per_entity(rows, grain, total)


def signups(grain: str) -> Values:
    rows = ((a["created_at"], region_of(a["account_id"]), 1) for a in ACCOUNTS.values())
    return _per_entity(rows, grain, len)


def value(values: Values, when: dt.datetime, entity: str | None, grain: str, zero: bool) -> Any:
    """The entity's value in the period of `when`: missing is 0 for counts and sums (`zero`),
    else None."""
    if entity is None:
        return None
    found = values.get((period(when, grain), entity))
    return 0 if found is None and zero else found


# -- the filtered metrics: kept rows, then one value per period -----------------------------------


def kept(name: str, grain: str, total: tuple[dt.date, dt.date] | None = None) -> list[Row]:
    """The rows metric `name` aggregates at `grain` (a total: over `total`, the range)."""
    if name in ("engaged_calls", "engaged_calls_total"):
        least = 2 if name == "engaged_calls" else 3
        points = integration_points(grain, total)
        return [
            e
            for e in EVENTS
            if production(e)
            and (v := value(points, e["called_at"], e["account_id"], grain, True)) is not None
            and v >= least
        ]
    if name == "quiet_sandbox_calls":
        calls = api_calls(grain)
        return [
            e
            for e in EVENTS
            if e["environment"] == "sandbox"
            and (v := value(calls, e["called_at"], e["account_id"], grain, True)) is not None
            and v < 1
        ]
    if name == "single_call_accounts":
        calls = api_calls(grain)
        return [
            e for e in EVENTS if value(calls, e["called_at"], e["account_id"], grain, True) == 1
        ]
    if name == "mid_accounts":
        points = integration_points(grain)
        return [
            e
            for e in EVENTS
            if (v := value(points, e["called_at"], e["account_id"], grain, True)) is not None
            and 2 <= v <= 3
        ]
    if name == "fast_account_latency":
        latency = average_latency(grain)
        return [
            e
            for e in EVENTS
            if (v := value(latency, e["called_at"], e["account_id"], grain, False)) is not None
            and v < 400
        ]
    if name == "paying_signups":
        money = invoiced(grain)
        return [
            a
            for a in ACCOUNTS.values()
            if (v := value(money, a["created_at"], a["account_id"], grain, True)) is not None
            and v > 100
        ]
    if name == "calls_in_growing_regions":
        joined = signups(grain)
        return [
            e
            for e in EVENTS
            if (v := value(joined, e["called_at"], region_of(e["account_id"]), grain, True))
            is not None
            and v >= 1
        ]
    if name == "calls_of_busy_accounts":  # all time: one value per account, whatever the period
        ever = api_calls("total")
        return [
            e
            for e in EVENTS
            if (v := value(ever, e["called_at"], e["account_id"], "total", True)) is not None
            and v >= 10
        ]
    raise KeyError(name)


TIME = {"paying_signups": "created_at"}


def aggregate(name: str, rows: list[Row]) -> Any:
    if name in ("single_call_accounts", "mid_accounts"):
        return len({r["account_id"] for r in rows if r["account_id"] is not None})
    if name == "fast_account_latency":
        known = [r["latency_ms"] for r in rows if r["latency_ms"] is not None]
        return sum(known) / len(known) if known else None
    return len(rows)


def series(name: str, grain: str, since: dt.date, until: dt.date) -> list[tuple[Any, ...]]:
    """(period, value) for every period from the one starting at `since` to the one starting
    at `until` (both period starts)."""
    time = TIME.get(name, "called_at")
    by_period: dict[dt.date, list[Row]] = defaultdict(list)
    for r in kept(name, grain):
        by_period[period(r[time], grain)].append(r)
    out: list[tuple[Any, ...]] = []
    start = since
    while start <= until:
        rows = by_period.get(start, [])
        out.append((start, aggregate(name, rows)))
        start = next_period(start, grain)
    return out


def rolling(name: str, days: int, since: dt.date, until: dt.date) -> list[tuple[Any, ...]]:
    """A cumulative count over the `days` ending with each week: each row kept by its own
    week's value."""
    rows = kept(name, "week")
    out: list[tuple[Any, ...]] = []
    start = since
    while start <= until:
        end = start + dt.timedelta(days=7)
        low = end - dt.timedelta(days=days)
        out.append((start, sum(1 for r in rows if low <= r["called_at"].date() < end)))
        start = next_period(start, "week")
    return out


def total(name: str, since: dt.date, until: dt.date) -> list[tuple[Any, ...]]:
    rows = kept(name, "total", (since, until))
    rows = [r for r in rows if since <= r["called_at"].date() <= until]
    return [(since, len(rows))]


def converted(days: int, since: dt.date, until: dt.date) -> list[tuple[Any, ...]]:
    """Per signup week: accounts with a kept engaged call (each judged by its own week) in
    [signup, signup + days], both ends inclusive."""
    calls = kept("engaged_calls", "week")
    out: list[tuple[Any, ...]] = []
    start = since
    while start <= until:
        accounts = {
            a["account_id"]
            for a in ACCOUNTS.values()
            if period(a["created_at"], "week") == start
            and any(
                c["account_id"] == a["account_id"]
                and a["created_at"] <= c["called_at"] <= a["created_at"] + dt.timedelta(days=days)
                for c in calls
            )
        }
        out.append((start, len(accounts)))
        start = next_period(start, "week")
    return out
