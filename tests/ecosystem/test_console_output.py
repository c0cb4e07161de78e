"""Terminal output: colour on terminals only, NO_COLOR, CI logs, --quiet, --verbose, progress."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.console import Console, Progress, wants_colour

FIXTURES = Path(__file__).resolve().parent.parent / "dbt" / "fixtures"
ESC = "\x1b["


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"CI": "true"}, False),
        (True, {"GITHUB_ACTIONS": "true"}, False),
        (True, {"CI": "false"}, True),
        (True, {"TERM": "dumb"}, False),
        (False, {"FORCE_COLOR": "1"}, True),
        (True, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_colour_decision(tty: bool, env: dict[str, str], expected: bool) -> None:
    stream = Terminal() if tty else io.StringIO()
    assert wants_colour(stream, env) is expected


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "FORCE_COLOR")}
    env.pop("GITHUB_ACTIONS", None)
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


def _run_in_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run nsmcode with stdout and stderr on a real pseudo-terminal; return what it showed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nsmcode", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


# semantic models only (no metrics to compile): quick, and reports measures not carried over
UNSUPPORTED = FIXTURES / "unsupported" / "semantic.yml"
SUPPORTED = FIXTURES / "shop" / "models" / "marts" / "customers.yml"
IMPORT = ["import", "dbt", str(UNSUPPORTED), "--dry-run"]


def test_a_terminal_gets_colour() -> None:
    shown = _run_in_terminal(IMPORT, _clean_env())
    assert "D101" in shown
    assert ESC in shown


def test_no_color_turns_colour_off_on_a_terminal() -> None:
    shown = _run_in_terminal(IMPORT, _clean_env(NO_COLOR="1"))
    assert "D101" in shown
    assert ESC not in shown


def test_ci_logs_get_no_colour_even_through_a_terminal() -> None:
    shown = _run_in_terminal(IMPORT, _clean_env(CI="true"))
    assert "D101" in shown
    assert ESC not in shown


def test_a_pipe_gets_no_colour() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nsmcode", *IMPORT],
        capture_output=True,
        text=True,
        env=_clean_env(),
        check=False,
    )
    assert result.returncode == 1
    assert "D101" in result.stderr
    assert ESC not in result.stdout + result.stderr


def test_quiet_keeps_results_and_problems_only(runner: CliRunner, tmp_path: Path) -> None:
    args = ["import", "dbt", str(SUPPORTED), "--out"]
    loud = runner.invoke(main, [*args, str(tmp_path / "a")])
    quiet = runner.invoke(main, ["--quiet", *args, str(tmp_path / "b")])
    assert loud.exit_code == quiet.exit_code == 0
    assert "created" in loud.output and "next:" in loud.output
    assert quiet.output == ""
    assert (tmp_path / "b" / "nsmcode.yaml").is_file()
    # problems are never hidden
    unsupported = ["import", "dbt", str(UNSUPPORTED), "--out", str(tmp_path / "c")]
    result = runner.invoke(main, ["-q", *unsupported])
    assert result.exit_code == 1
    assert "D101" in result.output and "created" not in result.output


def test_verbose_adds_detail(runner: CliRunner, tmp_path: Path) -> None:
    args = ["import", "dbt", str(SUPPORTED), "--dry-run"]
    plain = runner.invoke(main, args)
    verbose = runner.invoke(main, ["--verbose", *args])
    assert "read 1 dbt file: " in verbose.output
    assert "read 1 dbt file: " not in plain.output


def test_quiet_and_verbose_together_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["-q", "-v", "schema"])
    assert result.exit_code == 2
    assert "cannot be used together" in result.output


def _progress(console: Console, n: int = 3, delay: float = 0.0) -> list[int]:
    return list(Progress(range(n), "compiling", console, delay=delay))


def test_progress_bar_on_a_terminal() -> None:
    err = Terminal()
    assert _progress(Console(err=err, environ={})) == [0, 1, 2]
    drawn = err.getvalue()  # drawn by click's progress bar, one redraw a step
    assert "compiling  [############------------------------]  1/3  0" in drawn
    assert "compiling  [####################################]  3/3  2" in drawn
    assert drawn.endswith("\n")  # the finished bar stays, the cursor on a fresh line


@pytest.mark.parametrize(
    "console",
    [
        Console(err=io.StringIO(), environ={}),  # a pipe or a log file
        Console(err=Terminal(), environ={"CI": "true"}),  # a CI log
        Console(err=Terminal(), environ={}, quiet=True),
    ],
    ids=["pipe", "ci", "quiet"],
)
def test_no_progress_bar_off_terminals(console: Console) -> None:
    assert _progress(console) == [0, 1, 2]
    assert console.err is not None and console.err.getvalue() == ""  # type: ignore[attr-defined]


def test_quick_jobs_draw_nothing() -> None:
    err = Terminal()
    assert _progress(Console(err=err, environ={}), delay=60) == [0, 1, 2]
    assert err.getvalue() == ""


def test_verbose_logs_each_item_where_there_is_no_bar() -> None:
    err = io.StringIO()
    console = Console(err=err, environ={}, verbose=True)
    assert list(console.progress(["orders", "revenue"], "compiling")) == ["orders", "revenue"]
    lines = [re.sub(r" \(\d+\.\d\d s\)$", "", line) for line in err.getvalue().splitlines()]
    assert lines == ["compiling 1/2: orders", "compiling 2/2: revenue"]  # each once it is done


def test_verbose_logs_an_item_once_it_is_done() -> None:
    err = io.StringIO()
    steps = Console(err=err, environ={}, verbose=True).progress(["orders", "revenue"], "compiling")
    assert next(steps) == "orders"
    assert err.getvalue() == ""  # under way
    assert next(steps) == "revenue"
    assert re.fullmatch(r"compiling 1/2: orders \(\d+\.\d\d s\)\n", err.getvalue())


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`nsmcode ... | head -1`: no "internal error" when the reader stops reading."""
    models = "".join(
        f"  - name: table_{i}\n    model: ref('table_{i}')\n"
        f"    entities: [{{name: key_{i}, type: primary, expr: id}}]\n"
        "    dimensions: [{name: colour, type: categorical}, {name: size, type: categorical}]\n"
        for i in range(400)
    )
    dbt = tmp_path / "big.yml"
    dbt.write_text("semantic_models:\n" + models)  # prints more than a pipe buffer holds
    command = f"{sys.executable} -m nsmcode import dbt {dbt} --dry-run | head -n 1"
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env=_clean_env(), check=False
    )
    assert result.stdout.startswith("# --- nsmcode.yaml")
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
