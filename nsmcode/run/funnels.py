"""Run funnels: `nsmcode query FUNNEL` and key results or KPIs that follow one stage.

A funnel's result is a `Table` whose value columns are the stage columns (see
`nsmcode.compile.funnel.OUTPUT`): one row per cohort period, segment value and stage, sorted
here so the output is the same on every engine. Goals name a stage as `<funnel>.step<N>_rate`
(see `nsmcode.compile.funnel_ref`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nsmcode import models
from nsmcode.compile.funnel_ref import StepRef
from nsmcode.diagnostics import InputError
from nsmcode.project import Project
from nsmcode.run.connections import Engine, EngineError, as_date
from nsmcode.run.execute import Progress, Table, explain

if TYPE_CHECKING:
    from nsmcode.compile.funnel import FunnelOptions

def is_funnel(project: Project, name: str) -> bool:
    return name in project.funnels and name not in project.metrics


def run_funnel(
    project: Project,
    engine: Engine,
    name: str,
    options: FunnelOptions,
    progress: Progress | None = None,
) -> Table:
    """Compute funnel `name` on `engine`; rows sorted by period, segments (NULL last), step."""
    from nsmcode.compile.funnel import OUTPUT, compile_funnel

    sql = compile_funnel(project, name, engine.dialect, options)
    steps = progress([name]) if progress else [name]
    for _ in steps:
        try:
            result = engine.execute(sql)
        except EngineError as exc:
            funnel = project.funnels[name]
            used = list(dict.fromkeys([funnel.anchor_metric, *funnel.step_metrics]))
            raise InputError([explain(project, engine, used, exc)]) from None
    width = 1 + len(options.segments)
    rows = [(as_date(r[0]), *r[1:]) for r in result.rows]
    rows.sort(key=lambda r: (*_nulls_last(r[:width]), r[width]))
    return Table(OUTPUT, tuple(options.segments), rows)


def step_series(
    project: Project, engine: Engine, ref: StepRef, until: Any
) -> tuple[list[tuple[Any, Any]], models.Grain, int]:
    """A goal's series: (cohort period, value) of one stage, its grain, and the days after a
    cohort period's end until its stage can no longer change (the longest window so far)."""
    from nsmcode.compile.funnel import OUTPUT, FunnelOptions

    funnel = project.funnels[ref.funnel]
    cohort = funnel.cohort if funnel.cohort != "total" else "month"
    options = FunnelOptions(cohort, until=until)
    table = run_funnel(project, engine, ref.funnel, options)
    column = 1 + OUTPUT.index(ref.column)
    series = [(row[0], row[column]) for row in table.rows if row[1] == ref.step]
    return series, models.Grain(cohort), settle_days(funnel, ref.step)


def settle_days(funnel: models.Funnel, step: int) -> int:
    """The latest a stage up to `step` can be reached, in days after the anchor (a stage
    without a window is taken as its window's start: it never settles)."""
    deadlines = [0]
    for stage in funnel.stages[:step]:
        within = None if stage.any_time else stage.within or funnel.within
        start = 0 if (stage.window_from or funnel.window_from) == "anchor" else deadlines[-1]
        deadlines.append(start + (models.duration_days(within) if within else 0))
    return max(deadlines)


def _nulls_last(values: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    return tuple((1, "") if v is None else (0, v) for v in values)


def query_funnel(
    project: Project,
    names: tuple[str, ...],
    by: str | None,
    segments: tuple[str, ...],
    since: Any,
    until: Any,
    fmt: str,
    connection: str | None,
    explain: bool = False,
) -> None:
    """`nsmcode query FUNNEL`: one funnel on its own, printed like a metric table (`explain`:
    its SQL for the connection's dialect, nothing run)."""
    from nsmcode.compile.funnel import FunnelOptions, compile_funnel
    from nsmcode.console import current
    from nsmcode.diagnostics import Diagnostic
    from nsmcode.run import output
    from nsmcode.run.connections import dialect_of, open_engine

    if len(names) != 1:
        raise InputError(
            [
                Diagnostic(
                    "R008",
                    f"a funnel is queried on its own, not with {', '.join(names[1:])}",
                    None,
                    f"run `nsmcode query {names[0]}` and the others separately",
                )
            ]
        )
    options = FunnelOptions(built_in(by, "total"), segments, since, until)  # type: ignore[arg-type]
    if explain:
        dialect = dialect_of(project, connection, "--explain")
        current().result(_statement(compile_funnel(project, names[0], dialect, options)))
        return
    with open_engine(project, connection) as engine:
        table = run_funnel(project, engine, names[0], options)
    current().result(output.RENDERERS[fmt](table))


def built_in(by: str | None, *also: str) -> str | None:
    """`--by` for a funnel or a cohort matrix: a built-in grain of a day or longer (cohorts are
    computed from dates, never from a calendar table; an hour is too short to be a cohort)."""
    from nsmcode.diagnostics import Diagnostic, Span

    grains = [g.value for g in models.Grain if g is not models.Grain.HOUR]
    if by is None or by in grains or by in also:
        return by
    problem = "cohorts are a day or longer" if by == "hour" else "unknown cohort grain"
    raise InputError(
        [
            Diagnostic(
                "R014",
                f"{problem}: {by!r}",
                Span("--by"),
                f"give one of: {', '.join((*grains, *also))}",
            )
        ]
    )


def query_retention_matrix(
    project: Project,
    names: tuple[str, ...],
    by: str | None,
    periods: int,
    since: Any,
    until: Any,
    fmt: str,
    connection: str | None = None,
    explain: bool = False,
) -> None:
    """`nsmcode query RETENTION --cohorts N`: rows per cohort period, columns p0..pN
    (`explain`: the SQL for the connection's dialect, nothing run)."""
    from nsmcode.compile.retention_matrix import MatrixOptions, compile_retention_matrix
    from nsmcode.console import current
    from nsmcode.diagnostics import Diagnostic
    from nsmcode.run import output
    from nsmcode.run.connections import dialect_of, open_engine

    if len(names) != 1:
        message = "--cohorts shows one retention metric at a time"
        raise InputError([Diagnostic("R008", message, None, "name one metric")])
    grain = models.Grain(built_in(by)) if by else None
    options = MatrixOptions(grain, periods, since, until)
    if explain:
        dialect = dialect_of(project, connection, "--explain")
        sql = compile_retention_matrix(project, names[0], dialect, options)
        current().result(_statement(sql))
        return
    with open_engine(project, connection) as engine:
        table = retention_matrix(project, engine, names[0], options)
    current().result(output.RENDERERS[fmt](table))


def _statement(sql: str) -> str:
    """One statement as `query --explain` prints it: ending in a semicolon."""
    return sql.rstrip().rstrip(";") + ";"


def retention_matrix(project: Project, engine: Engine, name: str, options: Any) -> Table:
    """The cohort matrix of retention metric `name` (see compile.retention_matrix)."""
    from nsmcode.compile.retention_matrix import compile_retention_matrix

    sql = compile_retention_matrix(project, name, engine.dialect, options)
    try:
        result = engine.execute(sql)
    except EngineError as exc:
        raise InputError([explain(project, engine, [name], exc)]) from None
    rows = sorted(((as_date(r[0]), *r[1:]) for r in result.rows), key=lambda r: r[0])
    columns = ("entities", *(f"p{k}" for k in range(options.periods + 1)))
    return Table(columns, (), rows)
