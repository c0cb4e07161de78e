"""Calculations: how a metric computes its value, a union discriminated on `type`
(aggregations of rows, and calculations built on other metrics)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from nsmcode.models.base import Name, Spec, invalid
from nsmcode.models.periods import Duration, Grain


class Count(Spec):
    type: Literal["count"]


class CountDistinct(Spec):
    type: Literal["count_distinct"]
    columns: tuple[Name, ...] = Field(min_length=1)
    """One or more columns; several columns count distinct combinations."""


class Sum(Spec):
    type: Literal["sum"]
    column: Name


class Average(Spec):
    type: Literal["average"]
    column: Name


class Min(Spec):
    type: Literal["min"]
    column: Name


class Max(Spec):
    type: Literal["max"]
    column: Name


class Percentile(Spec):
    type: Literal["percentile"]
    column: Name
    """The numeric column whose distribution is read; NULLs are ignored."""
    percentile: float = Field(ge=0, le=1)
    """Which percentile, from 0 to 1: 0.5 is the median, 0.9 the 90th percentile."""

    @field_validator("percentile")
    @classmethod
    def _places(cls, value: float) -> float:
        return percentile_places(value)


def percentile_places(value: float) -> float:
    """A percentile is written with at most 6 decimals (it compiles to integers num / den)."""
    if len(repr(value).partition(".")[2]) > 6 or "e" in repr(value):
        raise invalid("a percentile has at most 6 decimal places", "write e.g. 0.5 or 0.99")
    return value


class Balance(Spec):
    type: Literal["balance"]
    column: Name
    """The balance each row observes (MRR, seats, open tickets)."""
    entity: Name
    """Whose balance: each entity contributes one observation per period; the source must
    declare it."""
    at: Literal["end", "start"] = "end"
    """`end`: each entity's last observation in the period; `start`: its first."""


class Ratio(Spec):
    type: Literal["ratio"]
    numerator: Name
    """A metric name."""
    denominator: Name
    """A metric name; periods where it is 0 give NULL, never an error."""


Offset = Annotated[
    str,
    Field(
        description="'N periods' (N grain periods earlier, 1 to 520) or '1 year' (the same "
        "period a year earlier).",
        examples=["1 year", "2 periods"],
    ),
]


_OFFSET = re.compile(r"^([1-9][0-9]{0,2}) periods?$|^1 year$")


class DerivedInput(Spec):
    """Another metric read at an offset, under a name the derived expression uses."""

    name: Name
    """The name the expression uses for the offset value (not a metric name)."""
    metric: Name
    """The metric read."""
    offset: Offset
    """`N periods` (N grain periods earlier) or `1 year` (the same period a year earlier)."""

    @field_validator("offset")
    @classmethod
    def _offset(cls, value: str) -> str:
        match = _OFFSET.match(value)
        if match is None:
            raise invalid(
                "is not an offset",
                "write 'N periods' (N grain periods earlier) or '1 year' (the same period a "
                "year earlier)",
            )
        if match.group(1) and int(match.group(1)) > 520:
            raise invalid("an offset is at most 520 periods", "use 1 to 520 periods")
        return value


class Derived(Spec):
    type: Literal["derived"]
    expression: str = Field(min_length=1)
    """Arithmetic over other metrics' names, e.g. `paid_accounts / active_accounts * 100`."""
    inputs: tuple[DerivedInput, ...] = ()
    """Metrics read at an offset (`revenue` a year earlier), each named for the expression."""

    @model_validator(mode="after")
    def _unique_inputs(self) -> Derived:
        names = [i.name for i in self.inputs]
        for name in names:
            if names.count(name) > 1:
                raise invalid(
                    f"input name {name!r} is given twice", "give each input its own name"
                )
        return self


class Cumulative(Spec):
    type: Literal["cumulative"]
    metric: Name
    """A metric aggregating rows (count, sum, count_distinct, average, min, max), recomputed
    over the rows of the window."""
    window: Duration | None = None
    """A rolling window ('28 days'); omit both this and `period_to_date` for an all-time total."""
    period_to_date: Grain | None = None
    """Restart the total at each period (month-to-date, quarter-to-date)."""

    @model_validator(mode="after")
    def _one_window(self) -> Cumulative:
        if self.window is not None and self.period_to_date is not None:
            raise invalid(
                "give at most one of `window` or `period_to_date`",
                "`window` is a rolling total, `period_to_date` restarts each period; "
                "omit both for an all-time total",
            )
        return self


class Conversion(Spec):
    type: Literal["conversion"]
    base: Name
    """The metric whose events start the clock (e.g. signups)."""
    conversion: Name
    """The metric whose events count as converting (e.g. production API calls)."""
    entity: Name
    """The entity counted: the base metric's source must declare it; without
    `conversion_entity`, also the entity the conversion events are matched on."""
    within: Duration
    """How long after the base event a conversion still counts, in exact seconds."""
    window_end: Literal["inclusive", "exclusive"] = "inclusive"
    """`inclusive`: an event exactly `within` after the base event counts; `exclusive`: it
    does not (the half-open window)."""
    conversion_entity: Name | None = None
    """The entity whose events count (e.g. the user's account), reached from both metrics'
    sources through declared many-to-one joins; default: `entity`."""
    result: Literal["rate", "count"] = "rate"
    """`rate`: the share of base entities that convert; `count`: how many convert."""


TimeUnit = Literal["seconds", "minutes", "hours", "days"]


SECONDS_PER: dict[str, int] = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
"""The seconds in one unit of a duration's result (a day is 86,400 s)."""


class TimeToConvert(Spec):
    """A percentile of the time each entity takes from its first base event to its first
    conversion event at or after it: "median days to the first production call"."""

    type: Literal["time_to_convert"]
    base: Name
    """The metric whose first event per entity starts the clock (e.g. signups)."""
    conversion: Name
    """The metric whose first event at or after the start stops it (e.g. production calls)."""
    entity: Name
    """The entity timed; the base metric's source must declare it. Without
    `conversion_entity`, also the entity the conversion events are matched on."""
    percentile: float = Field(ge=0, le=1)
    """Which percentile of the entities' durations: 0.5 is the median, 0.9 the 90th."""
    unit: TimeUnit
    """The unit of the value: `seconds`, `minutes`, `hours` or `days` (fractions kept)."""
    within: Duration | None = None
    """A cap: an entity whose first conversion comes later than this after its start (or
    never) has no duration and is left out. None: no cap."""
    window_end: Literal["inclusive", "exclusive"] = "inclusive"
    """With `within`: `inclusive` keeps a conversion exactly `within` after the start;
    `exclusive` does not."""
    conversion_entity: Name | None = None
    """The entity whose events stop the clock (e.g. the user's account), reached from both
    metrics' sources through declared many-to-one joins; default: `entity`."""

    @field_validator("percentile")
    @classmethod
    def _places(cls, value: float) -> float:
        return percentile_places(value)

    @model_validator(mode="after")
    def _consistent(self) -> TimeToConvert:
        if self.base == self.conversion:
            raise invalid(
                "`base` and `conversion` are the same metric: every duration would be 0",
                "time from one kind of event to another, e.g. signups to production calls",
            )
        if self.within is None and "window_end" in self.model_fields_set:
            raise invalid(
                "`window_end` applies only with `within`",
                "add `within:` (e.g. `within: 30 days`), or remove `window_end`",
            )
        return self


class PeriodOverPeriod(Spec):
    type: Literal["period_over_period"]
    metric: Name
    periods: int = Field(default=1, ge=1, le=520)
    """How many grain periods back to compare with."""
    comparison: Literal["ratio", "difference"] = "ratio"
    """`ratio`: (current - previous) / previous; `difference`: current - previous."""


class Retention(Spec):
    type: Literal["retention"]
    cohort: Name
    """The metric whose events put an entity into a cohort (its first event's period)."""
    activity: Name
    """The metric whose events count as retained activity."""
    entity: Name
    offset: int = Field(default=1, ge=1, le=520)
    """Retained = active exactly `offset` grain periods after the cohort period."""


Calculation = Annotated[
    Count
    | CountDistinct
    | Sum
    | Average
    | Min
    | Max
    | Percentile
    | Balance
    | Ratio
    | Derived
    | Cumulative
    | Conversion
    | TimeToConvert
    | PeriodOverPeriod
    | Retention,
    Field(discriminator="type"),
]


AGGREGATIONS = (
    "count",
    "count_distinct",
    "sum",
    "average",
    "min",
    "max",
    "percentile",
    "balance",
)
