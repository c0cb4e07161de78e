"""The time boundaries of docs/spec.md ("Time"), as ONE table: each row places an event exactly on
a boundary, one second before and one second after it, and says what happens to it.

`BOUNDARIES` drives everything: the `probes` table loaded into every engine (compile_data.DATA),
the plain-Python answers (`python_verdict`, written from the documented rule, not from SQL), the
reading of an engine's result (`read_verdict`) and the rows of the documentation table (`doc_row`).
Each sub-case (row x offset) has its own `case_id` and user, and queries are segmented by
`case_id`, so one query answers every sub-case of a metric without the others interfering.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

import compile_engines

ENGINES: tuple[str, ...] = getattr(
    compile_engines, "ENGINES", ("duckdb", "sqlite", "postgres", "spark")
)
"""The engines every execution test of this wave runs on, each with a `<name>_run` fixture:
`compile_engines.ENGINES` when the harness lists them (chDB, MariaDB, ...), else these four."""
SECOND = dt.timedelta(seconds=1)
OFFSETS = (("before", -SECOND), ("on", dt.timedelta(0)), ("after", SECOND))
COUNTS, NOT = "counts", "does not count"
SINCE, UNTIL = dt.date(2026, 3, 10), dt.date(2026, 3, 20)
"""The range of the `total` rows (a metric without a grain, queried with --since/--until)."""
HOUR_SINCE, HOUR_UNTIL = dt.date(2026, 3, 19), dt.date(2026, 3, 20)
"""The range of every `grain: hour` query (--since/--until: all the hours of those days)."""


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@dataclass(frozen=True)
class Boundary:
    id: str
    construct: str
    """The construct, as the documentation names it."""
    boundary: str
    """The boundary in words (`base + 7 days`)."""
    check: str
    """What is measured: conversion, funnel, period, window, retained, cohort, total or range
    (whether the event is in a reported period)."""
    metric: str
    """The metric (for `funnel`: the funnel) read per case."""
    grain: str
    anchor: dt.datetime
    """The boundary instant; events go at anchor - 1 s, anchor, anchor + 1 s."""
    kind: str
    """The kind of the event placed at the boundary (`action`, `event`, `activity`, `cohort`)."""
    setup: tuple[tuple[str, dt.datetime], ...] = ()
    """Other events of the same user (the base event, the cohort event)."""
    period: dt.date | None = None
    """For `window`: the period whose value is read."""
    expect: tuple[str, str, str] = (COUNTS, COUNTS, COUNTS)
    """Documented outcome for the event 1 s before, on, 1 s after the boundary."""

    def case(self, offset: str) -> str:
        return f"{self.id}_{offset}"


BASE = at("2026-03-04 10:00:00")
COHORT = at("2026-03-04 12:00:00")
MONTH_END_BASE = at("2026-01-31 10:00:00")
LATE_BASE = at("2026-03-04 23:00:00")
QUARTER_BASE = at("2025-11-30 10:00:00")
BOUNDARIES: tuple[Boundary, ...] = (
    Boundary(
        "conv_end", "conversion `within: 7 days`", "base + 7 days (base 2026-03-04 10:00:00)",
        "conversion", "probe_conversion", "week", BASE + dt.timedelta(days=7), "action",
        (("base", BASE),), expect=(COUNTS, COUNTS, NOT),
    ),
    Boundary(
        "conv_end_exclusive", "conversion `within: 7 days`, `window_end: exclusive`",
        "base + 7 days (base 2026-03-04 10:00:00)", "conversion", "probe_conversion_exclusive",
        "week", BASE + dt.timedelta(days=7), "action", (("base", BASE),),
        expect=(COUNTS, NOT, NOT),
    ),
    Boundary(
        "conv_start", "conversion `within: 7 days`",
        "the base event itself (no earlier event of the entity)", "conversion",
        "probe_conversion", "week", BASE, "action", (("base", BASE),),
        expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "conv_month", "conversion `within: 1 month`", "base + 1 month (base 2026-03-04 10:00:00)",
        "conversion", "probe_conversion_month", "month", at("2026-04-04 10:00:00"), "action",
        (("base", BASE),), expect=(COUNTS, COUNTS, NOT),
    ),
    Boundary(
        "conv_month_end", "conversion `within: 1 month`",
        "base + 1 month, clamped to February's last day (base 2026-01-31 10:00:00)",
        "conversion", "probe_conversion_month", "month", at("2026-02-28 10:00:00"), "action",
        (("base", MONTH_END_BASE),), expect=(COUNTS, COUNTS, NOT),
    ),
    Boundary(
        "conv_quarter", "conversion `within: 1 quarter`",
        "base + 3 months, clamped to February's last day (base 2025-11-30 10:00:00)",
        "conversion", "probe_conversion_quarter", "month", at("2026-02-28 10:00:00"), "action",
        (("base", QUARTER_BASE),), expect=(COUNTS, COUNTS, NOT),
    ),
    Boundary(
        "funnel_month", "funnel step `within: 1 month`",
        "anchor + 1 month (anchor 2026-03-04 10:00:00)",
        "funnel", "probe_funnel_month", "month", at("2026-04-04 10:00:00"), "action",
        (("base", BASE),), expect=(COUNTS, COUNTS, NOT),
    ),
    Boundary(
        "funnel_month_end", "funnel step `within: 1 month`",
        "anchor + 1 month, clamped to February's last day (anchor 2026-01-31 10:00:00)",
        "funnel", "probe_funnel_month", "month", at("2026-02-28 10:00:00"), "action",
        (("base", MONTH_END_BASE),), expect=(COUNTS, COUNTS, NOT),
    ),
    Boundary(
        "conv_hours", "conversion `within: 2 hours`", "base + 2 hours (base 2026-03-04 10:00:00)",
        "conversion", "probe_conversion_hours", "day", at("2026-03-04 12:00:00"), "action",
        (("base", BASE),), expect=(COUNTS, COUNTS, NOT),
    ),
    Boundary(
        "conv_hours_exclusive", "conversion `within: 2 hours`, `window_end: exclusive`",
        "base + 2 hours (base 2026-03-04 10:00:00)", "conversion",
        "probe_conversion_hours_exclusive", "day", at("2026-03-04 12:00:00"), "action",
        (("base", BASE),), expect=(COUNTS, NOT, NOT),
    ),
    Boundary(
        "conv_hours_midnight", "conversion `within: 2 hours`",
        "base + 2 hours, on the next day (base 2026-03-04 23:00:00)", "conversion",
        "probe_conversion_hours", "day", at("2026-03-05 01:00:00"), "action",
        (("base", LATE_BASE),), expect=(COUNTS, COUNTS, NOT),
    ),
    Boundary(
        "funnel_hours", "funnel step `within: 2 hours`",
        "anchor + 2 hours (anchor 2026-03-04 10:00:00)",
        "funnel", "probe_funnel_hours", "day", at("2026-03-04 12:00:00"), "action",
        (("base", BASE),), expect=(COUNTS, COUNTS, NOT),
    ),
    Boundary(
        "day", "period assignment, `grain: day`", "midnight", "period", "probe_events", "day",
        at("2026-03-03 00:00:00"), "event",
        expect=("day 2026-03-02", "day 2026-03-03", "day 2026-03-03"),
    ),
    Boundary(
        "hour", "period assignment, `grain: hour`", "the hour (10:00:00)", "period",
        "probe_events", "hour", at("2026-03-20 10:00:00"), "event",
        expect=("hour 2026-03-20 09:00:00", "hour 2026-03-20 10:00:00",
                "hour 2026-03-20 10:00:00"),
    ),
    Boundary(
        "hour_midnight", "period assignment, `grain: hour`", "midnight", "period",
        "probe_events", "hour", at("2026-03-20 00:00:00"), "event",
        expect=("hour 2026-03-19 23:00:00", "hour 2026-03-20 00:00:00",
                "hour 2026-03-20 00:00:00"),
    ),
    Boundary(
        "hour_since", "`grain: hour`, `--since 2026-03-19 --until 2026-03-20`",
        "first hour reported (2026-03-19 00:00:00)", "range", "probe_events", "hour",
        at("2026-03-19 00:00:00"), "event", expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "hour_until", "`grain: hour`, `--since 2026-03-19 --until 2026-03-20`",
        "end of the last hour reported, 23:00:00 (2026-03-21 00:00:00)", "range", "probe_events",
        "hour", at("2026-03-21 00:00:00"), "event", expect=(COUNTS, NOT, NOT),
    ),
    Boundary(
        "rolling_hour_start", "rolling `window: 1 day`, value of hour 2026-03-20 10:00:00",
        "first second of the window (2026-03-19 11:00:00)", "window", "probe_rolling_hourly",
        "hour", at("2026-03-19 11:00:00"), "event", period=at("2026-03-20 10:00:00"),
        expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "rolling_hour_end", "rolling `window: 1 day`, value of hour 2026-03-20 10:00:00",
        "end of the period (2026-03-20 11:00:00)", "window", "probe_rolling_hourly", "hour",
        at("2026-03-20 11:00:00"), "event", period=at("2026-03-20 10:00:00"),
        expect=(COUNTS, NOT, NOT),
    ),
    Boundary(
        "rolling_hours_start", "rolling `window: 6 hours`, value of hour 2026-03-20 10:00:00",
        "first second of the window (2026-03-20 05:00:00)", "window", "probe_rolling_hours",
        "hour", at("2026-03-20 05:00:00"), "event", period=at("2026-03-20 10:00:00"),
        expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "rolling_hours_end", "rolling `window: 6 hours`, value of hour 2026-03-20 10:00:00",
        "end of the period (2026-03-20 11:00:00)", "window", "probe_rolling_hours", "hour",
        at("2026-03-20 11:00:00"), "event", period=at("2026-03-20 10:00:00"),
        expect=(COUNTS, NOT, NOT),
    ),
    Boundary(
        "rolling_48_hours_start", "rolling `window: 48 hours`, value of day 2026-03-20",
        "first second of the window, as `2 days` (2026-03-19 00:00:00)", "window",
        "probe_rolling_48_hours", "day", at("2026-03-19 00:00:00"), "event",
        period=dt.date(2026, 3, 20), expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "rolling_48_hours_end", "rolling `window: 48 hours`, value of day 2026-03-20",
        "end of the period (2026-03-21 00:00:00)", "window", "probe_rolling_48_hours", "day",
        at("2026-03-21 00:00:00"), "event", period=dt.date(2026, 3, 20),
        expect=(COUNTS, NOT, NOT),
    ),
    Boundary(
        "week", "period assignment, `grain: week`", "Monday 00:00:00 (after Sunday 23:59:59)",
        "period", "probe_events", "week", at("2026-03-02 00:00:00"), "event",
        expect=("week 2026-02-23", "week 2026-03-02", "week 2026-03-02"),
    ),
    Boundary(
        "month_feb", "period assignment, `grain: month`", "end of February (28 days)", "period",
        "probe_events", "month", at("2026-03-01 00:00:00"), "event",
        expect=("month 2026-02-01", "month 2026-03-01", "month 2026-03-01"),
    ),
    Boundary(
        "month_mar", "period assignment, `grain: month`", "end of March (31 days)", "period",
        "probe_events", "month", at("2026-04-01 00:00:00"), "event",
        expect=("month 2026-03-01", "month 2026-04-01", "month 2026-04-01"),
    ),
    Boundary(
        "quarter", "period assignment, `grain: quarter`", "end of Q1", "period", "probe_events",
        "quarter", at("2026-04-01 00:00:00"), "event",
        expect=("quarter 2026-01-01", "quarter 2026-04-01", "quarter 2026-04-01"),
    ),
    Boundary(
        "rolling_start", "rolling `window: 7 days`, value of day 2026-03-20",
        "first second of the window (2026-03-14 00:00:00)", "window", "probe_rolling", "day",
        at("2026-03-14 00:00:00"), "event", period=dt.date(2026, 3, 20),
        expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "rolling_end", "rolling `window: 7 days`, value of day 2026-03-20",
        "end of the period (2026-03-21 00:00:00)", "window", "probe_rolling", "day",
        at("2026-03-21 00:00:00"), "event", period=dt.date(2026, 3, 20),
        expect=(COUNTS, NOT, NOT),
    ),
    Boundary(
        "rolling_months_start", "rolling `window: 3 months`, value of month 2026-03",
        "first second of the window (2026-01-01 00:00:00)", "window", "probe_rolling_months",
        "month", at("2026-01-01 00:00:00"), "event", period=dt.date(2026, 3, 1),
        expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "rolling_months_end", "rolling `window: 3 months`, value of month 2026-03",
        "end of the period (2026-04-01 00:00:00)", "window", "probe_rolling_months", "month",
        at("2026-04-01 00:00:00"), "event", period=dt.date(2026, 3, 1),
        expect=(COUNTS, NOT, NOT),
    ),
    Boundary(
        "rolling_month_clamped", "rolling `window: 1 month`, value of day 2026-03-30",
        "first second of the window: 2026-03-31 - 1 month, clamped (2026-02-28 00:00:00)",
        "window", "probe_rolling_month", "day", at("2026-02-28 00:00:00"), "event",
        period=dt.date(2026, 3, 30), expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "rolling_quarter_week", "rolling `window: 1 quarter`, value of week 2026-03-02",
        "first second of the window: 2026-03-09 - 3 months (2025-12-09 00:00:00)", "window",
        "probe_rolling_quarter", "week", at("2025-12-09 00:00:00"), "event",
        period=dt.date(2026, 3, 2), expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "mtd_start", "`period_to_date: month`, value of day 2026-04-10",
        "start of the month (2026-04-01 00:00:00)", "window", "probe_mtd", "day",
        at("2026-04-01 00:00:00"), "event", period=dt.date(2026, 4, 10),
        expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "mtd_end", "`period_to_date: month`, value of day 2026-04-10",
        "end of the period (2026-04-11 00:00:00)", "window", "probe_mtd", "day",
        at("2026-04-11 00:00:00"), "event", period=dt.date(2026, 4, 10),
        expect=(COUNTS, NOT, NOT),
    ),
    Boundary(
        "retention_start", "retention `offset: 1`, `grain: week` (cohort week 2026-03-02)",
        "start of the offset week (2026-03-09 00:00:00)", "retained", "probe_retention",
        "week", at("2026-03-09 00:00:00"), "activity", (("cohort", COHORT),),
        expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "retention_end", "retention `offset: 1`, `grain: week` (cohort week 2026-03-02)",
        "end of the offset week (2026-03-16 00:00:00)", "retained", "probe_retention", "week",
        at("2026-03-16 00:00:00"), "activity", (("cohort", COHORT),),
        expect=(COUNTS, NOT, NOT),
    ),
    Boundary(
        "cohort", "retention cohort membership, `grain: week`",
        "the entity's first cohort event at Monday 00:00:00", "cohort", "probe_retention",
        "week", at("2026-03-09 00:00:00"), "cohort",
        expect=("cohort 2026-03-02", "cohort 2026-03-09", "cohort 2026-03-09"),
    ),
    Boundary(
        "total_since", "no `grain` (one total), `--since 2026-03-10 --until 2026-03-20`",
        "start of the range (2026-03-10 00:00:00)", "total", "probe_total", "total",
        at("2026-03-10 00:00:00"), "event", expect=(NOT, COUNTS, COUNTS),
    ),
    Boundary(
        "total_until", "no `grain` (one total), `--since 2026-03-10 --until 2026-03-20`",
        "end of the range (2026-03-21 00:00:00)", "total", "probe_total", "total",
        at("2026-03-21 00:00:00"), "event", expect=(COUNTS, NOT, NOT),
    ),
)  # fmt: skip
FILLER = ("zz_filler", "filler", "activity", at("2026-05-31 12:00:00"))
"""Activity late in the data: retention is NULL while its offset period is after the last one."""


def events(boundary: Boundary, offset: str) -> list[tuple[str, str, str, dt.datetime]]:
    """The rows (case_id, user_id, kind, at) of one sub-case."""
    delta = dict(OFFSETS)[offset]
    case = boundary.case(offset)
    user = f"u_{case}"
    rows = [(case, user, kind, when) for kind, when in boundary.setup]
    rows.append((case, user, boundary.kind, boundary.anchor + delta))
    return rows


def probes() -> list[tuple[str, str, str, dt.datetime, str]]:
    rows = [r for b in BOUNDARIES for offset, _ in OFFSETS for r in events(b, offset)]
    # `plan`: a dimension like the other sources' (tests segment every metric by it)
    return [(*r, "team") for r in [*rows, FILLER]]


TABLES: dict[str, tuple[list[tuple[str, str]], list[tuple[Any, ...]]]] = {
    "probes": (
        [
            ("case_id", "string"),
            ("user_id", "string"),
            ("kind", "string"),
            ("happened_at", "timestamp"),
            ("plan", "string"),
        ],
        probes(),
    )
}
"""Loaded into every engine with the compiler's test dataset."""


# -- the rules in plain Python (docs/spec.md "Time")


def period_of(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def next_period(start: dt.date, grain: str) -> dt.date:
    if grain in ("day", "week"):
        return start + dt.timedelta(days=1 if grain == "day" else 7)
    index = start.year * 12 + start.month - 1 + (1 if grain == "month" else 3)
    return dt.date(index // 12, index % 12 + 1, 1)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def hour_text(period: dt.date) -> str:
    """An hour's period as the table shows it (engines give the day's first hour as a date)."""
    start = period if isinstance(period, dt.datetime) else midnight(period)
    return start.isoformat(sep=" ")


def period_end(period: dt.date, grain: str) -> dt.datetime:
    """The first instant after a period (an hour's period is a datetime)."""
    if grain == "hour":
        assert isinstance(period, dt.datetime)
        return period + dt.timedelta(hours=1)
    return midnight(next_period(period, grain))


def add_months(t: dt.datetime, months: int) -> dt.datetime:
    """`t` moved by whole months, same day of the month or the month's last day when shorter,
    same time of day (2026-01-31 10:00:00 + 1 month = 2026-02-28 10:00:00)."""
    index = t.year * 12 + t.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return t.replace(year=year, month=month, day=min(t.day, calendar.monthrange(year, month)[1]))


def shift(t: dt.datetime, length: tuple[int, str]) -> dt.datetime:
    count, unit = length
    if unit == "hour":
        return t + dt.timedelta(hours=count)
    return add_months(t, count) if unit == "month" else t + dt.timedelta(days=count)


WITHIN = {
    "probe_conversion": (7, "day"),
    "probe_conversion_exclusive": (7, "day"),
    "probe_conversion_month": (1, "month"),
    "probe_conversion_quarter": (3, "month"),
    "probe_funnel_month": (1, "month"),
    "probe_conversion_hours": (2, "hour"),
    "probe_conversion_hours_exclusive": (2, "hour"),
    "probe_funnel_hours": (2, "hour"),
}
"""Each probe conversion's `within` in hours, days or months (time.yaml)."""
WINDOW = {
    "probe_rolling": (-7, "day"),
    "probe_rolling_months": (-3, "month"),
    "probe_rolling_month": (-1, "month"),
    "probe_rolling_quarter": (-3, "month"),
    "probe_rolling_hourly": (-1, "day"),
    "probe_rolling_hours": (-6, "hour"),
    "probe_rolling_48_hours": (-48, "hour"),
}
"""Each probe rolling window, counted back from the period's end (time.yaml)."""


def python_verdict(boundary: Boundary, offset: str) -> str:
    """What the documented rule says about the event of one sub-case."""
    t = boundary.anchor + dict(OFFSETS)[offset]
    setup = dict(boundary.setup)
    if boundary.check in ("conversion", "funnel"):
        base = setup["base"]
        exclusive = boundary.metric.endswith("exclusive")
        end = shift(base, WITHIN[boundary.metric])
        inside = base <= t and (t < end if exclusive else t <= end)
        return COUNTS if inside else NOT
    if boundary.check == "period" and boundary.grain == "hour":
        return f"hour {hour_text(t.replace(minute=0, second=0))}"
    if boundary.check == "period":
        return f"{boundary.grain} {period_of(t.date(), boundary.grain)}"
    if boundary.check == "range":  # all the hours of the days since..until
        inside = midnight(HOUR_SINCE) <= t < midnight(HOUR_UNTIL + dt.timedelta(days=1))
        return COUNTS if inside else NOT
    if boundary.check == "window":
        assert boundary.period is not None
        end = period_end(boundary.period, boundary.grain)
        start = (
            shift(end, WINDOW[boundary.metric])
            if boundary.metric in WINDOW
            else midnight(period_of(boundary.period, "month"))
        )
        return COUNTS if start <= t < end else NOT
    if boundary.check == "retained":
        cohort = period_of(setup["cohort"].date(), "week")
        start = midnight(next_period(cohort, "week"))
        return COUNTS if start <= t < start + dt.timedelta(days=7) else NOT
    if boundary.check == "cohort":
        return f"cohort {period_of(t.date(), 'week')}"
    # a total: the days since..until, whole days
    return COUNTS if midnight(SINCE) <= t < midnight(UNTIL + dt.timedelta(days=1)) else NOT


def read_verdict(boundary: Boundary, offset: str, rows: list[tuple[Any, ...]]) -> str:
    """The outcome of one sub-case in an engine's result rows (period, case_id, value)."""
    case = boundary.case(offset)
    mine = [(row[0], row[2]) for row in rows if row[1] == case]
    if boundary.check == "conversion":
        base = period_of(dict(boundary.setup)["base"].date(), boundary.grain)
        values = {p: v for p, v in mine if v is not None}
        assert set(values) == {base}, values
        return {1: COUNTS, 0: NOT}[round(values[base] * 10**9) // 10**9]
    if boundary.check == "funnel":  # rows: period, case_id, step, stage, entities, ...
        reached = [row[4] for row in rows if row[1] == case and row[2] == 1]
        assert len(reached) == 1, rows
        return {1: COUNTS, 0: NOT}[reached[0]]
    if boundary.check == "period":
        periods = [p for p, v in mine if v]
        assert len(periods) == 1, mine
        shown = hour_text(periods[0]) if boundary.grain == "hour" else periods[0]
        return f"{boundary.grain} {shown}"
    if boundary.check == "range":
        return COUNTS if any(v for _, v in mine) else NOT
    if boundary.check == "window":
        value = dict(mine)[boundary.period]
        return {1: COUNTS, 0: NOT}[value]
    if boundary.check == "retained":
        cohort = period_of(dict(boundary.setup)["cohort"].date(), "week")
        return {1: COUNTS, 0: NOT}[round(dict(mine)[cohort])]
    if boundary.check == "cohort":
        periods = [p for p, v in mine if v is not None]
        assert len(periods) == 1, mine
        return f"cohort {periods[0]}"
    assert len(mine) <= 1, mine
    return COUNTS if mine and mine[0][1] == 1 else NOT


def doc_row(boundary: Boundary) -> str:
    """The row of the docs/spec.md "Time" table for a boundary."""
    cells = [
        boundary.construct,
        boundary.boundary,
        boundary.anchor.isoformat(sep=" "),
        *boundary.expect,
    ]
    return "| " + " | ".join(cells) + " |"
