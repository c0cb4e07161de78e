"""Metric filters: keep a metric's rows by the value another metric takes per entity, in the row's
own period or over all time ("the calls of accounts with at least 3 integration points that
week").

    condition(planner, key, spec, source, where, what) -> Condition   (planning, located errors)
    check_total(grain, refs)                                            (C052)
    value_ctes(builder) -> CTEs;  value_joins(builder, source, period) -> LEFT JOINs  (building)

In one query, no second round trip: a CTE `nsm_per_<entity>_<metric>` computes the metric per
(period, entity) (`nsm_ever_...`: per entity, all time) from its own scan of the metric's source
(its qualifiers and filter; never the query's segments or `--where`), and the scan of the
filtered rows LEFT JOINs it on (the row's period, the row's entity key). The condition is an
ordinary row condition over the joined value, so it flows through the scans' WHERE and flags
like a qualifier. A missing value is the measure's empty-period value: 0 for count,
count_distinct and sum, NULL (never kept) for average, min and max; a row whose entity key is
NULL is never kept.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Protocol

from sqlglot import exp

from nsmcode import models
from nsmcode.compile import plan as p
from nsmcode.compile.checks import Checked
from nsmcode.compile.entities import EntityKey, entity_key
from nsmcode.compile.errors import fail
from nsmcode.compile.expressions import (
    DayOf,
    PeriodStart,
    alias,
    col,
    conjunction,
    cte,
    date_literal,
    fit,
    number,
    table,
)
from nsmcode.compile.leaves import aggregate, value_column
from nsmcode.compile.rows import join_path
from nsmcode.diagnostics import Span

if TYPE_CHECKING:
    from nsmcode.compile.build import SourceQueries
    from nsmcode.compile.calendars import Custom
    from nsmcode.compile.planner import Planner
    from nsmcode.project import Project

PER_ENTITY = ("count", "count_distinct", "sum", "average", "min", "max")
"""The calculations a metric filter can compute per entity."""
VALUE = "nsm_value"
ENTITY = "nsm_entity"
_COMPARE: dict[str, type[exp.Binary]] = {
    ">=": exp.GTE,
    ">": exp.GT,
    "<=": exp.LTE,
    "<": exp.LT,
    "=": exp.EQ,
}


# -- planning ---------------------------------------------------------------------------------


def condition(
    planner: Planner,
    key: str,
    spec: models.MetricFilter,
    source: str,
    where: tuple[str, str],
    what: str,
) -> p.Condition:
    """The row condition of metric filter `spec` on rows of `source`; `where` is the (kind, name)
    of the definition holding it (a metric or a qualifier), for located errors."""
    project = planner.project

    def span(*path: str) -> Span | None:
        return project.span(where[0], where[1], "metric_filter", *path)

    metric = project.metrics.get(spec.metric)
    if metric is None:
        close = difflib.get_close_matches(spec.metric, list(project.metrics), n=1)
        raise fail(
            "C001",
            f"{what}: unknown metric {spec.metric!r}",
            span("metric"),
            f"did you mean {close[0]!r}?" if close else "name a metric of the definitions",
        )
    calc = metric.calculation.type
    if metric.source is None or calc not in PER_ENTITY:
        raise fail(
            "C050",
            f"{what}: metric {spec.metric!r} is a {calc}; a metric filter computes a count, "
            "count_distinct, sum, average, min or max of a source's rows per entity",
            span("metric"),
            "filter by a metric that aggregates rows of a source",
        )
    nested = _nested(project, metric)
    if nested is not None:
        back = metric.name == where[1] if where[0] == "metric" else where[1] in metric.qualifiers
        shape = (
            "a cycle: the rows would depend on themselves"
            if back
            else "metric filters do not nest"
        )
        raise fail(
            "C051",
            f"{what}: metric {spec.metric!r} is itself filtered by a metric ({nested}): {shape}",
            span("metric"),
            f"filter by a metric whose rows are kept by SQL conditions only, or drop {nested}",
        )
    measure = planner._aggregation(metric, p.TOTAL)
    own = entity_key(project, source, spec.per, span("per"), what)
    theirs = entity_key(project, measure.rows.source, spec.per, span("per"), what)
    all_time = spec.over == "all_time"
    name = _name(spec.per, spec.metric, all_time)
    value: exp.Expr = col(VALUE, name)
    if measure.fill is not None:
        value = exp.Coalesce(this=value, expressions=[number(measure.fill)])
    parts: list[exp.Expr] = [exp.Not(this=exp.Is(this=_key(own), expression=exp.Null()))]
    for op, bound in spec.bounds:
        parts.append(_COMPARE[op](this=value.copy(), expression=_number(bound)))
    expression = conjunction(parts)
    assert expression is not None
    checked = Checked(expression, frozenset({source, own.owner}), frozenset())
    found = p.EntityFilter(spec.metric, measure, theirs, own, spec.bounds, all_time)
    return p.Condition(key, checked, span(), found)


def check_metric(project: Project, metric: models.Metric) -> None:
    """C054: a metric filter keeps rows, so only a metric aggregating rows can have one."""
    if metric.metric_filter is not None and metric.calculation.type not in models.AGGREGATIONS:
        raise fail(
            "C054",
            f"metric {metric.name!r} is a {metric.calculation.type} of other metrics: it has no "
            "rows of its own for a metric filter to keep",
            project.span("metric", metric.name, "metric_filter"),
            "put the `metric_filter` on the metrics it builds on",
        )


def referenced(project: Project, metric: models.Metric) -> list[str]:
    """The metrics `metric`'s metric filters read (its own and its qualifiers'), leaving out
    those refused as nested (C051), so that following them never loops."""
    specs = [metric.metric_filter] + [
        q.metric_filter for n in metric.qualifiers if (q := project.qualifiers.get(n)) is not None
    ]
    names = [s.metric for s in specs if s is not None]
    found = [project.metrics[n] for n in dict.fromkeys(names) if n in project.metrics]
    return [m.name for m in found if _nested(project, m) is None]


def _nested(project: Project, metric: models.Metric) -> str | None:
    """How `metric`'s rows are themselves filtered by a metric, if they are."""
    if metric.metric_filter is not None:
        return "its `metric_filter`"
    for name in metric.qualifiers:
        qualifier = project.qualifiers.get(name)
        if qualifier is not None and qualifier.metric_filter is not None:
            return f"qualifier {name!r}"
    return None


def check_total(grain: p.QueryGrain, refs: list[p.Ref]) -> None:
    """C052: in a total, rows a window or conversion reads outside the range have no period to
    evaluate a metric filter in."""
    if grain != p.TOTAL:
        return
    for ref in refs:
        if isinstance(ref.leaf, p.Measure):
            continue
        for rows in p.rows_of(ref.leaf):
            for cond in rows.conditions:
                if cond.by_metric is not None and not cond.by_metric.all_time:
                    raise fail(
                        "C052",
                        f"a metric filter ({cond.key}) keeps rows that a {_kind(ref.leaf)} "
                        "reads, in a query without periods (a total): rows outside the range "
                        "have no period to evaluate it in",
                        cond.span,
                        "query the metric by a grain (`grain:` or --by), or filter the metric "
                        "it builds on with a SQL condition",
                    )


def _kind(leaf: p.Leaf) -> str:
    if isinstance(leaf, p.Window):
        return "cumulative window"
    return "conversion" if isinstance(leaf, p.Converted) else "retention"


def plain(rows: p.Rows, span: Span | None, what: str) -> p.Rows:
    """`rows` for readers that apply conditions themselves (funnels, cohort matrices,
    analyses): C053 when a metric filter keeps them."""
    for cond in rows.conditions:
        if cond.by_metric is not None:
            raise fail(
                "C053",
                f"{what} keeps its rows by a metric filter ({cond.key}), which funnels, cohort "
                "matrices and the retention analysis cannot apply",
                span or cond.span,
                "use a metric whose rows are kept by SQL conditions only",
            )
    return rows


def _key(key: EntityKey) -> exp.Column:
    return col(key.column, key.owner)


def _number(value: float) -> exp.Expr:
    text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(abs(value))
    if value < 0:
        return exp.Neg(this=number(text.lstrip("-")))
    return number(text)


# -- building ---------------------------------------------------------------------------------


class Builder(Protocol):
    project: Project
    sources: SourceQueries
    plan: p.Plan
    total: bool
    grain: exp.Var
    rows: dict[str, list[p.Rows]]
    pushdown: set[str]
    custom: Custom | None

    def calendar_join(self, time: exp.Expr) -> exp.Join: ...

    def custom_period(self) -> exp.Expr: ...


def cte_name(found: p.EntityFilter) -> str:
    return _name(found.key.entity, found.metric, found.all_time)


def _name(entity: str, metric: str, all_time: bool) -> str:
    return fit(f"nsm_{'ever' if all_time else 'per'}_{entity}_{metric}")


def _filters(builder: Builder) -> dict[str, tuple[p.EntityFilter, set[str]]]:
    """Each per-entity value CTE the query needs, with the sources whose rows join it."""
    out: dict[str, tuple[p.EntityFilter, set[str]]] = {}
    for source, listed in builder.rows.items():
        for rows in listed:
            for cond in rows.conditions:
                if cond.by_metric is not None:
                    name = cte_name(cond.by_metric)
                    out.setdefault(name, (cond.by_metric, set()))[1].add(source)
    return out


def value_ctes(builder: Builder) -> list[exp.CTE]:
    """One CTE per (entity, metric, all time or not) filtered by: columns period (not for all
    time), nsm_entity, nsm_value."""
    return [
        cte(name, _values(builder, found, pushed=users <= builder.pushdown))
        for name, (found, users) in _filters(builder).items()
    ]


def value_joins(builder: Builder, source: str, period: exp.Expr) -> list[exp.Join]:
    """LEFT JOINs of a scan of `source` to the per-entity values its conditions read, on the
    row's period (`period`, the scan's own expression) and entity key."""
    joins: dict[str, exp.Join] = {}
    for rows in builder.rows.get(source, []):
        for cond in rows.conditions:
            found = cond.by_metric
            if found is None or (name := cte_name(found)) in joins:
                continue
            keys: list[exp.Expr] = [exp.EQ(this=col(ENTITY, name), expression=_key(found.key))]
            if not found.all_time:
                keys.insert(0, exp.EQ(this=col("period", name), expression=period.copy()))
            on = conjunction(keys)
            joins[name] = exp.Join(this=table(name), side="LEFT", on=on)
    return list(joins.values())


def _values(builder: Builder, found: p.EntityFilter, *, pushed: bool) -> exp.Select:
    """The measure per (period, entity), or per entity for all time; `pushed`: only the
    periods the query reports are needed (every scan joining it is bounded the same way)."""
    from nsmcode.compile.build import TOTAL_PERIOD  # build imports this module

    measure, key = found.measure, found.measure_key
    source = builder.project.sources[measure.rows.source]
    assert source.time_column is not None
    time = col(source.time_column, source.name)
    day = DayOf(this=time.copy())
    inner = exp.Select()
    plan = builder.plan
    if builder.total:
        period: exp.Expr = date_literal(TOTAL_PERIOD)
    elif builder.custom:  # the row's period in the calendar table, as the filtered scan's
        period = builder.custom_period()
    else:
        period = PeriodStart(this=time.copy(), unit=builder.grain.copy())
    if not found.all_time:
        inner.select(alias(period, "period"), copy=False)
    inner.select(alias(_key(key), ENTITY), copy=False)
    inner.select(
        *(alias(col(c, source.name), value_column(c)) for c in measure.columns), copy=False
    )
    inner.from_(builder.sources.relation(source.name), copy=False)
    needed = {s for c in measure.rows.conditions for s in c.checked.sources} | {key.owner}
    for join in join_path(builder.project, builder.sources, source.name, needed - {source.name}):
        inner.join(join, copy=False)
    if builder.custom and not found.all_time:
        inner.join(builder.calendar_join(time), copy=False)
    where = [c.checked.expression.copy() for c in measure.rows.conditions]
    where.append(exp.Not(this=exp.Is(this=_key(key), expression=exp.Null())))
    several = measure.aggregation == "count_distinct" and len(measure.columns) > 1
    if several:  # distinct combinations, counted below (as leaves.combinations does)
        inner.set("distinct", exp.Distinct())
        where += [
            exp.Not(this=exp.Is(this=col(c, source.name), expression=exp.Null()))
            for c in measure.columns
            if (source.name, c) != (key.owner, key.column)  # the key's is there already
        ]
    if not found.all_time and (builder.total or pushed):
        if plan.lo is not None:
            where.append(exp.GTE(this=day.copy(), expression=date_literal(plan.lo)))
        if plan.hi is not None:
            end = plan.hi if builder.total else p.next_period(plan.hi, plan.grain)
            compare = exp.LTE if builder.total else exp.LT
            where.append(compare(this=day.copy(), expression=date_literal(end)))
    condition = conjunction(where)
    assert condition is not None
    inner.where(condition, copy=False)
    value = exp.Count(this=exp.Star()) if several else aggregate(measure, [])
    keys = [col(ENTITY)] if found.all_time else [col("period"), col(ENTITY)]
    select = exp.Select()
    select.select(*keys, alias(value, VALUE), copy=False)
    subquery = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("r")))
    select.from_(subquery, copy=False)
    select.group_by(*(k.copy() for k in keys), copy=False)
    return select
