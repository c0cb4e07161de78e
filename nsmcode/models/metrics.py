"""Metrics: a calculation with its role in the North Star tree, qualifiers and filters."""

from __future__ import annotations

import enum

from pydantic import StrictFloat

from nsmcode.models.base import Name, Spec
from nsmcode.models.calculations import Calculation
from nsmcode.models.goals import Target
from nsmcode.models.periods import Grain
from nsmcode.models.qualifiers import MetricFilter
from nsmcode.models.rules import Suppression


class Role(str, enum.Enum):
    NORTH_STAR = "north_star"
    INPUT = "input"
    KPI = "kpi"
    GUARDRAIL = "guardrail"
    PLAIN = "plain"


class Category(str, enum.Enum):
    DX = "dx"
    PRODUCT = "product"
    GROWTH = "growth"


class Measures(str, enum.Enum):
    """What a metric measures: value delivered (outcome) or effort spent (activity)."""

    OUTCOME = "outcome"
    ACTIVITY = "activity"


class Metric(Spec):
    name: Name
    label: str | None = None
    """Human name; defaults to the name with underscores as spaces."""
    role: Role = Role.PLAIN
    category: Category | None = None
    """For inputs: which lever it is (DX, product or growth)."""
    drives: Name | None = None
    """For inputs: the metric it drives; defaults to the north star."""
    guards: Name | None = None
    """For guardrails: the metric it counterbalances; defaults to the north star."""
    measures: Measures | None = None
    """Declared nature: `outcome` (value delivered) or `activity` (effort spent)."""
    description: str | None = None
    value: str | None = None
    """The value statement: why this number going up means customers get more value."""
    owner: str | None = None
    source: Name | None = None
    """Required for aggregations (count, sum, ...); other calculations build on metrics."""
    calculation: Calculation
    qualifiers: tuple[Name, ...] = ()
    """Anti-gaming filters applied before aggregating."""
    filter: str | None = None
    """An extra boolean SQL condition, for filters not worth naming."""
    metric_filter: MetricFilter | None = None
    """Keep only the rows of entities whose value of a metric, in the row's period, meets a
    bound (see docs/spec.md, "Metric filters")."""
    grain: Grain | None = None
    fill_nulls_with: StrictFloat | None = None
    """A number the metric reads instead of NULL: in empty periods (instead of 0 for counts and
    sums, NULL otherwise) and wherever its value is NULL (see docs/spec.md)."""
    entity: Name | None = None
    """The entity this metric is about (account, user, ...)."""
    segments: tuple[Name, ...] = ()
    """Dimensions the metric may be broken down by."""
    target: Target | None = None
    suppress: tuple[Suppression, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()
