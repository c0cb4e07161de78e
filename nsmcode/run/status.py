"""OKR and KPI status: where each key result or KPI stands against its baseline and target.

For each goal:

- current value: the metric's value in its latest *complete* period (at the metric's grain) as
  of the as-of date: a week counts once its Sunday is on or before the as-of date; a metric built
  on a conversion or a retention also waits for its window (signups of a week converting within
  7 days count 7 days after that week ends; week-4 retention, 4 weeks after);
- progress = (current - baseline) / (target - baseline), so 0 is the baseline and 1 the target,
  in either direction (a decrease target has a negative denominator); a metric that moved the
  wrong way shows a negative progress (the bar stays empty);
- elapsed: the share of the goal's window gone by on the as-of date (both ends inclusive). A
  key result's window is its OKR period, ending at the key result's due date when it has one.
  KPIs have a due date but no start: a KPI is read as a quarterly commitment, its window runs
  from the first day of the calendar quarter of its due date to the due date;
- status: **on track** when progress >= elapsed - 0.10, **at risk** when progress >=
  elapsed - 0.25, otherwise **off track**; **no data** when a number is missing.

A missing baseline is taken from the data: the value of the last complete period that ends
before the window starts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nsmcode import models
from nsmcode.compile import calendars

ON_TRACK_SLACK = 0.10
AT_RISK_SLACK = 0.25
ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA = "on track", "at risk", "off track", "no data"


@dataclass(frozen=True)
class Goal:
    """A key result or a KPI: a metric with a baseline, a target and a window."""

    kind: str  # "okr" or "kpi"
    group: str  # the OKR's or the team's name
    metric: str
    description: str | None
    baseline: float | None
    target: float | None
    direction: models.Direction | None
    start: dt.date | None  # None when the window is unknown (a KPI without a due date)
    due: dt.date | None


@dataclass(frozen=True)
class GoalStatus:
    goal: Goal
    baseline: float | None
    current: float | None
    period: dt.date | None  # start of the period `current` is from
    progress: float | None
    elapsed: float | None
    status: str
    start: dt.date | None
    share: bool = False
    """The metric is a share (a rate, a conversion, a retention): its values read as %."""

    def as_dict(self) -> dict[str, Any]:
        g = self.goal
        return {
            "metric": g.metric,
            "description": g.description,
            "baseline": _finite(self.baseline),
            "current": _finite(self.current),
            "current_period": self.period.isoformat() if self.period else None,
            "target": g.target,
            "direction": g.direction.value if g.direction else None,
            "start": self.start.isoformat() if self.start else None,
            "due": g.due.isoformat() if g.due else None,
            "progress": _finite(self.progress),
            "elapsed": self.elapsed,
            "status": self.status,
            "share": self.share,
        }


def _usable(value: Any) -> bool:
    return value is not None and math.isfinite(float(value))


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# ------------------------------------------------------------------------------------------------
# The maths (pure functions, documented in the module docstring and docs/running.md)


def period_end(start: dt.date, grain: models.Grain) -> dt.date:
    """Last day of the period that starts on `start` (an hour: its day; its length does not
    depend on the project's calendar: a week is 7 days, a fiscal quarter 3 months, wherever they
    start)."""
    if grain is models.Grain.HOUR:
        return start.date() if isinstance(start, dt.datetime) else start
    return calendars.advance(start, 1, grain) - dt.timedelta(days=1)


def quarter_start(day: dt.date) -> dt.date:
    """First day of the calendar quarter `day` falls in."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def progress(
    baseline: float | None,
    current: float | None,
    target: float | None,
    direction: models.Direction | None = None,
) -> float | None:
    """0 at the baseline, 1 at the target; None when a number is missing."""
    if baseline is None or current is None or target is None:
        return None
    if target == baseline:
        decrease = direction is models.Direction.DECREASE
        reached = current <= target if decrease else current >= target
        return 1.0 if reached else 0.0
    return (current - baseline) / (target - baseline)


def elapsed(start: dt.date, end: dt.date, as_of: dt.date) -> float:
    """Share of [start, end] (inclusive days) gone by at the end of `as_of`, within 0..1."""
    total = (end - start).days + 1
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, ((as_of - start).days + 1) / total))


def classify(progress_value: float | None, elapsed_value: float | None) -> str:
    if progress_value is None or elapsed_value is None:
        return NO_DATA
    if progress_value >= elapsed_value - ON_TRACK_SLACK:
        return ON_TRACK
    if progress_value >= elapsed_value - AT_RISK_SLACK:
        return AT_RISK
    return OFF_TRACK


@dataclass(frozen=True)
class Settle:
    """How long after a period ends its value is final: a conversion within 7 days needs 7 more
    days, a retention at offset 4 needs 4 more periods."""

    days: int = 0
    periods: int = 0

    def __or__(self, other: Settle) -> Settle:
        return Settle(max(self.days, other.days), max(self.periods, other.periods))


def advance(start: dt.date, periods: int, grain: models.Grain) -> dt.date:
    """The start of the period `periods` after the one starting on `start`."""
    if grain is models.Grain.HOUR:
        return start + dt.timedelta(hours=periods)
    return calendars.advance(start, periods, grain)


def settled_by(start: dt.date, grain: models.Grain, settle: Settle) -> dt.date:
    """The first date on which the value of the period starting on `start` is final."""
    end = period_end(advance(start, settle.periods, grain), grain)
    return end + dt.timedelta(days=settle.days)


def latest_complete(
    series: Sequence[tuple[dt.date, Any]],
    grain: models.Grain,
    as_of: dt.date,
    settle: Settle = Settle(),
) -> tuple[dt.date, float] | None:
    """The last (period, value) that has a value and is complete (and settled) by `as_of`."""
    best: tuple[dt.date, float] | None = None
    for start, value in series:
        ended = _usable(value) and settled_by(start, grain, settle) <= as_of
        if ended and (best is None or start > best[0]):
            best = (start, float(value))
    return best


def last_before(
    series: Sequence[tuple[dt.date, Any]], grain: models.Grain, before: dt.date
) -> float | None:
    """The value of the last complete period that ends before `before`."""
    found = latest_complete(series, grain, before - dt.timedelta(days=1))
    return found[1] if found else None


def evaluate(
    goal: Goal,
    series: Sequence[tuple[dt.date, Any]],
    grain: models.Grain,
    as_of: dt.date,
    settle: Settle = Settle(),
) -> GoalStatus:
    """The status of one goal from its metric's series (period start, value) at `grain`."""
    latest = latest_complete(series, grain, as_of, settle)
    current, period = (latest[1], latest[0]) if latest else (None, None)
    baseline = goal.baseline
    start = goal.start
    if baseline is None and start is not None:
        baseline = last_before(series, grain, start)
    window = elapsed(start, goal.due, as_of) if start and goal.due else None
    value = progress(baseline, current, goal.target, goal.direction)
    return GoalStatus(
        goal, baseline, current, period, value, window, classify(value, window), start
    )


PERCENT_TYPES = ("conversion", "retention")


def is_share(metric: models.Metric, values: Sequence[float] | None = None) -> bool:
    """Conversions, retention and ratios whose values all lie in [0, 1] read as percentages."""
    calc = metric.calculation
    if calc.type in PERCENT_TYPES:
        return True
    if isinstance(calc, models.PeriodOverPeriod):
        return calc.comparison == "ratio"
    if calc.type == "ratio":
        if values is None:
            return metric.name.endswith(("_rate", "_share", "_ratio", "_pct"))
        return bool(values) and all(0 <= v <= 1 for v in values)
    return False


# ------------------------------------------------------------------------------------------------
# Goals from the project


def key_results(okrs: Sequence[models.Okr]) -> list[Goal]:
    goals = []
    for okr in okrs:
        start, end = models.period_bounds(okr.period)
        for kr in okr.key_results:
            goals.append(
                Goal(
                    "okr",
                    okr.name,
                    kr.metric,
                    kr.description,
                    kr.baseline,
                    kr.target,
                    kr.direction,
                    start,
                    kr.due or end,
                )
            )
    return goals


def kpis(teams: Sequence[models.Team]) -> list[Goal]:
    return [
        Goal(
            "kpi",
            t.name,
            k.metric,
            None,
            k.baseline,
            k.target,
            k.direction,
            quarter_start(k.due) if k.due else None,
            k.due,
        )
        for t in teams
        for k in t.kpis
    ]
