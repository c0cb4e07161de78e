"""`init` and `schema`: getting started and editor support."""

from __future__ import annotations

from pathlib import Path

import click

from nsmcode.cli import project_option, report_errors


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=None, help="Project name (default: the folder's name).")
@report_errors
def init(directory: Path, name: str | None) -> None:
    """Create a starter project in DIRECTORY that validates cleanly."""
    from nsmcode.console import current
    from nsmcode.starter import write_starter

    named = name or directory.resolve().name
    current().detail(
        f"starter project {named!r} ({'--name' if name else 'the folder name'}) "
        f"in {directory.resolve()}"
    )
    written = write_starter(directory, named)
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
@click.option(
    "--write",
    is_flag=True,
    help="Write both schemas into the project's .nsmcode/ folder (what modelines point at).",
)
@project_option
@report_errors
def schema(kind: str, write: bool, project_dir: Path) -> None:
    """Print the JSON Schema of definition files (for editors and CI), or --write them."""
    from nsmcode.console import current
    from nsmcode.schema import schema_text, write_schemas

    if not write:
        text = schema_text(kind)
        current().detail(f"JSON Schema of {kind} files: {len(text.splitlines())} lines")
        click.echo(text, nl=False)
        return
    from nsmcode.loader import find_project_file

    find_project_file(project_dir)  # a located error when this is not a project
    for path in write_schemas(project_dir):
        click.echo(f"wrote {path}")
