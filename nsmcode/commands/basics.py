"""`init` and `schema`: getting started and editor support."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nsmcode.cli import report_errors


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=None, help="Project name (default: the folder's name).")
@report_errors
def init(directory: Path, name: str | None) -> None:
    """Create a starter project in DIRECTORY that validates cleanly."""
    from nsmcode.starter import write_starter

    written = write_starter(directory, name or directory.resolve().name)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: nsmcode validate --project {directory}")


@click.command()
@click.option(
    "--kind",
    type=click.Choice(["definitions", "project"]),
    default="definitions",
    show_default=True,
    help="Schema of definition files or of nsmcode.yaml.",
)
def schema(kind: str) -> None:
    """Print the JSON Schema of definition files (for editors and CI)."""
    from nsmcode.schema import json_schema

    click.echo(json.dumps(json_schema(kind), indent=2, sort_keys=True))
