"""`nsmcode analyze`: is the north star really a leading indicator? Checked in the user's own
warehouse, in SQL built on the compiled metrics.

    analyze_project(project, connection=None, *, outcome=None, max_lag=6) -> AnalysisReport
    analyze(project, engine, *, outcome=None, max_lag=6) -> AnalysisReport
    AnalysisReport.to_dict() -> JSON-able result (what `--format json` prints)

Three steps (see docs/analyze.md):

1. lead: lagged correlation of period-over-period log changes, north star vs the declared
   outcome, for lags -max_lag..max_lag (in SQL); passes when, once each series' momentum, trend
   and cycles are removed (pre-whitening, `whiten`), the strongest positive lag is significant
   at 5% for the best of the lags tried, and beats every negative lag;
2. retention: entities bucketed by their north-star contribution in their first 28 days (none,
   then quartiles); passes when retention 57-84 days later rises with the bucket and the top
   quartile beats the bottom one (two-proportion z-test);
3. inputs: the lead analysis of each input against the north star, ranked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from nsmcode.analyze.result import (
    AnalysisReport,
    InputsCheck,
    LeadCheck,
    RetentionCheck,
    Series,
)

if TYPE_CHECKING:
    from nsmcode.analyze.lagged import LagResults
    from nsmcode.analyze.setup import Setup
    from nsmcode.project import Project
    from nsmcode.run.connections import Engine

__all__ = [
    "DEFAULT_MAX_LAG",
    "AnalysisReport",
    "InputsCheck",
    "LeadCheck",
    "RetentionCheck",
    "Series",
    "analyze",
    "analyze_project",
]

DEFAULT_MAX_LAG = 6

STEPS = (
    "opening the connection",
    "compiling the metrics",
    "lagged correlations (north star, outcome, inputs)",
    "retention by north-star score",
    "weighing the evidence",
)
"""What a progress bar names while `analyze_project` runs (`analyze` starts at the second)."""

Progress = Callable[[Sequence[str]], Iterable[str]]
"""Wraps the step names (e.g. in a progress bar); must yield them unchanged, in order."""


@contextlib.contextmanager
def _steps(names: Sequence[str], progress: Progress | None) -> Iterator[Iterator[str]]:
    """The steps as an iterator advanced at the start of each; a progress bar is closed even
    when a step fails, so an error message starts on a fresh line."""
    wrapped = progress(names) if progress else names
    manager = wrapped if isinstance(wrapped, contextlib.AbstractContextManager) else None
    with manager if manager is not None else contextlib.nullcontext():
        steps = iter(wrapped)
        yield steps
        for _ in steps:  # finish: the bar completes, the last step's time is logged
            pass


def analyze_project(
    project: Project,
    connection: str | None = None,
    *,
    outcome: str | None = None,
    max_lag: int = DEFAULT_MAX_LAG,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> AnalysisReport:
    """Open the project's connection (or the named profile), analyze, close. Raises InputError
    (located diagnostics) for a setup or data problem. `progress` wraps the STEPS."""
    from nsmcode.run.connections import open_engine

    with _steps(STEPS, progress) as steps:
        next(steps)
        with open_engine(project, connection) as engine:
            return _analyze(project, engine, outcome, max_lag, today, steps)


def analyze(
    project: Project,
    engine: Engine,
    *,
    outcome: str | None = None,
    max_lag: int = DEFAULT_MAX_LAG,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> AnalysisReport:
    """Run the three steps on an open engine (two queries) and explain the results. The period
    containing `today` (default: the current date), if the data reaches it, is still in progress
    and left out of the lags. `progress` wraps STEPS[1:]."""
    with _steps(STEPS[1:], progress) as steps:
        return _analyze(project, engine, outcome, max_lag, today, steps)


def _analyze(
    project: Project,
    engine: Engine,
    outcome: str | None,
    max_lag: int,
    today: dt.date | None,
    steps: Iterator[str],
) -> AnalysisReport:
    from nsmcode.analyze import explain, setup
    from nsmcode.analyze.stats import judge_lags
    from nsmcode.compile.plan import period_start

    next(steps)  # compiling
    chosen = setup.resolve(project, outcome, max_lag)
    names, skipped = _lag_metrics(project, chosen, engine.dialect)
    pairs = [(0, 1)] + [(i, 0) for i in range(2, len(names))]
    current = period_start(today or dt.date.today(), chosen.grain, project.config.calendar)
    next(steps)  # lagged correlations
    found = _lags(project, engine, chosen, names, pairs, current)
    next(steps)  # retention
    retention_check = _retention(project, engine, chosen)
    next(steps)  # the verdicts
    grain = chosen.grain.value

    def check(pair: int, outcome_step: bool) -> LeadCheck:
        first, second = pairs[pair]
        leader, follower = names[first], names[second]
        points = tuple(found.points[pair])
        verdict = judge_lags(points, found.values[first], found.values[second], max_lag)
        return LeadCheck(
            leader,
            follower,
            points,
            verdict,
            explain.lead_summary(leader, follower, verdict, grain),
            explain.lead_explanation(
                leader, follower, verdict, grain, max_lag, outcome_step=outcome_step
            ),
        )

    inputs = sorted((check(i, False) for i in range(1, len(pairs))), key=_rank)
    leading = [c.leader for c in inputs if c.status == "pass"]
    return AnalysisReport(
        project=project.config.name,
        connection=engine.name,
        dialect=engine.dialect,
        north_star=chosen.north_star,
        outcome=chosen.outcome,
        grain=grain,
        max_lag=max_lag,
        lead=check(0, True),
        retention=retention_check,
        inputs=InputsCheck(
            tuple(inputs),
            tuple(skipped),
            explain.inputs_summary(leading, len(inputs), len(skipped)),
            explain.inputs_explanation(grain),
        ),
        series=Series(
            tuple(found.periods),
            {name: tuple(found.values[i]) for i, name in enumerate(names)},
        ),
    )


def _rank(check: LeadCheck) -> tuple[int, float, str]:
    """Leading inputs first, then by their strongest positive-lag correlation."""
    best = check.verdict.best
    order = {"pass": 0, "fail": 1, "insufficient": 2, "skipped": 3}[check.status]
    return (order, -(best.r or 0.0) if best else 0.0, check.leader)


def _lag_metrics(
    project: Project, chosen: Setup, dialect: str
) -> tuple[list[str], list[tuple[str, str]]]:
    """North star, outcome and the inputs that compile with them at the north star's grain on
    this dialect; the inputs that do not, with the compiler's reason."""
    from nsmcode.compile import CompileError, QueryOptions, compile_metrics

    options = QueryOptions(grain=chosen.grain)
    names = [chosen.north_star, chosen.outcome]
    compile_metrics(project, names, dialect, options)  # a problem here is the user's to fix
    skipped: list[tuple[str, str]] = []
    for name in chosen.inputs:
        try:
            compile_metrics(project, [chosen.north_star, name], dialect, options)
        except CompileError as error:
            skipped.append((name, error.diagnostics[0].message))
        else:
            names.append(name)
    compile_metrics(project, names, dialect, options)
    return names, skipped


def _execute(
    project: Project, engine: Engine, metrics: list[str], sql: str
) -> list[tuple[Any, ...]]:
    from nsmcode.diagnostics import InputError
    from nsmcode.run.connections import EngineError
    from nsmcode.run.execute import explain

    try:
        return engine.execute(sql).rows
    except EngineError as exc:
        raise InputError([explain(project, engine, metrics, exc)]) from None


def _lags(
    project: Project,
    engine: Engine,
    chosen: Setup,
    names: list[str],
    pairs: list[tuple[int, int]],
    current: dt.date,
) -> LagResults:
    from nsmcode.analyze import lagged
    from nsmcode.compile import render

    tree = lagged.query(project, names, pairs, chosen.max_lag, chosen.grain, current)
    rows = _execute(project, engine, names, render(tree, engine.dialect))
    return lagged.read(rows, len(pairs), len(names), chosen.max_lag)


def _retention(project: Project, engine: Engine, chosen: Setup) -> RetentionCheck:
    from nsmcode.analyze import explain, retention
    from nsmcode.analyze.stats import judge_retention
    from nsmcode.compile.rows import render_query

    setting = chosen.retention
    window = (retention.SCORE_DAYS, retention.LATER)
    if setting.skipped is not None or not (setting.entity and setting.cohort and setting.activity):
        summary, words = explain.retention_skipped(setting.skipped or "not configured")
        return RetentionCheck(
            "skipped",
            setting.entity,
            setting.cohort,
            setting.activity,
            *window,
            (),
            None,
            summary,
            words,
        )
    tree = retention.query(project, chosen)
    scorer = setting.score or chosen.north_star
    metrics = list(dict.fromkeys([setting.cohort, scorer, setting.activity]))
    buckets = retention.read(_execute(project, engine, metrics, render_query(tree, engine.dialect)))
    verdict = judge_retention(buckets)
    star = project.metrics[scorer]
    return RetentionCheck(
        verdict.status,
        setting.entity,
        setting.cohort,
        setting.activity,
        *window,
        tuple(buckets),
        verdict,
        explain.retention_summary(verdict, setting.entity),
        explain.retention_explanation(
            verdict, buckets, star, setting.entity, setting.cohort, setting.activity, *window
        ),
    )
