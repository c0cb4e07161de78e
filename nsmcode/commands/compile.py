"""`compile`: SQL for every metric in every target dialect, and the drift check CI runs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nsmcode.cli import Exit, project_option, report_errors

# The same list as nsmcode.models.DIALECTS (a test keeps them equal); spelled out here so that
# `nsmcode --help` does not import the models.
DIALECTS = (
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
LISTED = 50  # files named per kind of drift, so a wholesale change stays readable in a CI log


@click.command("compile")
@project_option
@click.option(
    "--dialect",
    "dialects",
    multiple=True,
    type=click.Choice(DIALECTS),
    help="A dialect to compile for (repeatable). Default: the project's `targets`. The output "
    "folder then holds exactly these dialects.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder; compile writes nothing outside it. Default: <project>/target.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 and name the files when the output is out of date (for CI).",
)
@report_errors
def compile_command(
    project_dir: Path, dialects: tuple[str, ...], out: Path | None, check: bool
) -> None:
    """Compile every metric to SQL: OUT/sql/<dialect>/<metric>.sql and OUT/manifest.json.

    The output is the same, byte for byte, on every run and machine; it is replaced atomically,
    and a compile error leaves the previous output as it was. Unchanged definitions are not
    compiled again (a cache in OUT/.nsmcode-cache, ignored by git).
    """
    from nsmcode.console import current
    from nsmcode.loader import display_path
    from nsmcode.outputs import compile_project

    report = compile_project(project_dir, out, dialects, check=check)
    console = current()
    shown = display_path(report.out, report.out)
    console.detail(
        f"dialects: {', '.join(report.dialects)}; {report.files} SQL files, {report.generated} "
        f"compiled this run, {report.files - report.generated} from the cache"
    )
    size = (
        f"{report.metrics} metric{'s' if report.metrics != 1 else ''} x "
        f"{len(report.dialects)} dialect{'s' if len(report.dialects) != 1 else ''}"
    )
    if check:
        if not report.drift:
            console.result(f"{shown} is up to date ({size}).")
            return
        console.result(f"{shown} is out of date:")
        for label, files in (
            ("missing", report.missing),
            ("changed", report.changed),
            ("stale", report.stale),
        ):
            for rel in files[:LISTED]:
                console.result(f"  {label:<8} {shown}/{rel}")
            if len(files) > LISTED:
                console.result(f"  ... and {len(files) - LISTED} more {label} files")
        console.result(
            f"run `nsmcode compile --project {display_path(project_dir, project_dir)}` and "
            "commit the result."
        )
        sys.exit(Exit.FINDINGS)
    if not report.written and not report.removed:
        console.result(f"{shown} is up to date ({size}).")
        return
    reused = report.files - report.generated
    console.result(
        f"compiled {size} into {shown}: {len(report.written)} file"
        f"{'s' if len(report.written) != 1 else ''} written, {len(report.removed)} removed "
        f"({report.generated} compiled, {reused} reused)."
    )
    for rel in report.written[:LISTED] if console.verbose else ():
        console.detail(f"  wrote   {rel}")
    for rel in report.removed[:LISTED] if console.verbose else ():
        console.detail(f"  removed {rel}")
