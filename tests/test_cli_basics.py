from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from nsmcode import __version__
from nsmcode.cli import main


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_init_creates_a_project_that_validates(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "starter"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "nsmcode.yaml").is_file()
    result = runner.invoke(main, ["validate", "--project", str(target)])
    assert result.exit_code == 0, result.output


def test_init_never_overwrites(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "starter"
    target.mkdir()
    (target / "nsmcode.yaml").write_text("mine\n")
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 2
    assert "never overwrites" in result.output
    assert (target / "nsmcode.yaml").read_text() == "mine\n"
