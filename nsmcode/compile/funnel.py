"""Funnels: a funnel definition -> a checked, dialect-free plan -> SQL for every target.

    compile_funnel(project, name, target, options) -> str
    funnel_plan(project, name, options) -> FunnelPlan   (located C06x errors)
    check_funnels(project) -> list[Diagnostic]            (what `validate` reports)

Semantics (docs/spec.md, "Funnels"): an entity's anchor time t0 is its first anchor event; its
cohort is the period containing t0. Stage k's time is the entity's first qualifying event at or
after its reference time (the previous stage's time, or t0), and at or before the window's end
(inclusive by default). Strict funnels only look for stage k among entities that reached k-1.
funnel_sql.py builds the query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from nsmcode import models
from nsmcode.compile.calendars import fiscal_problem
from nsmcode.compile.entity_path import Link, entity_link
from nsmcode.compile.errors import CompileError, fail
from nsmcode.compile.plan import Rows, next_period, period_start
from nsmcode.diagnostics import Diagnostic, Span
from nsmcode.project import Project

Cohort = Literal["day", "week", "month", "quarter", "total"]
COHORTS: tuple[Cohort, ...] = ("day", "week", "month", "quarter", "total")
OUTPUT = (
    "step",
    "stage",
    "entities",
    "step_conversion",
    "overall_conversion",
    "median_seconds",
)
"""The columns after `period` and the segments, one row per stage (step 0: the cohort)."""


@dataclass(frozen=True)
class FunnelOptions:
    cohort: Cohort | None = None
    """The cohort period; default: the funnel's `cohort`."""
    segments: tuple[str, ...] = ()
    since: dt.date | None = None
    """Inclusive lower bound on the cohort period start."""
    until: dt.date | None = None
    """Inclusive upper bound on the cohort period start (the period containing it)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))


@dataclass(frozen=True)
class Events:
    """A metric's filtered rows, keyed by the column holding one entity's key."""

    metric: str
    rows: Rows
    entity_column: str


@dataclass(frozen=True)
class Stage:
    index: int
    """1-based."""
    label: str
    events: Events
    link: Link | None
    """Where the anchor row holds the stage entity's key; None: the funnel's entity itself."""
    any_time: bool
    after: Literal["previous", "anchor"]
    window_from: Literal["previous", "anchor"]
    length: tuple[int, models.DurationUnit] | None
    """Window length in days or calendar months (models.duration); None: no upper bound."""


@dataclass(frozen=True)
class FunnelPlan:
    name: str
    cohort: Cohort
    segments: tuple[str, ...]
    lo: dt.date | None
    hi: dt.date | None
    """Inclusive bounds on the period start (on the anchor day for a `total` cohort)."""
    anchor: Events
    stages: tuple[Stage, ...]
    strict: bool
    exclusive: bool

    @property
    def links(self) -> tuple[Link, ...]:
        return tuple(dict.fromkeys(s.link for s in self.stages if s.link is not None))


def compile_funnel(
    project: Project, name: str, target: str, options: FunnelOptions = FunnelOptions()
) -> str:
    """Pretty SQL for one funnel in one dialect: columns `period` (DATE, the cohort period
    start), one per segment, then `step` (0 = the cohort), `stage`, `entities`,
    `step_conversion`, `overall_conversion`, `median_seconds`; ordered by period, segments,
    step. Only cohort periods with at least one entity appear."""
    from nsmcode.compile import _target
    from nsmcode.compile.funnel_sql import build_funnel, render_funnel

    plan = funnel_plan(project, name, options)
    chosen = _target(target, None)
    return render_funnel(build_funnel(project, plan), chosen)


def check_funnels(project: Project) -> list[Diagnostic]:
    """Every funnel's planning errors (the checks `compile` and `query` make)."""
    problems: list[Diagnostic] = []
    for name in project.funnels:
        try:
            funnel_plan(project, name, FunnelOptions())
        except CompileError as error:
            problems.extend(error.diagnostics)
    return problems


def funnel_plan(project: Project, name: str, options: FunnelOptions) -> FunnelPlan:
    funnel = project.funnels.get(name)
    if funnel is None:
        raise fail("C060", f"unknown funnel {name!r}", None, "funnels are listed by `validate`")
    return _Planner(project, name, funnel).plan(options)


class _Planner:
    def __init__(self, project: Project, name: str, funnel: models.Funnel) -> None:
        self.project = project
        self.name = name
        self.funnel = funnel

    def span(self, *path: str | int) -> Span:
        return self.project.span("funnel", self.name, *path)

    def step_span(self, i: int, key: str) -> Span:
        step = self.funnel.steps[i]
        if isinstance(step, str):
            return self.span("steps", i)
        return self.span("steps", i, key)

    def plan(self, options: FunnelOptions) -> FunnelPlan:
        funnel = self.funnel
        strict = funnel.mode == "strict"
        anchor_path: tuple[str | int, ...] = (
            ("anchor",) if funnel.anchor is not None else self._metric_path(0)
        )
        anchor = self.events(funnel.anchor_metric, funnel.entity, anchor_path)
        stages = tuple(
            self.stage(i, stage, anchor, strict) for i, stage in enumerate(funnel.stages)
        )
        cohort: Cohort = options.cohort or funnel.cohort
        self.check_segments(anchor, tuple(dict.fromkeys((*funnel.segments, *options.segments))))
        self.check_segments(anchor, options.segments)
        lo = hi = None
        if cohort == "total":
            lo, hi = options.since, options.until
        else:
            grain = models.Grain(cohort)
            calendar = self.project.config.calendar
            span = self.span("cohort") if options.cohort is None else Span("--by")
            problem = fiscal_problem(grain, calendar, span, f"funnel {self.name!r}")
            if problem is not None:
                raise CompileError([problem])
            if options.since is not None:
                start = period_start(options.since, grain, calendar)
                lo = start if start == options.since else next_period(start, grain, calendar)
            if options.until is not None:
                hi = period_start(options.until, grain, calendar)
        return FunnelPlan(
            self.name,
            cohort,
            options.segments,
            lo,
            hi,
            anchor,
            stages,
            strict,
            funnel.window_end == "exclusive",
        )

    def _metric_path(self, i: int) -> tuple[str | int, ...]:
        return ("steps", i) if isinstance(self.funnel.steps[i], str) else ("steps", i, "metric")

    def events(self, metric_name: str, entity: str, path: tuple[str | int, ...]) -> Events:
        from nsmcode.compile import _Compiler

        metric = self.project.metrics.get(metric_name)
        if metric is None:  # the loader refuses this (E007); kept for direct callers
            raise fail("C060", f"funnel {self.name!r}: unknown metric {metric_name!r}", None)
        if metric.source is None or metric.calculation.type not in models.AGGREGATIONS:
            raise fail(
                "C061",
                f"funnel {self.name!r}: {metric_name!r} is a {metric.calculation.type} of other "
                "metrics; a funnel stage needs events (the rows of one source)",
                self.span(*path),
                "use a metric that counts rows of a source (count, count_distinct, sum, ...)",
            )
        rows = _Compiler.of(self.project).planner.rows(metric)
        column = self.project.entity_column(rows.source, entity)
        if column is None:  # the loader refuses this (E007)
            raise fail(
                "C062",
                f"funnel {self.name!r}: source {rows.source!r} declares no entity {entity!r}",
                self.span(*path),
            )
        return Events(metric_name, rows, column)

    def stage(self, i: int, stage: models.FunnelStep, anchor: Events, strict: bool) -> Stage:
        funnel = self.funnel
        entity = stage.entity or funnel.entity
        events = self.events(stage.metric, entity, self._metric_path(i))
        link: Link | None = None
        if entity != funnel.entity:
            found = entity_link(self.project, anchor.rows.source, entity)
            if isinstance(found, str):
                raise fail(
                    "C062",
                    f"funnel {self.name!r}, step {i + 1}: {found}",
                    self.step_span(i, "entity"),
                    f"declare a many-to-one join from {anchor.rows.source!r} towards a source "
                    f"with entity {entity!r}, or count the funnel's entity {funnel.entity!r}",
                )
            link = found
        after = stage.after or funnel.after or ("previous" if strict else "anchor")
        window_from = stage.window_from or funnel.window_from
        within = stage.within or funnel.within
        if stage.any_time:
            given = [k for k in ("within", "after", "window_from") if getattr(stage, k)]
            if given:
                raise fail(
                    "C063",
                    f"funnel {self.name!r}, step {i + 1} is `any_time`: it has no "
                    f"{' or '.join(given)}",
                    self.step_span(i, given[0]),
                    "an any-time stage counts any event of the entity, before or after the "
                    "anchor; drop `any_time` to give it an order or a window",
                )
        elif not strict:
            for key, value in (("after", after), ("window_from", window_from)):
                if value == "previous":
                    explicit = (
                        key in stage.model_fields_set
                        or key in funnel.model_fields_set
                    )
                    where = (
                        self.step_span(i, key)
                        if key in stage.model_fields_set
                        else self.span(key)
                        if explicit
                        else self.span("mode")
                    )
                    raise fail(
                        "C064",
                        f"funnel {self.name!r} is `independent`: step {i + 1} cannot be "
                        f"measured from the previous stage ({key}: previous)",
                        where,
                        "independent stages are each measured over the whole cohort from the "
                        "anchor; use `mode: strict` to chain stages",
                    )
        metric = self.project.metrics[stage.metric]
        return Stage(
            i + 1,
            stage.label or metric.title,
            events,
            link,
            stage.any_time,
            after,
            window_from,
            None if stage.any_time or within is None else models.duration(within),
        )

    def check_segments(self, anchor: Events, segments: tuple[str, ...]) -> None:
        for segment in segments:
            if self.project.dimension_source(anchor.rows.source, segment) is None:
                listed = self.funnel.segments
                span = (
                    self.span("segments", listed.index(segment))
                    if segment in listed
                    else self.span("anchor" if self.funnel.anchor else "steps")
                )
                raise fail(
                    "C065",
                    f"funnel {self.name!r}: segment {segment!r} is not a dimension of the "
                    f"anchor's source {anchor.rows.source!r} or the sources it joins",
                    span,
                    "segment a funnel by a dimension of its anchor (the cohort's attributes)",
                )
        taken = {"period", *OUTPUT}
        for i, segment in enumerate(segments):
            if segment in taken or segment in segments[:i]:
                raise fail(
                    "C065",
                    f"funnel {self.name!r}: segment {segment!r} collides with an output column",
                    self.span(),
                    f"the output columns are period, {', '.join(OUTPUT)}",
                )
