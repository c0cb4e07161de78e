"""Funnels computed in plain Python from the f_* tables: the answers the compiled SQL must give.

The rows of each metric of funnel_project/ are written out here by hand (their qualifiers and
filters as Python conditions); the funnel semantics of docs/spec.md are applied to them entity
by entity, with no SQL anywhere.
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from funnel_data import FUNNEL_DATA

from nsmcode import models

PROJECT = Path(__file__).parent / "funnel_project"


@dataclass(frozen=True)
class Event:
    ts: dt.datetime
    keys: dict[str, Any]
    """Entity name -> key."""
    dims: dict[str, Any]


def _table(name: str) -> list[dict[str, Any]]:
    columns, rows = FUNNEL_DATA[name]
    return [dict(zip([c for c, _ in columns], row, strict=True)) for row in rows]


def _accounts() -> dict[str, dict[str, Any]]:
    return {a["account_id"]: a for a in _table("f_accounts")}


def _signups() -> list[Event]:
    accounts = _accounts()
    out = []
    for u in _table("f_users"):
        account = accounts.get(u["account_id"])
        if account is not None and account["is_test"]:
            continue
        dims = {"channel": u["channel"], "tier": account["tier"] if account else None}
        keys = {"user": u["user_id"], "account": u["account_id"]}
        out.append(Event(u["signed_up_at"], keys, dims))
    return out


def _user_events(kind: str) -> Callable[[], list[Event]]:
    def rows() -> list[Event]:
        return [
            Event(e["happened_at"], {"user": e["user_id"]}, {})
            for e in _table("f_events")
            if e["kind"] == kind
        ]

    return rows


def _upgrades() -> list[Event]:
    return [
        Event(e["happened_at"], {"account": e["account_id"]}, {})
        for e in _table("f_account_events")
        if e["kind"] == "upgrade"
    ]


METRIC_ROWS: dict[str, Callable[[], list[Event]]] = {
    "signups": _signups,
    "docs": _user_events("docs"),
    "calls": _user_events("call"),
    "prods": _user_events("prod"),
    "upgrades": _upgrades,
}


FISCAL_YEAR_START = 2
"""funnel_project/nsmcode.yaml's `calendar: {fiscal_year_start: 2}`: fiscal quarters start on
the first of February, May, August and November."""


def period_of(day: dt.date, cohort: str) -> dt.date:
    if cohort == "day":
        return day
    if cohort == "week":
        return day - dt.timedelta(days=day.weekday())
    if cohort == "month":
        return day.replace(day=1)
    if cohort == "year":
        return dt.date(day.year, 1, 1)
    first = FISCAL_YEAR_START if cohort == "fiscal_quarter" else 1
    back = (day.month - first) % 3
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _min(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def funnel(
    definition: models.Funnel,
    cohort: str,
    segments: tuple[str, ...] = (),
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[tuple[Any, ...]]:
    """Rows (period, *segments, step, entities, step_conversion, overall_conversion,
    median_seconds) in the compiled query's order."""
    strict = definition.mode == "strict"
    anchor_rows = [
        e for e in METRIC_ROWS[definition.anchor_metric]() if e.keys.get(definition.entity)
    ]
    first: dict[Any, dt.datetime] = {}
    for e in anchor_rows:
        key = e.keys[definition.entity]
        first[key] = min(first.get(key, e.ts), e.ts)
    stages = definition.stages
    stage_rows = [
        [e for e in METRIC_ROWS[s.metric]() if e.keys.get(s.entity or definition.entity)]
        for s in stages
    ]
    groups: dict[tuple[Any, ...], list[list[Any]]] = {}
    for entity, t0 in first.items():
        at_t0 = [e for e in anchor_rows if e.keys[definition.entity] == entity and e.ts == t0]
        day = t0.date()
        if cohort == "total":
            if (since and day < since) or (until and day > until):
                continue
            period: Any = day
        else:
            period = period_of(day, cohort)
            if since is not None:
                lo = period_of(since, cohort)
                if lo != since:  # the first period starting on or after `since`
                    later = (period_of(since + dt.timedelta(days=d), cohort) for d in range(93))
                    lo = next(p for p in later if p >= since)
                if period < lo:
                    continue
            if until is not None and period > period_of(until, cohort):
                continue
        dims = tuple(_min([e.dims.get(s) for e in at_t0]) for s in segments)
        times: list[Any] = [t0]
        clocks: list[Any] = [t0]
        durations: list[Any] = [None]
        for stage, rows in zip(stages, stage_rows, strict=True):
            entity_name = stage.entity or definition.entity
            key = entity if entity_name == definition.entity else _min(
                [e.keys.get(entity_name) for e in at_t0]
            )
            prior = clocks[-1]
            if strict and len(times) > 1 and prior is None:
                times.append(None)
                clocks.append(None)
                durations.append(None)
                continue
            mine = [e.ts for e in rows if key is not None and e.keys[entity_name] == key]
            if stage.any_time:
                t = min(mine) if mine else None
                times.append(t)
                clocks.append(prior if (t is not None or not strict) else None)
                durations.append(None)
                continue
            after = stage.after or definition.after or ("previous" if strict else "anchor")
            base_from = stage.window_from or definition.window_from
            ref = t0 if after == "anchor" else prior
            base = t0 if base_from == "anchor" else prior
            within = stage.within or definition.within
            ok = []
            if ref is not None and base is not None:
                for ts in mine:
                    if ts < ref or ts < base:
                        continue
                    if within is not None:
                        end = _window_end(base, within)
                        if ts > end or (definition.window_end == "exclusive" and ts == end):
                            continue
                    ok.append(ts)
            t = min(ok) if ok else None
            times.append(t)
            clocks.append(t)
            durations.append(
                (t - prior).total_seconds() if t is not None and prior is not None else None
            )
        groups.setdefault((period, *dims), []).append([times, durations])
    if cohort == "total" and groups:
        start = since or min(k[0] for k in groups)
        regrouped: dict[tuple[Any, ...], list[list[Any]]] = {}
        for key, members in groups.items():
            regrouped.setdefault((start, *key[1:]), []).extend(members)
        groups = regrouped
    out: list[tuple[Any, ...]] = []
    order = sorted(groups, key=lambda k: tuple((v is None, v if v is not None else "") for v in k))
    for key in order:
        members = groups[key]
        counts = [
            sum(1 for times, _ in members if times[k] is not None)
            for k in range(len(stages) + 1)
        ]
        for k in range(len(stages) + 1):
            if k == 0:
                out.append((*key, 0, counts[0], None, None, None))
                continue
            step = counts[k] / counts[k - 1] if counts[k - 1] else None
            overall = counts[k] / counts[1] if counts[1] else None
            spans = [d[k] for _, d in members if d[k] is not None]
            median = float(statistics.median(spans)) if spans else None
            out.append((*key, k, counts[k], step, overall, median))
    return out


def _window_end(start: dt.datetime, within: str) -> dt.datetime:
    """`start` + a Duration: days (weeks are 7), or calendar months with month-end clamping."""
    number, unit = within.split()
    count = int(number) * {"day": 1, "week": 7, "month": 1, "quarter": 3}[unit.removesuffix("s")]
    if unit.startswith(("day", "week")):
        return start + dt.timedelta(days=count)
    index = start.year * 12 + start.month - 1 + count
    year, month = index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return start.replace(year=year, month=month, day=min(start.day, last))
