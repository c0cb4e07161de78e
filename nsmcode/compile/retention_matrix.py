"""A retention metric as a cohort matrix: one row per cohort period, one column per period since.

    compile_retention_matrix(project, name, target, options) -> str

Columns: `period` (the cohort period: the period of each entity's first cohort event),
`entities` (the cohort's size), then `p0` .. `p<N>`: the share of the cohort with an activity
event in the period `k` periods after its cohort period. The same semantics as the `retention`
calculation at `offset: k` (docs/spec.md): a cell is NULL while its period is after the last
period with any activity (not yet observed), never 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from nsmcode import models
from nsmcode.compile.calendars import fiscal_problem, standard, unit_name
from nsmcode.compile.checks import safe_division
from nsmcode.compile.errors import CompileError, fail
from nsmcode.compile.expressions import (
    PeriodStart,
    ShiftDate,
    alias,
    col,
    conjunction,
    cte,
    date_literal,
    number,
    table,
    unit,
)
from nsmcode.compile.plan import Rows, next_period, period_start
from nsmcode.compile.rows import join_path
from nsmcode.project import Project

MAX_PERIODS = 104


@dataclass(frozen=True)
class MatrixOptions:
    grain: models.Grain | None = None
    """Default: the metric's grain, else week."""
    periods: int = 12
    """The last column: `p<periods>`."""
    since: dt.date | None = None
    until: dt.date | None = None


def compile_retention_matrix(
    project: Project, name: str, target: str, options: MatrixOptions = MatrixOptions()
) -> str:
    from nsmcode.compile import _Compiler, _target
    from nsmcode.compile.funnel_sql import render_funnel

    metric = project.metrics.get(name)
    calc = metric.calculation if metric else None
    if metric is None or not isinstance(calc, models.Retention):
        raise fail(
            "C066",
            f"{name!r} is not a retention metric: only a `retention` calculation has cohorts",
            project.span("metric", name) if metric else None,
            "query a metric whose calculation is `type: retention`",
        )
    if not 0 <= options.periods <= MAX_PERIODS:
        raise fail("C066", f"--cohorts takes 0 to {MAX_PERIODS} periods", None)
    planner = _Compiler.of(project).planner
    grain = options.grain or metric.grain or models.Grain.WEEK
    parts = []
    for field, ref in (("cohort", calc.cohort), ("activity", calc.activity)):
        used = planner.metric(ref)
        if used.source is None or used.calculation.type not in models.AGGREGATIONS:
            raise fail(
                "C032",
                f"metric {name!r}: {field} {ref!r} must aggregate rows of a source",
                project.span("metric", name, "calculation", field),
            )
        rows = planner.rows(used)
        column = project.entity_column(rows.source, calc.entity)
        if column is None:
            raise fail(
                "C032",
                f"metric {name!r}: source {rows.source!r} declares no entity {calc.entity!r}",
                project.span("metric", name, "calculation", "entity"),
            )
        parts.append((rows, column))
    calendar = project.config.calendar
    problem = fiscal_problem(grain, calendar, project.span("metric", name, "grain"), repr(name))
    if problem is not None:
        raise CompileError([problem])
    lo = hi = None
    if options.since is not None:
        start = period_start(options.since, grain, calendar)
        lo = start if start == options.since else next_period(start, grain, calendar)
    if options.until is not None:
        hi = period_start(options.until, grain, calendar)
    tree = _build(project, grain, parts[0], parts[1], options.periods, lo, hi)
    return render_funnel(tree, _target(target, None))


def _scan(project: Project, rows: Rows, column: str, grain: models.Grain) -> exp.Select:
    from nsmcode.compile import _Compiler

    sources = _Compiler.of(project).sources
    source = project.sources[rows.source]
    assert source.time_column is not None
    entity = col(column, source.name)
    time = col(source.time_column, source.name)
    select = exp.Select(distinct=exp.Distinct())
    select.select(alias(entity, "nsm_entity"), copy=False)
    period = PeriodStart(this=time, unit=unit(unit_name(grain, project.config.calendar)))
    select.select(alias(period, "period"), copy=False)
    select.from_(sources.relation(source.name), copy=False)
    needed = {s for c in rows.conditions for s in c.checked.sources} - {source.name}
    for join in join_path(project, sources, source.name, needed):
        select.join(join, copy=False)
    where = [c.checked.expression.copy() for c in rows.conditions]
    where.append(exp.Not(this=exp.Is(this=entity.copy(), expression=exp.Null())))
    where.append(exp.Not(this=exp.Is(this=time.copy(), expression=exp.Null())))
    select.where(conjunction(where), copy=False)
    return select


def _build(
    project: Project,
    grain: models.Grain,
    cohort: tuple[Rows, str],
    activity: tuple[Rows, str],
    periods: int,
    lo: dt.date | None,
    hi: dt.date | None,
) -> exp.Select:
    ctes = [
        cte("nsm_r_cohort_rows", _scan(project, *cohort, grain)),
        cte("nsm_r_active", _scan(project, *activity, grain)),
    ]
    first = exp.Select()
    first.select(col("nsm_entity"), alias(exp.Min(this=col("period")), "period"), copy=False)
    first.from_(table("nsm_r_cohort_rows"), copy=False)
    first.group_by(col("nsm_entity"), copy=False)
    ctes.append(cte("nsm_r_first", first))

    members = exp.Select()
    members.select(col("nsm_entity"), col("period"), copy=False)
    members.from_(table("nsm_r_first"), copy=False)
    bounds: list[exp.Expr] = []
    if lo is not None:
        bounds.append(exp.GTE(this=col("period"), expression=date_literal(lo)))
    if hi is not None:
        bounds.append(exp.LTE(this=col("period"), expression=date_literal(hi)))
    if bounds:
        members.where(conjunction(bounds), copy=False)
    ctes.append(cte("nsm_r_cohort", members))

    last = exp.Select()
    last.select(alias(exp.Max(this=col("period")), "last_period"), copy=False)
    last.from_(table("nsm_r_active"), copy=False)
    ctes.append(cte("nsm_r_last", last))

    counts = exp.Select()
    counts.select(col("period", "c"), copy=False)
    counts.select(
        alias(exp.Count(this=exp.Distinct(expressions=[col("nsm_entity", "c")])), "entities"),
        copy=False,
    )
    for k in range(periods + 1):
        step = unit(standard(grain))
        later = ShiftDate(this=col("period", "c"), expression=number(k), unit=step)
        hit = exp.Case(
            ifs=[
                exp.If(
                    this=exp.EQ(this=col("period", "a"), expression=later),
                    true=col("nsm_entity", "c"),
                )
            ]
        )
        counts.select(alias(exp.Count(this=exp.Distinct(expressions=[hit])), f"a{k}"), copy=False)
    counts.from_(table("nsm_r_cohort", "c"), copy=False)
    on = exp.EQ(this=col("nsm_entity", "a"), expression=col("nsm_entity", "c"))
    counts.join(exp.Join(this=table("nsm_r_active", "a"), side="LEFT", on=on), copy=False)
    counts.group_by(col("period", "c"), copy=False)
    ctes.append(cte("nsm_r_counts", counts))

    final = exp.Select()
    final.select(col("period", "n"), col("entities", "n"), copy=False)
    for k in range(periods + 1):
        step = unit(standard(grain))
        later = ShiftDate(this=col("period", "n"), expression=number(k), unit=step)
        unseen = exp.GT(this=later, expression=col("last_period", "l"))
        share = safe_division(col(f"a{k}", "n"), col("entities", "n"))
        value = exp.Case(ifs=[exp.If(this=unseen, true=exp.Null())], default=share)
        final.select(alias(value, f"p{k}"), copy=False)
    final.from_(table("nsm_r_counts", "n"), copy=False)
    final.join(exp.Join(this=table("nsm_r_last", "l"), kind="CROSS"), copy=False)
    final.order_by(exp.Ordered(this=col("period", "n"), nulls_first=False), copy=False)
    final.set("with_", exp.With(expressions=ctes))
    return final
