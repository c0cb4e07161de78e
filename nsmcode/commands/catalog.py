"""`list` and `values`: what a project offers to query, and the values a dimension takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nsmcode.cli import output_file_option, project_option, report_errors
from nsmcode.commands.run import connection_option
from nsmcode.emit import TABULAR, printable

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(TABULAR),
    default="table",
    show_default=True,
    help="table (or text); json (the shared envelope); csv; markdown.",
)

KINDS = ("metrics", "dimensions", "segments", "funnels")  # as run/listing.py


def _aligned(records: list[dict[str, Any]], empty: str) -> str:
    if not records:
        return empty
    columns = list(records[0])
    cells = [[_short(printable(str(r[c]))) for c in columns] for r in records]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = [columns, ["-" * w for w in widths], *cells]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def _short(text: str, width: int = 72) -> str:
    """Long descriptions cut for a terminal (`--format json` keeps them whole)."""
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command("list")
@click.argument("kind", type=click.Choice(KINDS))
@project_option
@click.option(
    "--metric",
    default=None,
    metavar="METRIC",
    help="dimensions/segments: only those of this metric (what --segment and --where accept).",
)
@format_option
@output_file_option
@report_errors
def list_command(kind: str, project_dir: Path, metric: str | None, fmt: str) -> None:
    """List the project's metrics, dimensions, segments or funnels."""
    from nsmcode import api
    from nsmcode.console import current

    if metric is not None and kind not in ("dimensions", "segments"):
        raise click.BadParameter(f"--metric applies to dimensions and segments, not {kind}")
    records = api.load(project_dir).catalog(kind, metric)
    current().result(_render(fmt, f"list {kind}", records, f"(no {kind})"))


@click.command("values")
@click.argument("dimension")
@project_option
@click.option(
    "--metric",
    default=None,
    metavar="METRIC",
    help="Read the dimension where this metric's rows reach it.",
)
@click.option(
    "--limit", type=click.IntRange(min=0), default=None, metavar="N", help="At most N values."
)
@format_option
@output_file_option
@connection_option
@report_errors
def values(
    dimension: str,
    project_dir: Path,
    metric: str | None,
    limit: int | None,
    fmt: str,
    connection: str | None,
) -> None:
    """Distinct values of DIMENSION in the warehouse, sorted, NULL last (shown as -)."""
    from nsmcode import api
    from nsmcode.console import current

    found = api.load(project_dir).values(
        dimension, metric=metric, limit=limit, connection=connection
    )
    if fmt in ("table", "text"):
        current().result("\n".join("-" if v is None else printable(str(v)) for v in found))
    else:
        records = [{dimension: v if v is None else _plain(v)} for v in found]
        current().result(_render(fmt, "values", records, "(no values)"))


def _plain(value: object) -> object:
    """A JSON-ready value: numbers and text as they are, anything else (dates) as text."""
    return value if isinstance(value, (bool, int, float, str)) else str(value)


def _render(fmt: str, command: str, records: list[dict[str, Any]], empty: str) -> str:
    from nsmcode.emit import envelope, records_csv, records_markdown

    if fmt == "json":
        return envelope(command, records)
    if fmt == "csv":
        return records_csv(records)
    if fmt == "markdown":
        return records_markdown(records)
    return _aligned(records, empty)
