"""Compute OKR and KPI status on a connection: one batched run of every goal's metric, then the
maths of `nsmcode.run.status` per goal."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError
from nsmcode.project import Project
from nsmcode.run import execute, status
from nsmcode.run.connections import Engine, EngineError, as_date
from nsmcode.run.execute import Progress
from nsmcode.run.report import Group

T = TypeVar("T")


def latest_date(
    project: Project, engine: Engine, metrics: Sequence[str], progress: Progress | None = None
) -> dt.date | None:
    """The latest event date in the sources the metrics read (the default as-of date)."""
    found: list[dt.date] = []
    sources = sorted({s for m in metrics for s in project.base_sources(m)})
    for name in progress(sources) if progress else sources:
        source = project.sources[name]
        if not source.time_column:
            continue
        query = _latest_sql(
            source.table, source.select, source.time_column, project.config.dialect, engine.dialect
        )
        try:
            result = engine.execute(query)
        except EngineError as exc:
            metric = next(m for m in metrics if name in project.base_sources(m))
            raise InputError([execute.explain(project, engine, [metric], exc)]) from None
        value = as_date(result.rows[0][0]) if result.rows else None
        if value is not None:
            found.append(value)
    return max(found) if found else None


@lru_cache(maxsize=256)
def _latest_sql(
    table: str | None, select: str | None, column: str, read: str, dialect: str
) -> str:
    """`SELECT MAX(time column)` of a source, built once per source and dialect."""
    import sqlglot
    from sqlglot import exp

    if table:
        relation: exp.Expression = exp.to_table(table)
    else:
        inner = sqlglot.parse_one(select or "", read=read)
        relation = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("s")))
    return exp.select(exp.Max(this=exp.column(column))).from_(relation).sql(dialect=dialect)


def evaluate(
    project: Project,
    engine: Engine,
    goals: Sequence[status.Goal],
    as_of: dt.date | None,
    progress: Progress | None = None,
) -> tuple[dt.date, list[status.GoalStatus]]:
    """Status of each goal as of `as_of` (default: the latest date in the data)."""
    from nsmcode.compile import QueryOptions
    from nsmcode.compile.funnel_ref import step_ref

    metrics = list(dict.fromkeys(g.metric for g in goals if g.metric in project.metrics))
    stages = {g.metric: ref for g in goals if (ref := step_ref(project, g.metric)) is not None}
    if as_of is None:
        funnels = [project.funnels[r.funnel] for r in stages.values()]
        used = [m for f in funnels for m in (f.anchor_metric, *f.step_metrics)]
        as_of = latest_date(project, engine, list(dict.fromkeys(metrics + used)), progress)
        if as_of is None:
            raise InputError(
                [
                    Diagnostic(
                        "R010",
                        "the data is empty: no date to report status as of",
                        None,
                        "load data, or give --as-of DATE",
                    )
                ]
            )
    # Metrics of different grains merge into one table; each metric's series is its own column.
    table = execute.run(project, engine, metrics, QueryOptions(until=as_of), progress=progress)
    out = []
    for goal in goals:
        if goal.metric in stages:  # a funnel stage: its series per cohort period
            from nsmcode.run.funnels import step_series

            series, grain, days = step_series(project, engine, stages[goal.metric], as_of)
            out.append(status.evaluate(goal, series, grain, as_of, status.Settle(days=days)))
            continue
        if goal.metric not in project.metrics:  # reported by the rule pack
            out.append(status.evaluate(goal, [], models.Grain.WEEK, as_of))
            continue
        grain = execute.grain_of(project, goal.metric, None)
        series = table.series(goal.metric)
        if grain is not models.Grain.HOUR:  # beside an hourly metric, periods are timestamps
            series = [(as_date(period), value) for period, value in series]
        result = status.evaluate(goal, series, grain, as_of, settle(project, goal.metric))
        values = [float(v) for _, v in series if v is not None]
        share = status.is_share(project.metrics[goal.metric], values)
        out.append(dataclasses.replace(result, share=share))
    return as_of, out


def settle(project: Project, name: str) -> status.Settle:
    """How long a metric's periods take to become final: its conversion windows and retention
    offsets, and those of every metric it is built from."""
    result = status.Settle()
    for current in [name, *project.upstream(name)]:
        calc = project.metrics[current].calculation
        if isinstance(calc, models.Conversion | models.TimeToConvert) and calc.within:
            # a time to convert without a cap can change forever: see docs/spec.md
            result |= status.Settle(days=models.duration_days(calc.within))
        elif isinstance(calc, models.Retention):
            result |= status.Settle(periods=calc.offset)
    return result


def okr_groups(
    project: Project, names: Sequence[str], items: Sequence[status.GoalStatus]
) -> list[Group]:
    groups = []
    for okr in _select(project, "okr", project.okrs, names):
        groups.append(
            Group(
                okr.name,
                okr.objective,
                {"period": okr.period, "owner": okr.owner},
                [i for i in items if i.goal.kind == "okr" and i.goal.group == okr.name],
            )
        )
    return groups


def team_groups(
    project: Project, names: Sequence[str], items: Sequence[status.GoalStatus]
) -> list[Group]:
    return [
        Group(
            team.name,
            team.description or team.name,
            {"owner": team.owner, "company": team.company},
            [i for i in items if i.goal.kind == "kpi" and i.goal.group == team.name],
        )
        for team in _select(project, "team", project.teams, names)
    ]


def _select(project: Project, kind: str, table: dict[str, T], names: Sequence[str]) -> list[T]:
    """The named OKRs or teams, or all of them in definition order."""
    unknown = [n for n in names if n not in table]
    if unknown:
        known = ", ".join(sorted(table)) or "none"
        raise InputError(
            [Diagnostic("R008", f"unknown {kind} {n!r}", None, f"known: {known}") for n in unknown]
        )
    return [table[n] for n in names] if names else list(table.values())
