"""`materialize`: write saved queries' results into warehouse tables, incrementally."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from nsmcode.cli import DATE, project_option, report_errors
from nsmcode.commands.run import _date, _progress, connection_option


@click.command()
@click.argument("saved", nargs=-1)
@project_option
@connection_option
@click.option(
    "--lookback",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Recompute the last N periods (default: `materialize.lookback`, else the longest "
    "window of the query's metrics + 1).",
)
@click.option("--full", is_flag=True, help="Rebuild every table from scratch.")
@click.option(
    "--as-of",
    type=DATE,
    default=None,
    metavar="DATE",
    help="Anchor for relative bounds and completeness (default: the latest date in the data).",
)
@report_errors
def materialize(
    saved: tuple[str, ...],
    project_dir: Path,
    connection: str | None,
    lookback: int | None,
    full: bool,
    as_of: dt.datetime | None,
) -> None:
    """Write each SAVED query (default: all) into a table of the `materialize` schema.

    Only the last periods are recomputed, and replaced in one transaction (on Spark: one
    partition overwrite); nsmcode writes only tables it created (see docs/running.md).
    """
    from nsmcode import api
    from nsmcode.console import current

    written = api.load(project_dir).materialize(
        saved,
        connection=connection,
        lookback=lookback,
        full=full,
        as_of=_date(as_of),
        progress=_progress("materializing"),
    )
    for item in written:
        current().result(str(item))
