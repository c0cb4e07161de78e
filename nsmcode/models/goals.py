"""Goals: metric targets, teams and their KPIs, and OKRs."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

from pydantic import Field, field_validator

from nsmcode.models.base import Name, Spec
from nsmcode.models.periods import Period, period_bounds
from nsmcode.models.rules import Suppression

MetricRef = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.step[1-9][0-9]*_(rate|overall|count))?$",
        max_length=160,
        description="A metric name, or a funnel stage: `activation.step3_rate` (its step "
        "conversion), `activation.step3_overall` or `activation.step3_count`.",
    ),
]


class Direction(str, enum.Enum):
    INCREASE = "increase"
    DECREASE = "decrease"


class Target(Spec):
    value: float
    direction: Direction
    due: dt.date


class Kpi(Spec):
    metric: MetricRef
    """A metric, or a funnel stage's conversion (`activation.step3_rate`)."""
    target: float | None = None
    direction: Direction | None = None
    due: dt.date | None = None
    baseline: float | None = None


class Team(Spec):
    name: Name
    description: str | None = None
    owner: str | None = None
    company: bool = False
    """True for the company-level KPI set (5-8 KPIs) rather than a team's (5-10)."""
    kpis: tuple[Kpi, ...] = ()
    suppress: tuple[Suppression, ...] = ()


class KeyResult(Spec):
    description: str | None = None
    metric: MetricRef
    """A metric, or a funnel stage's conversion (`activation.step3_rate`)."""
    baseline: float | None = None
    target: float | None = None
    direction: Direction | None = None
    due: dt.date | None = None


class Okr(Spec):
    name: Name
    objective: str = Field(min_length=1)
    owner: str | None = None
    period: Period
    key_results: tuple[KeyResult, ...] = ()
    suppress: tuple[Suppression, ...] = ()

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        period_bounds(value)
        return value
