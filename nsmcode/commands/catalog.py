"""`list` and `values`: what a project offers to query, and the values a dimension takes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nsmcode.cli import project_option, report_errors
from nsmcode.commands.run import connection_option

KINDS = ("metrics", "dimensions", "segments", "funnels")  # as run/listing.py


def _aligned(records: list[dict[str, Any]], empty: str) -> str:
    if not records:
        return empty
    columns = list(records[0])
    cells = [[_short(str(r[c])) for c in columns] for r in records]
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
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@report_errors
def list_command(kind: str, project_dir: Path, metric: str | None, fmt: str) -> None:
    """List the project's metrics, dimensions, segments or funnels."""
    from nsmcode import api
    from nsmcode.console import current

    if metric is not None and kind not in ("dimensions", "segments"):
        raise click.BadParameter(f"--metric applies to dimensions and segments, not {kind}")
    records = api.load(project_dir).catalog(kind, metric)
    if fmt == "json":
        current().result(json.dumps(records, indent=2, ensure_ascii=False))
    else:
        current().result(_aligned(records, f"(no {kind})"))


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
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
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
    if fmt == "json":
        current().result(json.dumps(found, indent=2, ensure_ascii=False, default=str))
    else:
        current().result("\n".join("-" if v is None else str(v) for v in found))
