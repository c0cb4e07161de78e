from __future__ import annotations

from pathlib import Path

import pytest
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


def test_init_ignores_the_outputs_and_docs_build_writes_beside_target(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`compile` writes <project>/target and `docs build` <project>/site by default, wherever it
    is run from; the starter's .gitignore keeps both out of git."""
    project = tmp_path / "starter"
    assert runner.invoke(main, ["init", str(project)]).exit_code == 0
    ignored = (project / ".gitignore").read_text().split()
    assert "target/" in ignored and "site/" in ignored
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["docs", "build", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert (project / "site" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["starter"]
    result = runner.invoke(main, ["compile", "--project", str(project), "--dialect", "duckdb"])
    assert result.exit_code == 0, result.output
    assert (project / "target" / "manifest.json").is_file()
