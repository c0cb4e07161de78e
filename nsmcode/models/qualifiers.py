"""Qualifiers and metric filters: the named, reasoned row filters that keep gaming and
noise out of a metric."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictFloat, field_validator, model_validator
from pydantic_core import PydanticCustomError

from nsmcode.models.base import Name, Spec, invalid


class MetricFilter(Spec):
    """Keep the rows of the entities whose value of another metric, in the row's own period
    (or over all time), meets the bounds: "accounts with at least 3 integration points that
    week"."""

    metric: Name
    """The metric computed per entity: an aggregation of rows (count, count_distinct, sum,
    average, min, max)."""
    per: Name
    """The entity the metric is computed per (account, user); reached from both sources."""
    over: Literal["period", "all_time"] = "period"
    """`period`: the entity's value in the row's own period; `all_time`: over all the metric's
    rows, whatever their time (dbt's `Metric()` filter)."""
    at_least: StrictFloat | None = None
    """Keep entities whose value is >= this number."""
    more_than: StrictFloat | None = None
    """Keep entities whose value is > this number."""
    at_most: StrictFloat | None = None
    """Keep entities whose value is <= this number."""
    less_than: StrictFloat | None = None
    """Keep entities whose value is < this number."""
    equals: StrictFloat | None = None
    """Keep entities whose value is exactly this number."""

    @model_validator(mode="after")
    def _bounds(self) -> MetricFilter:
        given = [f for f in BOUNDS if getattr(self, f) is not None]
        hint = (
            "give `equals`, or a lower bound (`at_least` or `more_than`) and/or an upper bound "
            "(`at_most` or `less_than`)"
        )
        if not given:
            raise invalid("a metric filter needs a bound", hint)
        if "equals" in given and len(given) > 1:
            raise invalid("`equals` cannot be combined with another bound", hint)
        if {"at_least", "more_than"} <= set(given) or {"at_most", "less_than"} <= set(given):
            raise invalid("give at most one lower and one upper bound", hint)
        return self

    @property
    def text(self) -> str:
        """The filter in words, as the docs site and messages show it."""
        shown = " and ".join(f"{op} {_number(v)}" for op, v in self.bounds)
        when = "in the period" if self.over == "period" else "over all time"
        return f"{self.metric} per {self.per} {when} {shown}"

    @property
    def bounds(self) -> tuple[tuple[str, float], ...]:
        """(operator, number) for each bound given, in BOUNDS order."""
        return tuple(
            (BOUNDS[f], value) for f in BOUNDS if (value := getattr(self, f)) is not None
        )


def _number(value: float) -> str:
    """3.0 -> '3', 2.5 -> '2.5'."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


BOUNDS = {"at_least": ">=", "more_than": ">", "at_most": "<=", "less_than": "<", "equals": "="}
"""The bounds of a metric filter and the comparison each makes."""


class Qualifier(Spec):
    name: Name
    condition: str | None = Field(default=None, min_length=1)
    """A boolean SQL expression over the columns of the metric's source and its joins."""
    metric_filter: MetricFilter | None = None
    """Instead of `condition`: keep the rows of entities whose value of a metric, in the row's
    period, meets a bound."""
    reason: str = Field(min_length=1)
    """Why the filter exists: what gaming or noise it keeps out."""
    description: str | None = None

    @field_validator("condition", mode="before")
    @classmethod
    def _written(cls, value: object) -> object:
        """`condition:` left empty is a mistake (not the absence of a condition)."""
        if value is None:
            raise PydanticCustomError("string_type", "Input should be a valid string")
        return value

    @property
    def text(self) -> str:
        """The condition, or the metric filter in words."""
        if self.condition is not None:
            return self.condition
        assert self.metric_filter is not None
        return self.metric_filter.text

    @model_validator(mode="after")
    def _one_condition(self) -> Qualifier:
        if (self.condition is None) == (self.metric_filter is None):
            raise invalid(
                "give exactly one of `condition` or `metric_filter`",
                "`condition:` is a SQL condition on the rows; `metric_filter:` keeps the rows "
                "of entities whose value of a metric meets a bound",
            )
        return self
