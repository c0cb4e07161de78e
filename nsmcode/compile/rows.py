"""The rows one metric aggregates, as a dialect-free SELECT, for analyses that need values per
entity rather than per period (`nsmcode analyze` scores accounts by their north-star activity).

    metric_rows(project, name, columns) -> SELECT nsm_ts, c_<column>... (dialect-free)
    metrics_expression(project, names, options) -> the compile_metrics tree (dialect-free)
    render_query(tree, target) -> str   (any tree, with or without the calendar placeholder)

The rows are built from the compiler's own parts: the planner's checked qualifiers and filter,
the source relations (`select:` sources parsed once per project) and the same many-to-one join
paths, so they are exactly the rows the metric's compiled SQL aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, UnsupportedError

from nsmcode import models
from nsmcode.compile.errors import CompileError, fail
from nsmcode.compile.expressions import PeriodSeries, alias, col, conjunction
from nsmcode.diagnostics import Diagnostic

if TYPE_CHECKING:
    from nsmcode.compile import QueryOptions
    from nsmcode.compile.build import SourceQueries
    from nsmcode.compile.targets import Target
    from nsmcode.project import Project

TIME = "nsm_ts"
"""The column holding the event time in `metric_rows`."""


def metric_rows(project: Project, name: str, columns: Sequence[str] = ()) -> exp.Select:
    """The rows metric `name` aggregates: its source LEFT JOINed to what its conditions read,
    filtered by its qualifiers and filter. Selects the source's time column as `nsm_ts` and each
    of `columns` (columns of the metric's source) as `c_<column>`. A fresh tree each call."""
    from nsmcode.compile import _Compiler

    compiler = _Compiler.of(project)
    metric = compiler.planner.metric(name)
    if metric.source is None:
        raise fail(
            "C032",
            f"metric {name!r} is a {metric.calculation.type} of other metrics: it has no rows "
            "of its own",
            project.span("metric", name, "calculation"),
            "use a metric that aggregates a source (count, count_distinct, sum, ...)",
        )
    rows = compiler.planner.rows(metric)
    declared = project.columns(rows.source)
    unknown = [c for c in columns if c not in declared]
    if unknown:
        raise CompileError(
            [
                Diagnostic(
                    "C011",
                    f"column {c!r} is not declared in source {rows.source!r} (of metric {name!r})",
                    project.span("source", rows.source, "columns"),
                )
                for c in unknown
            ]
        )
    source = project.sources[rows.source]
    assert source.time_column is not None  # planner.rows refuses sources without one
    select = exp.Select()
    select.select(alias(col(source.time_column, source.name), TIME), copy=False)
    for column in dict.fromkeys(columns):
        select.select(alias(col(column, source.name), f"c_{column}"), copy=False)
    select.from_(compiler.sources.relation(source.name), copy=False)
    needed = {s for c in rows.conditions for s in c.checked.sources} - {source.name}
    for join in join_path(project, compiler.sources, source.name, needed):
        select.join(join, copy=False)
    condition = conjunction([c.checked.expression.copy() for c in rows.conditions])
    if condition is not None:
        select.where(condition, copy=False)
    return select


def metrics_expression(project: Project, names: Sequence[str], options: QueryOptions) -> exp.Select:
    """The dialect-free tree of the `compile_metrics` query (columns `period`, segments, one per
    metric), to build on as CTEs; cached and shared, so `.copy()` it before changing it."""
    from nsmcode.compile import _Compiler

    return _Compiler.of(project).tree(tuple(names), True, options)[1]


def join_path(
    project: Project, sources: SourceQueries, source: str, needed: set[str]
) -> list[exp.Join]:
    """LEFT JOINs along the many-to-one paths from `source` to every needed source (the nearest
    path, breadth first, as the metric queries join them)."""
    parent: dict[str, tuple[str, models.Join]] = {}
    order = [source]
    for current in order:
        for join in project.sources[current].joins:
            if join.source not in parent and join.source != source:
                parent[join.source] = (current, join)
                order.append(join.source)
    wanted: set[str] = set()
    for name in needed:
        while name != source and name not in wanted:
            wanted.add(name)
            name = parent[name][0]
    out: list[exp.Join] = []
    for name in order[1:]:
        if name in wanted:
            owner, join = parent[name]
            on = exp.EQ(this=col(join.column, owner), expression=col(join.key or join.column, name))
            out.append(exp.Join(this=sources.relation(name), side="LEFT", on=on))
    return out


def render_query(tree: exp.Query, target: str | Target) -> str:
    """Render a dialect-free tree for a target; unlike `render`, the tree need not hold the
    calendar placeholder (it is generated when present)."""
    from nsmcode.compile import _target
    from nsmcode.compile.targets import NotExpressible

    chosen = _target(target, None) if isinstance(target, str) else target
    if isinstance(tree, exp.Select) and any(isinstance(c.this, PeriodSeries) for c in tree.ctes):
        return chosen.render(tree)
    query = tree.copy()
    if isinstance(query, exp.Select):
        chosen.finish(query)
    generator = chosen.generator_class()(
        dialect=Dialect.get_or_raise(chosen.dialect),
        pretty=True,
        unsupported_level=ErrorLevel.RAISE,
    )
    try:
        return generator.generate(query, copy=False)
    except UnsupportedError as error:
        raise NotExpressible(str(error)) from error
