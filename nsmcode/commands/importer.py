"""`import`: bring definitions from other tools into nsmcode (dbt MetricFlow today)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nsmcode.cli import Exit, report_errors

# The same names as nsmcode.models.DIALECTS, spelled out so `nsmcode --help` needs no pydantic
# (a test checks they agree).
DIALECT_CHOICES = (
    "duckdb",
    "postgres",
    "snowflake",
    "bigquery",
    "redshift",
    "databricks",
    "spark",
    "trino",
    "clickhouse",
    "mysql",
    "sqlite",
    "tsql",
)


@click.group(name="import")
def import_group() -> None:
    """Import metric definitions from other tools."""


@import_group.command(name="dbt")
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read dbt's compiled target/semantic_manifest.json instead of the YAML (for "
    "projects using Jinja or packages).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write nsmcode.yaml and definitions/ into (existing files are never "
    "overwritten).",
)
@click.option("--name", default=None, help="Project name (default: the dbt project's name).")
@click.option(
    "--dialect",
    type=click.Choice(DIALECT_CHOICES),
    default="duckdb",
    show_default=True,
    help="SQL dialect of the dbt expressions and of the new project.",
)
@click.option("--schema", default=None, help="Schema to qualify the tables with (analytics).")
@click.option("--dry-run", is_flag=True, help="Print the YAML instead of writing files.")
@report_errors
def dbt(
    path: Path | None,
    manifest: Path | None,
    out: Path,
    name: str | None,
    dialect: str,
    schema: str | None,
    dry_run: bool,
) -> None:
    """Translate dbt semantic models and metrics under PATH into an nsmcode project.

    PATH is a dbt project folder (holding dbt_project.yml), any folder, or one YAML file; or
    give --manifest target/semantic_manifest.json instead. Everything that cannot be carried
    over is reported with its dbt file:line:col and the exit code is 1; unreadable input exits
    2 and writes nothing.
    """
    from nsmcode.console import current
    from nsmcode.dbt_import import import_dbt

    if (path is None) == (manifest is None):
        raise click.UsageError("give a dbt project PATH or --manifest FILE (one of them)")
    console = current()
    chosen = manifest if manifest is not None else path
    assert chosen is not None
    result = import_dbt(
        chosen, name=name, dialect=dialect, schema=schema, manifest=manifest is not None
    )
    count = len(result.files)
    console.detail(f"read {count} dbt file{'s' if count != 1 else ''}: {', '.join(result.files)}")
    if dry_run:
        for rel, text in result.rendered().items():
            console.result(f"# --- {rel}\n{text}")
    else:
        for written in result.write(out):
            console.info(f"created {written}")
    sources, metrics = len(result.sources), len(result.metrics)
    summary = (
        f"{sources} source{'s' if sources != 1 else ''} and "
        f"{metrics} metric{'s' if metrics != 1 else ''} imported"
    )
    for problem in result.problems:
        console.diagnostic(problem)
    if result.problems:
        count = len(result.problems)
        console.warn(
            f"{summary}; {count} thing{'s' if count != 1 else ''} not carried over (listed above)"
        )
        sys.exit(Exit.FINDINGS)
    console.success(f"{summary}; everything carried over")
    if not dry_run:
        console.info(
            f"next: mark your North Star (role: north_star) and run "
            f"`nsmcode validate --project {out}`"
        )
