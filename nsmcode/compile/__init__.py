"""Compile metrics to SQL that means the same thing on every warehouse.

    compile_metric(project, name, target, options) -> str
    compile_metrics(project, names, target, options) -> str
    compile_file(project, name, target) -> str   (what `nsmcode compile` writes: breakdowns)
    QueryOptions(grain=TOTAL | Grain | None, segments, since, until, breakdown)
    build_expression(project, name or names, options) -> dialect-free sqlglot tree (shared)
    render(tree, target) -> str
    TARGETS: dict[str, Target]; CompileError (C0xx diagnostics, see errors.CODES)

A metric becomes a dialect-free plan, then one sqlglot tree, built once per query and cached per
project; each target renders that tree. Modules, in data-flow order:

    checks.py      user SQL (qualifiers, filters, derived expressions) against an allow-list
    types.py       conditions and aggregations against the columns' declared types
    diagnose.py    every refusal, per metric and per target: the pass validate and compile share
    plan.py        the plan: rows, leaves (measure, window, conversion, retention), values
    planner.py     metric definitions -> plan, with located errors
    entities.py    where a source's rows find an entity's key (through many-to-one joins)
    entity_filters.py  metric filters: rows kept by another metric's value per entity and period
    build.py       plan -> sqlglot tree (leaves.py: the leaves beyond a GROUP BY)
    expressions.py nodes each target renders its own way (period start, date shifts, calendar)
    target.py      the Target base: rendering, calendars; targets.py: the twelve targets
    rows.py        a metric's filtered rows, for analyses

This module imports sqlglot only when a function runs, so importing it stays cheap.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from nsmcode import models
from nsmcode.compile.errors import CompileError
from nsmcode.diagnostics import Diagnostic, Span

if TYPE_CHECKING:
    from sqlglot import exp

    from nsmcode.compile.build import SourceQueries
    from nsmcode.compile.diagnose import Diagnosis
    from nsmcode.compile.plan import Plan
    from nsmcode.compile.planner import Planner
    from nsmcode.compile.targets import TARGETS as TARGETS
    from nsmcode.compile.targets import Target as Target
    from nsmcode.project import Project

__all__ = [
    "TARGETS",
    "TOTAL",
    "CompileError",
    "QueryOptions",
    "Target",
    "build_expression",
    "compile_file",
    "compile_metric",
    "compile_metrics",
    "render",
]


TOTAL: Literal["total"] = "total"
"""`QueryOptions(grain=TOTAL)`: one row over the whole range instead of one per period."""


@dataclass(frozen=True)
class QueryOptions:
    grain: models.Grain | Literal["total"] | str | None = None
    """Override the metric's grain: a Grain, TOTAL for one row over the whole range, or the
    name of one of the project's custom granularities (`calendar: granularities:`).
    None: the metric's own grain; a metric without `grain:` is a total."""
    segments: tuple[str, ...] = ()
    """Dimensions to group by, reachable from every source the metric reads."""
    since: dt.date | None = None
    """Inclusive lower bound on the period start."""
    until: dt.date | None = None
    """Inclusive upper bound on the period start."""
    where: str | None = None
    """A condition on declared dimensions, applied to every row the query reads (see where.py)."""
    where_span: Span | None = None
    """Where `where` was written (a saved query's field; default: `--where`)."""
    breakdown: bool = False
    """Instead of one series per combination of `segments`: one series over all rows, then one
    per segment, told apart by a `breakdown` column ('' or the segment's name; the other
    segments' columns are NULL in its rows). What `nsmcode compile` writes for `segments:`."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))
        if isinstance(self.grain, str) and not isinstance(self.grain, models.Grain):
            known = {g.value: g for g in models.Grain}  # else TOTAL or a custom granularity
            object.__setattr__(self, "grain", known.get(self.grain, self.grain))


def compile_metric(
    project: Project, name: str, target: str, options: QueryOptions = QueryOptions()
) -> str:
    """Pretty SQL for one metric in one dialect. Columns: `period` (DATE, the period start; weeks
    start on Monday), one per segment (named as the dimension), then `value`; ordered by period
    then segments. Every period from `since` (or the first with data) to `until` (or the last
    with data) appears: empty periods give 0 for counts and sums, NULL for ratios and averages
    (or the metric's `fill_nulls_with`). A total (grain TOTAL, or a metric without `grain:`) has
    one period per segment combination: the range from `since` (or the first day with data) to
    `until` (or the last), and `period` is the range's first day."""
    return _compile((name,), False, target, options, project)


def compile_metrics(
    project: Project, names: list[str], target: str, options: QueryOptions = QueryOptions()
) -> str:
    """One query for several metrics: each source is scanned once; columns `period`,
    segments..., then one column per metric, in the order given."""
    return _compile(tuple(names), True, target, options, project)


def compile_file(project: Project, name: str, target: str) -> str:
    """The SQL `nsmcode compile` writes for a metric: `compile_metric` at the metric's own grain;
    for a metric declaring `segments:`, with `breakdown=True` over them. Columns: `period`,
    `breakdown`, one per declared segment, `value` (docs/running.md, "Compiled files")."""
    segments = _Compiler.of(project).planner.metric(name).segments
    options = QueryOptions(segments=segments, breakdown=True) if segments else QueryOptions()
    return compile_metric(project, name, target, options)


def build_expression(
    project: Project, name: str | list[str], options: QueryOptions = QueryOptions()
) -> exp.Select:
    """The dialect-free tree of one metric (a list: the `compile_metrics` query); cached and
    shared, so `.copy()` it before changing it."""
    if isinstance(name, str):
        return _Compiler.of(project).tree((name,), False, options)[1]
    return _Compiler.of(project).tree(tuple(name), True, options)[1]


def render(expression: exp.Select, target: str | Target) -> str:
    """Render a tree from `build_expression` for a target (a name from TARGETS, or a Target)."""
    chosen = _target(target, None) if isinstance(target, str) else target
    return chosen.render(expression)


def __getattr__(name: str) -> Any:
    if name in ("TARGETS", "Target"):
        from nsmcode.compile import targets

        return getattr(targets, name)
    raise AttributeError(name)


def _target(name: str, span: Any) -> Target:
    from nsmcode.compile.targets import TARGETS

    target = TARGETS.get(name)
    if target is None:
        known = ", ".join(TARGETS)
        raise CompileError(
            [Diagnostic("C002", f"unknown target {name!r}", span, f"known: {known}")]
        )
    return target


def _compile(
    names: tuple[str, ...], named: bool, target: str, options: QueryOptions, project: Project
) -> str:
    from nsmcode.compile.targets import NotExpressible

    compiler = _Compiler.of(project)
    chosen = _target(target, None)
    # the refusals `validate` reports (compile/diagnose.py): the same pass, so they cannot drift
    problems = compiler.diagnosis.problems(names, chosen)
    if problems:
        raise CompileError(problems)
    _, tree = compiler.tree(names, named, options)
    try:
        return chosen.render(tree)
    except NotExpressible as error:
        span = project.span("metric", names[0])
        message = f"{', '.join(names)} cannot be compiled for {chosen.name}: {error}"
        raise CompileError([Diagnostic("C040", message, span)]) from error


class _Compiler:
    """Per-project caches: checked conditions, parsed sources, plans and trees.

    Trees are kept for the most recent queries only (a tree is ~100 kB; callers compile one metric
    for every dialect before the next, so a small cache builds each tree once)."""

    TREES: ClassVar[int] = 256

    _instances: ClassVar[dict[int, tuple[weakref.ref[Project], _Compiler]]] = {}

    def __init__(self, project: Project) -> None:
        from nsmcode.compile.build import SourceQueries
        from nsmcode.compile.diagnose import Diagnosis
        from nsmcode.compile.planner import Planner

        self.project = project
        self.planner: Planner = Planner(project)
        self.sources: SourceQueries = SourceQueries(project)
        self.trees: OrderedDict[tuple[Any, ...], tuple[Plan, exp.Select]] = OrderedDict()
        self.diagnosis: Diagnosis = Diagnosis(self)

    @classmethod
    def of(cls, project: Project) -> _Compiler:
        key = id(project)
        found = cls._instances.get(key)
        if found is not None and found[0]() is project:
            return found[1]
        compiler = cls(project)
        cls._instances[key] = (
            weakref.ref(project, lambda _: cls._instances.pop(key, None)),
            compiler,
        )
        return compiler

    def tree(
        self, names: tuple[str, ...], named: bool, options: QueryOptions
    ) -> tuple[Plan, exp.Select]:
        key = (names, named, options)
        if key in self.trees:
            self.trees.move_to_end(key)
        else:
            from nsmcode.compile.build import build

            plan = self.planner.plan(
                list(names),
                options.grain,
                tuple(options.segments),
                options.since,
                options.until,
                named=named,
                breakdown=options.breakdown,
            )
            if options.where is not None:
                from nsmcode.compile import where

                span = options.where_span or where.WHERE_SPAN
                plan = where.apply(self.project, plan, options.where, span, self.planner.dialect)
            self.trees[key] = (plan, build(self.project, self.sources, plan))
            if len(self.trees) > self.TREES:
                self.trees.popitem(last=False)
        return self.trees[key]
