"""`validate` and `rules`: structure, references and the North Star rule pack."""

from __future__ import annotations

from pathlib import Path

import click

from nsmcode.cli import project_option, report_errors


@click.command()
@project_option
@report_errors
def validate(project_dir: Path) -> None:
    """Check the definitions: structure and references."""
    from nsmcode.project import load_project

    project = load_project(project_dir)
    click.echo(
        f"{project.config.name}: {len(project.metrics)} metrics, {len(project.sources)} sources, "
        f"{len(project.okrs)} OKRs: no problems found."
    )


@click.command()
def rules() -> None:
    """List the rules (not built yet)."""
    raise click.UsageError("the rule pack is not built yet")
