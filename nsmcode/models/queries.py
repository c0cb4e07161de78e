"""Saved queries, and where `nsmcode materialize` writes their results."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator

from nsmcode.models.base import Name, Spec, invalid
from nsmcode.models.periods import Grain

QUERY_DATES = (dt.date(1900, 1, 1), dt.date(9998, 12, 31))
"""The dates a query may be bounded by: calendar arithmetic stays within Python's dates."""


RelativeDate = Annotated[
    str,
    Field(
        pattern=r"^-[1-9][0-9]{0,2} (day|days|week|weeks|month|months|quarter|quarters)$",
        description="A date counted back from the as-of date: '-12 weeks', '-90 days'.",
    ),
]


class SavedQuery(Spec):
    """A named query: `nsmcode query --saved NAME`, compiled to sql/<dialect>/saved/NAME.sql,
    and what `nsmcode materialize` writes into the warehouse."""

    name: Name
    description: str | None = None
    metrics: tuple[Name, ...] = Field(min_length=1)
    """The metrics, one column each; computed in one query (they need one grain)."""
    grain: Grain | Literal["total"] | None = None
    """The period grain, or `total`; default: the metrics' own grain."""
    segments: tuple[Name, ...] = ()
    """Dimensions to break down by."""
    where: str | None = None
    """A condition on declared dimensions, as `nsmcode query --where`."""
    since: dt.date | RelativeDate | None = None
    """First period start (inclusive): a date, or relative such as `-12 weeks`."""
    until: dt.date | RelativeDate | None = None
    """Last period start (inclusive): a date, or relative such as `-1 week`."""

    @field_validator("since", "until")
    @classmethod
    def _in_range(cls, value: dt.date | str | None) -> dt.date | str | None:
        if isinstance(value, dt.date) and not QUERY_DATES[0] <= value <= QUERY_DATES[1]:
            raise invalid(
                "{value} is outside the dates nsmcode computes with (1900-01-01 to 9998-12-31)",
                "write a date between 1900 and 9998, or leave the bound out",
                value=value.isoformat(),
            )
        return value


class Materialize(Spec):
    """Where `nsmcode materialize` writes saved queries' results."""

    schema_name: Name = Field(alias="schema")
    """The warehouse schema nsmcode owns tables in (created if missing)."""
    lookback: int | None = Field(default=None, ge=0, le=1000)
    """Periods recomputed on each run; default: the longest window of the query's metrics."""
