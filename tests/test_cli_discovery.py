"""The CLI finds its project like git does, takes global flags anywhere, and says what it means."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import globals_first, main
from tests.conftest import EXAMPLE, WriteProject


def test_project_is_found_upward_from_a_subfolder(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLE / "definitions" / "kpis")
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "relay" in result.output


def test_no_project_anywhere_above_is_an_input_error(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 2
    assert "E009" in result.output and "nsmcode.yaml" in result.output


def test_project_may_name_the_project_file(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", "--project", str(EXAMPLE / "nsmcode.yaml")])
    assert result.exit_code == 0, result.output


def test_a_missing_project_folder_is_named(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    result = runner.invoke(main, ["validate", "--project", str(missing)])
    assert result.exit_code == 2
    assert f"folder '{missing}' does not exist" in result.output


def test_project_option_rejects_a_file_that_is_not_yaml(runner: CliRunner, tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("x")
    result = runner.invoke(main, ["validate", "--project", str(other)])
    assert result.exit_code == 2
    assert "neither a folder nor an nsmcode.yaml file" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["validate", "-q"], ["-q", "validate"]),
        (["okr", "status", "--no-color", "-v"], ["--no-color", "-v", "okr", "status"]),
        (["query", "m", "--", "-q"], ["query", "m", "--", "-q"]),
        (["-q", "compile"], ["-q", "compile"]),
    ],
)
def test_global_flags_move_in_front(args: list[str], expected: list[str]) -> None:
    assert globals_first(args) == expected


def test_verbose_after_the_subcommand_is_verbose(runner: CliRunner, tmp_path: Path) -> None:
    args = ["compile", "--project", str(EXAMPLE), "--dialect", "duckdb"]
    plain = runner.invoke(main, [*args, "--out", str(tmp_path / "a")])
    verbose = runner.invoke(main, [*args, "--out", str(tmp_path / "b"), "-v"])
    assert plain.exit_code == verbose.exit_code == 0
    assert len(verbose.output.splitlines()) > len(plain.output.splitlines())


NO_NORTH_STAR = """\
    sources:
      - name: s
        table: s
        time_column: ts
        columns:
          - {name: ts, type: timestamp}
    """


def test_no_color_after_the_subcommand_never_colours(
    runner: CliRunner, write_project: WriteProject
) -> None:
    root = write_project({"metrics/defs.yaml": NO_NORTH_STAR})
    args = ["validate", "--project", str(root)]
    coloured = runner.invoke(main, args, env={"FORCE_COLOR": "1"})
    plain = runner.invoke(main, [*args, "--no-color"], env={"FORCE_COLOR": "1"})
    assert coloured.exit_code == plain.exit_code == 1
    assert "\x1b[" in coloured.output
    assert "\x1b[" not in plain.output and "NSM001" in plain.output


def test_read_only_commands_do_not_claim_nothing_was_written(
    runner: CliRunner, write_project: WriteProject
) -> None:
    root = write_project({"metrics/defs.yaml": "metrics: [\n"})
    validate = runner.invoke(main, ["validate", "--project", str(root)])
    assert validate.exit_code == 2 and "nothing was written" not in validate.output
    compiled = runner.invoke(main, ["compile", "--project", str(root)])
    assert compiled.exit_code == 2 and "nothing was written" in compiled.output


@pytest.mark.parametrize(
    ("option", "wrong", "meant"),
    [("--segment", "plann", "'plan'"), ("--connection", "locl", "'local'")],
)
def test_misspelled_names_on_the_command_line_get_a_suggestion(
    runner: CliRunner, option: str, wrong: str, meant: str
) -> None:
    args = ["query", "weekly_active_integration_points", "--project", str(EXAMPLE)]
    result = runner.invoke(main, [*args, option, wrong])
    assert result.exit_code == 2
    assert f"did you mean {meant}?" in result.output
