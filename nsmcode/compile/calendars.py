"""Calendars: how a grain cuts time into periods, given the project's `calendar:` settings.

Every grain is a standard period (DAY, WEEK, MONTH, QUARTER, YEAR) moved forward by a fixed
amount: weeks by the days from Monday to the project's `week_start`, fiscal quarters and years by
the months from January to its `fiscal_year_start`. So the start of the period containing a date
is always `truncate(date - shift) + shift`: the same on every target from the same portable
operations, and shifting by N periods is shifting by N standard periods (a fiscal quarter is 3
months long wherever it starts).

In the dialect-free tree a grain is a unit `Var`: its standard name, followed by `+N` when it is
moved (`QUARTER+1`: quarters starting in February, May, August and November; `WEEK+6`: weeks
starting on Sunday). Targets read it with `split_unit` (see target.py).

A fiscal year is named after the calendar year it ends in (the common convention: US federal,
Microsoft, Apple): with `fiscal_year_start: 4`, FY2027 runs from 2026-04-01 to 2027-03-31 and
its first quarter, FY2027-Q1, from 2026-04-01 to 2026-06-30. A fiscal year starting in January
is the calendar year, named the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, Span

DEFAULT = models.Calendar()

_STANDARD = {
    models.Grain.HOUR: "HOUR",
    models.Grain.DAY: "DAY",
    models.Grain.WEEK: "WEEK",
    models.Grain.MONTH: "MONTH",
    models.Grain.QUARTER: "QUARTER",
    models.Grain.YEAR: "YEAR",
    models.Grain.FISCAL_QUARTER: "QUARTER",
    models.Grain.FISCAL_YEAR: "YEAR",
}
_MONTHS = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}

RANK = {
    models.Grain.HOUR: -1,
    models.Grain.DAY: 0,
    models.Grain.WEEK: 1,
    models.Grain.MONTH: 2,
    models.Grain.QUARTER: 3,
    models.Grain.FISCAL_QUARTER: 3,
    models.Grain.YEAR: 4,
    models.Grain.FISCAL_YEAR: 4,
}
"""Coarseness: a period of a lower rank never straddles two of a higher one of the same family
(calendar or fiscal; hours, days, weeks and months belong to both)."""


@dataclass(frozen=True)
class Custom:
    """A custom granularity (`calendar: granularities:`): each day's period is looked up in the
    calendar table, whose `column` holds the first day of the period containing `date_column`.
    Periods are whatever the table says (a retail 4-4-5 calendar); only a query's grain."""

    name: str
    source: str
    date_column: str
    column: str

    @property
    def value(self) -> str:
        """Its name, as `Grain.value` is a grain's."""
        return self.name


def custom(calendar: models.Calendar, name: str) -> Custom | None:
    """The custom granularity called `name`, if the calendar declares one."""
    for granularity in calendar.granularities:
        if granularity.name == name:
            assert calendar.source is not None and calendar.date_column is not None
            return Custom(name, calendar.source, calendar.date_column, granularity.column)
    return None


def standard(grain: models.Grain) -> str:
    """The standard period a grain is cut from: HOUR, DAY, WEEK, MONTH, QUARTER or YEAR."""
    return _STANDARD[grain]


def shift(grain: models.Grain, calendar: models.Calendar = DEFAULT) -> int:
    """How far the grain's periods start after the standard ones: days for weeks, months for
    fiscal quarters and years (0 for the others)."""
    if grain is models.Grain.WEEK:
        return list(models.Weekday).index(calendar.week_start)
    if grain in models.FISCAL_GRAINS:
        months = (calendar.fiscal_year_start or 1) - 1
        return months % 3 if grain is models.Grain.FISCAL_QUARTER else months
    return 0


def unit_name(grain: models.Grain, calendar: models.Calendar = DEFAULT) -> str:
    """The tree's unit for a grain: `QUARTER`, or `QUARTER+1` when the periods are moved."""
    moved = shift(grain, calendar)
    return standard(grain) + (f"+{moved}" if moved else "")


def split_unit(text: str) -> tuple[str, int]:
    """`QUARTER+1` -> ('QUARTER', 1): the standard period and how far it is moved (days for
    WEEK, else months)."""
    name, _, moved = text.upper().partition("+")
    return name, int(moved or 0)


def shift_unit(name: str) -> str:
    """The unit a moved period's shift counts: days for weeks, months for the others."""
    return "DAY" if name == "WEEK" else "MONTH"


def nests(inner: models.Grain, outer: models.Grain) -> bool:
    """Whether every period of `inner` lies within one period of `outer` (what a
    period-to-date window per grain needs). Calendar and fiscal quarters and years do not mix."""
    if RANK[inner] > RANK[outer]:
        return False
    fiscal = (inner in models.FISCAL_GRAINS) != (outer in models.FISCAL_GRAINS)
    return not (RANK[inner] >= 3 and fiscal)


def fiscal_problem(
    grain: models.Grain | str | None, calendar: models.Calendar, span: Span | None, what: str
) -> Diagnostic | None:
    """C043 when a fiscal grain is used but the project declares no fiscal year."""
    if grain not in models.FISCAL_GRAINS or calendar.fiscal_year_start is not None:
        return None
    assert isinstance(grain, models.Grain)
    return Diagnostic(
        "C043",
        f"{what} uses the {grain.value} grain but the project declares no fiscal year",
        span,
        "declare the month the fiscal year starts in, in nsmcode.yaml: "
        "`calendar: {fiscal_year_start: 4}` (April)",
    )


# ----------------------------------------------------------------------------------------------
# Python side: since/until become literal period bounds; labels


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_start(
    day: dt.date, grain: models.Grain, calendar: models.Calendar = DEFAULT
) -> dt.date:
    """The first day of the `grain` period containing `day`."""
    name, moved = standard(grain), shift(grain, calendar)
    if name in ("DAY", "HOUR"):  # an hour's day: since/until and status read days
        return day
    if name == "WEEK":
        return day - dt.timedelta(days=(day.weekday() - moved) % 7)
    back = (day.month - 1 - moved) % _MONTHS[name]
    return _add_months(day, -back)


def next_period(
    start: dt.date, grain: models.Grain, calendar: models.Calendar = DEFAULT
) -> dt.date:
    """The start of the period after the one starting on `start`."""
    return advance(start, 1, grain)


def advance(start: dt.date, periods: int, grain: models.Grain) -> dt.date:
    """The start of the period `periods` (maybe negative) after the one starting on `start`;
    the calendar does not matter: periods of a grain all have the same length in days or
    months."""
    name = standard(grain)
    if name == "HOUR":  # `start` is then the hour's timestamp
        return start + dt.timedelta(hours=periods)
    if name in ("DAY", "WEEK"):
        return start + dt.timedelta(days=periods * (7 if name == "WEEK" else 1))
    return _add_months(start, _MONTHS[name] * periods)


def fiscal_year(day: dt.date, calendar: models.Calendar) -> int:
    """The number of the fiscal year containing `day`: the calendar year it ends in."""
    first = period_start(day, models.Grain.FISCAL_YEAR, calendar)
    return first.year + (1 if first.month != 1 else 0)


def label(start: dt.date, grain: models.Grain, calendar: models.Calendar = DEFAULT) -> str:
    """A period's name: `FY2027` and `FY2027-Q1` for fiscal periods (see the module docstring),
    `2026` for a year, `2026-Q2` for a quarter, else the start date."""
    if grain is models.Grain.FISCAL_YEAR:
        return f"FY{fiscal_year(start, calendar)}"
    if grain is models.Grain.FISCAL_QUARTER:
        first_month = calendar.fiscal_year_start or 1
        quarter = (start.month - first_month) % 12 // 3 + 1
        return f"FY{fiscal_year(start, calendar)}-Q{quarter}"
    if grain is models.Grain.YEAR:
        return str(start.year)
    if grain is models.Grain.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return start.isoformat()
