"""Funnel pages: the stages, a funnel chart (inline SVG), the cohort table and the SQL per dialect.

Everything is computed here; `funnel.html.j2` only lays it out. With data, the chart shows every
cohort of the data together (the funnel run with `cohort: total` up to the as-of date) and the
table one row per cohort period; a period whose windows have not all closed by the as-of date
is marked open (its counts can still grow), as `okr status` would skip it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nsmcode import models
from nsmcode.project import Project
from nsmcode.site import fmt
from nsmcode.site.views import SqlResult, SqlTab, period_label, sql_tabs

if TYPE_CHECKING:
    from nsmcode.run.connections import Engine

CHART_WIDTH = 640
LABEL_WIDTH = 170
ROW = 46
BAR = 26


def funnel_url(name: str) -> str:
    return f"funnels/{name}.html"


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    width: float
    count: str
    share: str
    """Of the cohort (step 0)."""
    conversion: str | None
    """From the previous stage (None for the cohort)."""


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: tuple[Bar, ...]
    summary: str
    """The chart in words, for its accessible name."""


@dataclass(frozen=True)
class CohortRow:
    period: str
    open: bool
    cells: tuple[tuple[str, str], ...]
    """(entities, step conversion) per stage, step 0 first."""


@dataclass(frozen=True)
class FunnelView:
    name: str
    funnel: models.Funnel
    url: str
    anchor_title: str
    stages: tuple[tuple[int, str, str], ...]
    """(step, label, metric) from step 1."""
    sql: tuple[SqlTab, ...]
    chart: Chart | None
    cohorts: tuple[CohortRow, ...]
    as_of: dt.date | None
    cohort_label: str
    rows: tuple[tuple[Any, ...], ...] = ()
    """The funnel's rows per cohort period (`run_funnel`), for goals on its stages."""


def chart(rows: list[tuple[int, str, int, float | None]]) -> Chart | None:
    """Bars per stage (step, label, entities, step conversion), widths relative to the cohort."""
    if not rows or not rows[0][2]:
        return None
    cohort = rows[0][2]
    span = CHART_WIDTH - LABEL_WIDTH - 90
    bars = []
    for i, (_, label, count, rate) in enumerate(rows):
        bars.append(
            Bar(
                label,
                float(i * ROW + 10),
                round(max(1.0, span * count / cohort), 1),
                f"{count:,}",
                fmt.number(count / cohort, share=True),
                None if i == 0 else fmt.number(rate, share=True),
            )
        )
    words = "; ".join(
        f"{b.label}: {b.count}" + (f" ({b.conversion} of the stage before)" if b.conversion else "")
        for b in bars
    )
    return Chart(CHART_WIDTH, len(bars) * ROW + 10, LABEL_WIDTH, BAR, tuple(bars), words)


def build_view(
    project: Project,
    name: str,
    sql: list[SqlTab],
    total: list[tuple[Any, ...]] | None,
    by_cohort: list[tuple[Any, ...]] | None,
    as_of: dt.date | None,
) -> FunnelView:
    """The page of one funnel; `total` and `by_cohort` are `run_funnel` rows (no segments)."""
    from nsmcode.run.funnels import settle_days

    funnel = project.funnels[name]
    stages = tuple(
        (i + 1, s.label or _title(project, s.metric), s.metric) for i, s in enumerate(funnel.stages)
    )
    anchor_title = _title(project, funnel.anchor_metric)
    drawn = chart([(r[1], r[2], r[3], r[4]) for r in total]) if total else None
    cohorts: list[CohortRow] = []
    grain = models.Grain(funnel.cohort) if funnel.cohort != "total" else None
    settle = settle_days(funnel, len(funnel.steps))
    periods: dict[dt.date, list[tuple[Any, ...]]] = {}
    for row in by_cohort or []:
        periods.setdefault(row[0], []).append(row)
    for period, rows in sorted(periods.items()):
        end = _period_end(period, grain) if grain else period
        still_open = as_of is not None and end + dt.timedelta(days=settle) > as_of
        cells = tuple(
            (f"{r[3]:,}", "" if r[1] == 0 else fmt.number(r[4], share=True)) for r in rows
        )
        label = period_label(period, grain) if grain else f"since {period:%d %b %Y}"
        cohorts.append(CohortRow(label, still_open, cells))
    return FunnelView(
        name,
        funnel,
        funnel_url(name),
        anchor_title,
        stages,
        tuple(sql),
        drawn,
        tuple(cohorts),
        as_of,
        funnel.cohort,
        tuple(by_cohort or ()),
    )


def gather(
    project: Project, dialects: list[str], live: tuple[Engine, dt.date] | None
) -> dict[str, FunnelView]:
    """Every funnel's page; with `live` (the site's open engine, as-of day), computed on that
    engine up to that day."""
    from nsmcode.compile import CompileError
    from nsmcode.compile.funnel import FunnelOptions, compile_funnel

    views: dict[str, FunnelView] = {}
    for name in sorted(project.funnels):
        results = []
        for dialect in dialects:
            try:
                results.append(SqlResult(dialect, compile_funnel(project, name, dialect)))
            except CompileError as exc:
                results.append(SqlResult(dialect, None, tuple(exc.diagnostics)))
        total = by_cohort = None
        as_of = live[1] if live else None
        if live is not None and all(r.sql is not None for r in results):
            from nsmcode.run.funnels import run_funnel

            engine = live[0]
            total = run_funnel(project, engine, name, FunnelOptions("total", until=as_of)).rows
            by_cohort = run_funnel(project, engine, name, FunnelOptions(until=as_of)).rows
        tabs = sql_tabs(project, results, set())
        views[name] = build_view(project, name, tabs, total, by_cohort, as_of)
    return views


def _title(project: Project, metric: str) -> str:
    found = project.metrics.get(metric)
    return found.title if found else metric


def _period_end(start: dt.date, grain: models.Grain) -> dt.date:
    from nsmcode.compile.plan import next_period

    return next_period(start, grain) - dt.timedelta(days=1)


def stage_goal(site: Any, goal: Any) -> tuple[Any, Any]:
    """(Values, Progress) of a KPI or key result on a funnel stage (`activation.step3_rate`),
    from the funnel page's cohort rows, with the maths of `okr status`."""
    from nsmcode.compile.funnel import OUTPUT
    from nsmcode.compile.funnel_ref import step_ref
    from nsmcode.run import status
    from nsmcode.run.funnels import settle_days
    from nsmcode.site import charts
    from nsmcode.site.views import values_view

    ref = step_ref(site.project, goal.metric)
    view = site.funnels.get(ref.funnel) if ref else None
    if ref is None or view is None or site.data is None or view.funnel.cohort == "total":
        return None, None
    column = 1 + OUTPUT.index(ref.column)
    series = [(r[0], r[column]) for r in view.rows if r[1] == ref.step]
    grain = models.Grain(view.funnel.cohort)
    settle = status.Settle(days=settle_days(view.funnel, ref.step))
    result = status.evaluate(goal, series, grain, site.data.as_of, settle)
    closed = [(p, v) for p, v in series if status.settled_by(p, grain, settle) <= site.data.as_of]
    kind: models.Count | models.Conversion = (
        models.Count(type="count")
        if ref.column == "entities"
        else models.Conversion(
            type="conversion", base="a", conversion="b", entity="e", within="1 day"
        )
    )
    # values_view reads only the grain and the kind of number (a share or a count)
    stub = models.Metric.model_construct(name=goal.metric, grain=grain, calculation=kind)
    values = values_view(stub, closed, goal.direction)
    return values, charts.progress(result.progress, result.status)
