"""An output path under a file is named as such (the file, "is a file, not a folder", exit 2),
not as the operating system's "File exists" or "Not a directory" at a path that is not the
problem (docs/cli.md, "Where outputs go")."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from tests.conftest import EXAMPLE


@pytest.mark.parametrize(
    "args",
    [
        ["compile", "--dialect", "duckdb", "--out", "{file}/target"],
        ["compile", "--dialect", "duckdb", "--out", "{file}/deeper/target"],
        ["docs", "build", "--out", "{file}/site"],
        ["docs", "build", "--out", "{file}/deeper/site"],
    ],
)
def test_out_under_a_file(runner: CliRunner, tmp_path: Path, args: list[str]) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("mine\n")
    given = [a.format(file=file) for a in args]
    result = runner.invoke(main, [*given, "--project", str(EXAMPLE)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"{file}:1:1: E009 the file system refused: {file} is a file, not a folder\n"
        "  hint: write under a folder, or move the file away\n"
    ), result.stderr
    assert file.read_text() == "mine\n"  # the user's file is untouched
