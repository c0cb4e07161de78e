"""`analyze` names its steps in the console's progress bar on a terminal, and nowhere else."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nsmcode.analyze import STEPS, analyze_project
from nsmcode.console import Console
from nsmcode.project import load_project

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _analyze(console: Console) -> str:
    report = analyze_project(load_project(EXAMPLE), progress=console.steps("analyzing"))
    assert report.passed  # the progress bar changes nothing of the result
    assert console.err is not None
    return console.err.getvalue()  # type: ignore[attr-defined, no-any-return]


def test_a_terminal_shows_each_step_by_name() -> None:
    drawn = _analyze(Console(err=Terminal(), environ={}, progress_delay=0))
    for number, step in enumerate(STEPS, 1):
        assert f"{number}/{len(STEPS)}  {step}" in drawn, drawn
    assert "analyzing  [####################################]  5/5" in drawn
    assert drawn.endswith("\n")  # the finished bar leaves the cursor on a fresh line


@pytest.mark.parametrize(
    "console",
    [
        Console(err=io.StringIO(), environ={}, progress_delay=0),  # piped or a log file
        Console(err=Terminal(), environ={"CI": "true"}, progress_delay=0),  # a CI log
        Console(err=Terminal(), environ={"GITHUB_ACTIONS": "true"}, progress_delay=0),
        Console(err=Terminal(), environ={}, quiet=True, progress_delay=0),
    ],
    ids=["pipe", "ci", "github", "quiet"],
)
def test_no_bar_off_a_terminal(console: Console) -> None:
    assert _analyze(console) == ""


def test_verbose_off_a_terminal_logs_each_step() -> None:
    logged = _analyze(Console(err=io.StringIO(), environ={}, verbose=True)).splitlines()
    steps = [line for line in logged if line.startswith("analyzing ")]
    assert [s.split(": ", 1)[1].rsplit(" (", 1)[0] for s in steps] == list(STEPS)


def test_a_failing_step_closes_the_bar(tmp_path: Path) -> None:
    """An error message after a half-drawn bar starts on a fresh line."""
    from nsmcode.diagnostics import InputError

    console = Console(err=Terminal(), environ={}, progress_delay=0)
    with pytest.raises(InputError):
        analyze_project(
            load_project(EXAMPLE), outcome="no_such_metric", progress=console.steps("analyzing")
        )
    drawn = console.err.getvalue()  # type: ignore[union-attr]
    assert "1/5  opening the connection" in drawn and drawn.endswith("\n")


def test_piped_cli_run_draws_nothing() -> None:
    from click.testing import CliRunner

    from nsmcode.cli import main

    result = CliRunner().invoke(main, ["analyze", "--project", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "Result: PASS" in result.stdout
