"""Time: grains, durations, planning periods, and the calendar (week start, fiscal year,
custom granularities) that cuts periods."""

from __future__ import annotations

import datetime as dt
import enum
import math
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from nsmcode.models.base import Name, Spec, invalid

Period = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-(Q[1-4]|H[12]|(0[1-9]|1[0-2]))$|^\d{4}$",
        description="A planning period: 2026-Q1, 2026-H1, 2026-03 or 2026.",
    ),
]


Duration = Annotated[
    str,
    Field(
        pattern=r"^[1-9][0-9]{0,3} "
        r"(hour|hours|day|days|week|weeks|month|months|quarter|quarters)$",
        description="A window such as '6 hours', '7 days', '4 weeks', '3 months' or '1 quarter'.",
    ),
]


DurationUnit = Literal["hour", "day", "month"]


_MONTHS = {"month": 1, "quarter": 3}


_DAYS = {"day": 1, "week": 7}


def duration(value: str) -> tuple[int, DurationUnit]:
    """A Duration as a count of hours, of days or of calendar months: weeks are 7 days, quarters
    3 months ('6 hours' -> (6, 'hour'), '4 weeks' -> (28, 'day'), '1 quarter' -> (3, 'month'))."""
    number, unit = value.split()
    unit = unit.removesuffix("s")
    if unit == "hour":
        return int(number), "hour"
    if unit in _MONTHS:
        return int(number) * _MONTHS[unit], "month"
    return int(number) * _DAYS[unit], "day"


def duration_days(value: str) -> int:
    """The most days a Duration can span ('4 weeks' -> 28; '1 month' -> 31, '1 quarter' -> 93;
    '30 hours' -> 2): how long after an instant its window may still be open."""
    count, unit = duration(value)
    if unit == "hour":
        return math.ceil(count / 24)
    return count if unit == "day" else 31 * count


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a Period ('2026-Q1' -> 2026-01-01, 2026-03-31)."""
    year = int(period[:4])
    rest = period[5:]
    if not rest:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if rest.startswith("Q"):
        first_month = 3 * (int(rest[1]) - 1) + 1
        months = 3
    elif rest.startswith("H"):
        first_month = 6 * (int(rest[1]) - 1) + 1
        months = 6
    else:
        first_month, months = int(rest), 1
    start = dt.date(year, first_month, 1)
    end_month = first_month + months
    end = (
        dt.date(year + 1, 1, 1) if end_month > 12 else dt.date(year, end_month, 1)
    ) - dt.timedelta(days=1)
    return start, end


class Grain(str, enum.Enum):
    HOUR = "hour"
    """Sub-daily events: a period is the hour (a timestamp, HH:00:00) containing the event."""
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    FISCAL_QUARTER = "fiscal_quarter"
    """Quarters of the fiscal year (`calendar: {fiscal_year_start: M}` in nsmcode.yaml)."""
    FISCAL_YEAR = "fiscal_year"
    """Years starting on the first of the project's `fiscal_year_start` month."""


FISCAL_GRAINS = (Grain.FISCAL_QUARTER, Grain.FISCAL_YEAR)


class Weekday(str, enum.Enum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


class CustomGranularity(Spec):
    """A grain read from the calendar table (a retail 4-4-5 month, a school term)."""

    name: Name
    """How queries ask for it: `--by retail_month`."""
    column: Name
    """The calendar table's column holding, for each day, the first day of its period."""

    @field_validator("name")
    @classmethod
    def _not_built_in(cls, value: str) -> str:
        if value in {g.value for g in Grain} | {"total", "own"}:
            raise invalid(
                "granularity {name} is a built-in grain",
                "give the custom granularity a name of its own (retail_month)",
                name=repr(value),
            )
        return value


class Calendar(Spec):
    """`calendar:` in nsmcode.yaml: how periods are cut (docs/spec.md, "Calendars")."""

    week_start: Weekday = Weekday.MONDAY
    """The day weeks start on (`week` grain, `period_to_date: week`); default Monday."""
    fiscal_year_start: int | None = Field(default=None, ge=1, le=12)
    """The month (1-12) the fiscal year starts in; required by the `fiscal_quarter` and
    `fiscal_year` grains. A fiscal year is named after the calendar year it ends in: with
    `fiscal_year_start: 4`, FY2027 runs from 2026-04-01 to 2027-03-31."""
    source: Name | None = None
    """The calendar table, a source with one row per day; needed by `granularities`."""
    date_column: Name | None = None
    """The calendar table's column holding the day (a date)."""
    granularities: tuple[CustomGranularity, ...] = ()
    """Custom granularities read from the calendar table, for `--by NAME`."""

    @model_validator(mode="after")
    def _custom(self) -> Calendar:
        if self.granularities and (self.source is None or self.date_column is None):
            raise invalid(
                "custom `granularities` need the calendar table: give `source` and `date_column`",
                "name the source with one row per day, and its column holding the day",
            )
        names = [g.name for g in self.granularities]
        for name in names:
            if names.count(name) > 1:
                raise invalid(
                    "granularity {name} is given twice",
                    "give each custom granularity a name of its own",
                    name=repr(name),
                )
        return self
