"""`analyze`: is the north star really a leading indicator of the outcome it should drive?"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nsmcode.cli import Exit, output_file_option, project_option, report_errors
from nsmcode.emit import REPORT


@click.command()
@project_option
@click.option(
    "--outcome",
    metavar="METRIC",
    default=None,
    help="The lagging outcome to compare with (default: `analysis.outcome` in nsmcode.yaml).",
)
@click.option(
    "--max-lag",
    type=int,
    default=6,
    show_default=True,
    metavar="N",
    help="Compare lags from -N to N periods of the north star's grain.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT),
    default="text",
    show_default=True,
)
@output_file_option
@click.option(
    "--connection",
    default=None,
    metavar="NAME",
    help="Connection profile from nsmcode.yaml (default: the project's `connection`, "
    "else embedded DuckDB).",
)
@report_errors
def analyze(
    project_dir: Path, outcome: str | None, max_lag: int, fmt: str, connection: str | None
) -> None:
    """Check that the north star leads the outcome, that entities scoring high on it retain
    better, and which inputs move it, in SQL on the project's connection.

    Exit code 0 when the north star passes, 1 when a check fails or the data is not enough to
    decide, 2 on an input error.
    """
    from nsmcode.analyze import analyze_project
    from nsmcode.analyze.render import RENDERERS
    from nsmcode.console import current
    from nsmcode.project import load_project

    project = load_project(project_dir)
    console = current()
    report = analyze_project(
        project, connection, outcome=outcome, max_lag=max_lag, progress=console.steps("analyzing")
    )
    console.detail(
        f"north star {report.north_star} against outcome {report.outcome}, by {report.grain}, "
        f"lags -{max_lag}..{max_lag}, on {report.connection!r} ({report.dialect})"
    )
    console.result(RENDERERS[fmt](report))
    if not report.passed:
        sys.exit(Exit.FINDINGS)
