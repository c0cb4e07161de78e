"""`query`, `okr status` and `kpi status`: run metrics on embedded DuckDB or a warehouse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from nsmcode.api_inputs import GRAINS  # the API's list, without loading the API at --help
from nsmcode.cli import DATE, output_file_option, project_option, report_errors
from nsmcode.emit import TABULAR

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
    """The console's progress bar over a job's steps: drawn on a terminal only, never in a pipe,
    a file or a CI log, and not with --quiet (see `nsmcode.console.Progress`)."""
    from nsmcode.console import current

    return current().steps(label)


@click.command()
@click.argument("metrics", nargs=-1)
@project_option
@click.option(
    "--by",
    default=None,
    metavar="GRAIN",
    help=f"Period grain ({', '.join(GRAINS)}, or a custom granularity of the project's "
    "calendar), or `total` for one row over the range (default: each metric's).",
)
@click.option(
    "--segment",
    "segments",
    multiple=True,
    metavar="DIM",
    help="Break down by a dimension; repeat for several.",
)
@click.option(
    "--where",
    default=None,
    metavar="CONDITION",
    help="Keep rows matching a SQL condition on declared dimensions, e.g. \"plan = 'team'\".",
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
    "--order",
    multiple=True,
    metavar="COLUMN",
    help="Sort by a column (-COLUMN: descending); repeat for several. Default: period, segments.",
)
@click.option(
    "--limit", type=click.IntRange(min=0), default=None, metavar="N", help="Show the first N rows."
)
@click.option("--pivot", is_flag=True, help="One column per metric and segment value (wide).")
@click.option(
    "--as-of",
    type=DATE,
    default=None,
    metavar="DATE",
    help="Judge complete periods on this date (default: the latest date in the data).",
)
@click.option(
    "--explain", is_flag=True, help="Print the SQL for the connection's dialect; run nothing."
)
@click.option(
    "--saved",
    default=None,
    metavar="NAME",
    help="Run a saved query (`saved_queries:`); --order, --limit, --pivot, --as-of apply.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(TABULAR),
    default="table",
    show_default=True,
    help="table (or text) for people; csv; json (the shared envelope); markdown.",
)
@output_file_option
@click.option(
    "--csv-raw",
    is_flag=True,
    help="CSV for programs: write text starting with = + - @ as it is (default: prefix a ').",
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
    where: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    order: tuple[str, ...],
    limit: int | None,
    pivot: bool,
    as_of: dt.datetime | None,
    explain: bool,
    saved: str | None,
    fmt: str,
    csv_raw: bool,
    connection: str | None,
    cohorts: int | None = None,
) -> None:
    """Compute METRIC(s) by period on the project's connection, or one FUNNEL by cohort.

    Metrics of the same grain are computed in one query that scans each source once. Rows of a
    period that had not closed by the as-of date are marked (JSON/CSV: `complete: false`). A
    funnel prints one row per cohort period (--by: its cohort period), segment and stage.
    """
    from nsmcode import api
    from nsmcode.console import current

    if saved is not None:
        given = [f for f, v in (("METRIC", metrics), ("--by", by), ("--segment", segments),
                                ("--where", where), ("--since", since), ("--until", until)) if v]
        if given:
            raise click.UsageError(f"--saved defines the query; drop {', '.join(given)}")
    elif not metrics:
        raise click.UsageError("name at least one METRIC (or --saved NAME)")
    if since and until and since > until:
        raise click.BadParameter("--since is after --until", param_hint="--since")
    project = api.load(project_dir)
    unused = {
        "--where": where, "--order": order, "--limit": limit is not None, "--pivot": pivot,
        "--as-of": as_of, "--csv-raw": csv_raw,
    }  # fmt: skip
    if cohorts is not None:
        _applies("--cohorts", {**unused, "--segment": segments, "--saved": saved})
        from nsmcode.run.funnels import query_retention_matrix

        definitions = project.definitions
        query_retention_matrix(
            definitions, metrics, by, cohorts, _date(since), _date(until), fmt, connection, explain
        )
        return
    if any(name in project.funnels and name not in project.metrics for name in metrics):
        _applies("a funnel", unused)
        from nsmcode.run.funnels import query_funnel

        query_funnel(
            project.definitions,
            metrics,
            by,
            segments,
            _date(since),
            _date(until),
            fmt,
            connection,
            explain,
        )
        return
    if explain:
        from nsmcode.run.connections import dialect_of

        dialect = dialect_of(project.definitions, connection, "--explain")
    if saved is not None:
        if explain:
            sql = project.saved_sql(saved, dialect=dialect)
            current().result(sql.rstrip().rstrip(";") + ";")
            return
        result = project.query_saved(
            saved,
            order=order,
            limit=limit,
            pivot=pivot,
            as_of=_date(as_of),
            connection=connection,
            progress=_progress("querying"),
        )
        current().result(_render(fmt, result.table, csv_raw))
        return
    if explain:
        statements = project.explain(
            metrics,
            by=by,
            segments=segments,
            where=where,
            since=_date(since),
            until=_date(until),
            dialect=dialect,
        )
        current().result("\n\n".join(s.rstrip().rstrip(";") + ";" for s in statements))
        return
    result = project.query(
        metrics,
        by=by,
        segments=segments,
        where=where,
        since=_date(since),
        until=_date(until),
        order=order,
        limit=limit,
        pivot=pivot,
        as_of=_date(as_of),
        connection=connection,
        progress=_progress("querying"),
    )
    current().result(_render(fmt, result.table, csv_raw))


def _applies(what: str, options: dict[str, Any]) -> None:
    """Options a kind of query does not take are refused (R016, at the first of them), never
    silently ignored (a funnel with --where would print unfiltered numbers)."""
    from nsmcode.diagnostics import Diagnostic, InputError, Span

    given = [flag for flag, value in options.items() if value]
    if given:
        one = len(given) == 1
        raise InputError(
            [
                Diagnostic(
                    "R016",
                    f"{', '.join(given)} {'does' if one else 'do'} not apply to {what}",
                    Span(given[0]),
                    f"drop {'it' if one else 'them'} (see `nsmcode query --help`)",
                )
            ]
        )


def _render(fmt: str, table: Any, csv_raw: bool) -> str:
    from nsmcode.run import output

    if fmt == "csv":
        return output.render_csv(table, raw=csv_raw)
    return output.RENDERERS[fmt](table)


def _status(
    kind: str,
    project_dir: Path,
    names: tuple[str, ...],
    as_of: dt.datetime | None,
    fmt: str,
    connection: str | None,
) -> None:
    from nsmcode import api
    from nsmcode.console import current
    from nsmcode.run import goals, report

    loaded = api.load(project_dir)
    project = loaded.definitions
    if not (project.okrs if kind == "okr" else project.teams):
        section, what = ("okrs", "OKRs") if kind == "okr" else ("teams", "teams with KPIs")
        current().info(
            f"{project.config.name} defines no {what} yet: add `{section}:` to a definitions file "
            "(see docs/spec.md); nothing to report."
        )
        return
    evaluate = loaded.okr_status if kind == "okr" else loaded.kpi_status
    found = evaluate(
        names, as_of=_date(as_of), connection=connection, progress=_progress("computing status")
    )
    day, items = found.as_of, found.goals
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
        type=click.Choice(TABULAR),
        default="table",
        show_default=True,
        help="table (or text) for people; markdown for a pull request; json; csv.",
    )
    @output_file_option
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
