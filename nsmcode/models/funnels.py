"""Funnels: the stages an entity goes through, in order, within windows."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from nsmcode.models.base import Name, Spec, invalid
from nsmcode.models.periods import Duration
from nsmcode.models.rules import Suppression

FunnelOrder = Literal["previous", "anchor"]


CohortPeriod = Literal["day", "week", "month", "quarter", "total"]


class FunnelStep(Spec):
    """One stage of a funnel, when it needs more than a metric name."""

    metric: Name
    """The metric whose rows (after its qualifiers and filter) are this stage's events."""
    label: str | None = None
    """Human name of the stage; defaults to the metric's title."""
    entity: Name | None = None
    """The entity whose events count, when not the funnel's: reached from the anchor's source
    through declared many-to-one joins (a user's account making a production call)."""
    within: Duration | None = None
    """The window for this stage; default: the funnel's `within`."""
    window_from: FunnelOrder | None = None
    """Measure the window from the `anchor` or the `previous` stage; default: the funnel's."""
    after: FunnelOrder | None = None
    """The event is at or after the `previous` stage's time or the `anchor`'s; default: the
    funnel's."""
    any_time: bool = False
    """Any event of the entity, at any time (even before the anchor): no order, no window."""


class Funnel(Spec):
    name: Name
    label: str | None = None
    description: str | None = None
    entity: Name
    """Who is followed and counted; the anchor's source must declare it."""
    anchor: Name | None = None
    """The metric whose first event per entity puts the entity in a cohort (e.g. signups); it
    need not be a stage. Default: the first stage's metric."""
    steps: tuple[Name | FunnelStep, ...] = Field(min_length=1)
    """The stages, in order: metric names, or mappings with per-stage settings."""
    mode: Literal["strict", "independent"] = "strict"
    """`strict`: a stage counts only entities that reached the previous one (counts never
    rise); `independent`: every stage is measured over the whole cohort."""
    after: FunnelOrder | None = None
    """Each stage's event is at or after the `previous` stage's time or the `anchor`'s.
    Default: `previous` for strict funnels, `anchor` for independent ones."""
    window_from: FunnelOrder = "anchor"
    """Measure `within` from the `anchor` or from the `previous` stage."""
    within: Duration | None = None
    """How long after the window's start a stage's event still counts; none: no limit."""
    window_end: Literal["inclusive", "exclusive"] = "inclusive"
    """`inclusive`: an event exactly `within` after the start counts; `exclusive`: it does not."""
    cohort: CohortPeriod = "month"
    """The cohort period: entities whose anchor event falls in the same day, week, month,
    quarter, or the whole range (`total`) form one cohort; `query --by` overrides it."""
    segments: tuple[Name, ...] = ()
    """Dimensions (reachable from the anchor's source) the funnel may be broken down by."""
    suppress: tuple[Suppression, ...] = ()

    @property
    def stages(self) -> tuple[FunnelStep, ...]:
        """Every stage as a FunnelStep (a bare metric name is a stage with no settings)."""
        return tuple(
            FunnelStep(metric=s) if isinstance(s, str) else s for s in self.steps
        )

    @property
    def step_metrics(self) -> tuple[str, ...]:
        """The stages' metric names, in order."""
        return tuple(s if isinstance(s, str) else s.metric for s in self.steps)

    @property
    def anchor_metric(self) -> str:
        return self.anchor or self.step_metrics[0]

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    @model_validator(mode="after")
    def _two_stages(self) -> Funnel:
        if self.anchor is None and len(self.steps) < 2:
            raise invalid(
                "a funnel without an `anchor` needs at least 2 steps",
                "add a step, or name the metric that starts the cohort with `anchor:`",
            )
        return self
