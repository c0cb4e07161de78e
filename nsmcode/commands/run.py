"""`query`, `okr status` and `kpi status`: run metrics on embedded DuckDB or a warehouse."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import click

from nsmcode.cli import project_option, report_errors

GRAINS = ("day", "week", "month", "quarter")
DATE = click.DateTime(formats=["%Y-%m-%d"])

connection_option = click.option(
    "--connection",
    default=None,
    metavar="NAME",
    help="Connection profile from nsmcode.yaml (default: the project's `connection`, "
    "else embedded DuckDB).",
)


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _progress(label: str) -> Any:
    """A progress bar on stderr, drawn from the first step (a step can be one long query), on a
    terminal only: never in a pipe, a file or a CI log, and not with --quiet."""
    from nsmcode.console import current, in_ci

    console = current()
    stream = sys.stderr
    if console.quiet or in_ci() or not stream.isatty():
        return None

    def wrap(steps: Sequence[Any]) -> Iterable[Any]:
        with click.progressbar(
            steps, label=label, file=stream, show_pos=True, item_show_func=_step_name
        ) as bar:
            yield from bar

    return wrap


def _step_name(step: Any) -> str | None:
    return None if step is None else str(step)[:60]


@click.command()
@click.argument("metrics", nargs=-1, required=True)
@project_option
@click.option(
    "--by", type=click.Choice(GRAINS), default=None, help="Period grain (default: each metric's)."
)
@click.option(
    "--segment",
    "segments",
    multiple=True,
    metavar="DIM",
    help="Break down by a dimension; repeat for several.",
)
@click.option(
    "--since",
    type=DATE,
    default=None,
    metavar="DATE",
    help="First period to show (YYYY-MM-DD, inclusive).",
)
@click.option(
    "--until",
    type=DATE,
    default=None,
    metavar="DATE",
    help="Last period to show (YYYY-MM-DD, inclusive).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--cohorts",
    type=click.IntRange(0, 104),
    default=None,
    metavar="N",
    help="For a retention metric: the cohort matrix, share active 0..N periods after joining.",
)
@connection_option
@report_errors
def query(
    metrics: tuple[str, ...],
    project_dir: Path,
    by: str | None,
    segments: tuple[str, ...],
    since: dt.datetime | None,
    until: dt.datetime | None,
    fmt: str,
    connection: str | None,
    cohorts: int | None = None,
) -> None:
    """Compute METRIC(s) by period on the project's connection, or one FUNNEL by cohort.

    Metrics of the same grain are computed in one query that scans each source once. A funnel
    prints one row per cohort period (--by: its cohort period), segment and stage.
    """
    from nsmcode import models
    from nsmcode.compile import QueryOptions
    from nsmcode.console import current
    from nsmcode.project import load_project
    from nsmcode.run import execute, output
    from nsmcode.run.connections import open_engine

    project = load_project(project_dir)
    if since and until and since > until:
        raise click.BadParameter("--since is after --until", param_hint="--since")
    if cohorts is not None:
        from nsmcode.run.funnels import query_retention_matrix

        query_retention_matrix(project, metrics, by, cohorts, _date(since), _date(until), fmt)
        return
    if any(name in project.funnels and name not in project.metrics for name in metrics):
        from nsmcode.run.funnels import query_funnel

        query_funnel(project, metrics, by, segments, _date(since), _date(until), fmt, connection)
        return
    execute.check_metrics(project, metrics)
    options = QueryOptions(
        grain=models.Grain(by) if by else None,
        segments=segments,
        since=_date(since),
        until=_date(until),
    )
    with open_engine(project, connection) as engine:
        table = execute.run(project, engine, metrics, options, progress=_progress("querying"))
    current().result(output.RENDERERS[fmt](table))


def _status(
    kind: str,
    project_dir: Path,
    names: tuple[str, ...],
    as_of: dt.datetime | None,
    fmt: str,
    connection: str | None,
) -> None:
    from nsmcode.console import current
    from nsmcode.project import load_project
    from nsmcode.run import goals, report, status
    from nsmcode.run.connections import open_engine

    project = load_project(project_dir)
    if kind == "okr":
        chosen = goals.okr_groups(project, names, [])
        wanted = status.key_results([project.okrs[g.name] for g in chosen])
    else:
        chosen = goals.team_groups(project, names, [])
        wanted = status.kpis([project.teams[g.name] for g in chosen])
    with open_engine(project, connection) as engine:
        day, items = goals.evaluate(
            project, engine, wanted, _date(as_of), _progress("computing status")
        )
    grouped = (goals.okr_groups if kind == "okr" else goals.team_groups)(project, names, items)
    current().result(report.RENDERERS[fmt](kind, grouped, day))


def _status_command(kind: str, noun: str) -> click.Command:
    @click.command("status")
    @click.argument("names", nargs=-1)
    @project_option
    @click.option(
        "--as-of",
        type=DATE,
        default=None,
        metavar="DATE",
        help="Report as of this date (default: the latest date in the data).",
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "markdown"]),
        default="table",
        show_default=True,
    )
    @connection_option
    @report_errors
    def command(
        names: tuple[str, ...],
        project_dir: Path,
        as_of: dt.datetime | None,
        fmt: str,
        connection: str | None,
    ) -> None:
        _status(kind, project_dir, names, as_of, fmt, connection)

    command.help = (
        f"Progress of each {noun} against its baseline and target (NAMES: only these "
        f"{'OKRs' if kind == 'okr' else 'teams'}).\n\n"
        "On track when progress >= elapsed - 10 points, at risk when >= elapsed - 25 points, "
        "otherwise off track (see docs/running.md)."
    )
    return command


@click.group()
def okr() -> None:
    """Objectives and key results."""


@click.group()
def kpi() -> None:
    """Team and company KPIs."""


okr.add_command(_status_command("okr", "key result"))
kpi.add_command(_status_command("kpi", "KPI"))
