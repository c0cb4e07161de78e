"""The pre-commit hooks, installed by pre-commit itself into a throwaway repository and run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
HOOKS = ("nsmcode-validate", "nsmcode-compile-check")


def test_hooks_file_declares_both_hooks() -> None:
    hooks: list[dict[str, Any]] = YAML(typ="safe").load(
        (REPO / ".pre-commit-hooks.yaml").read_text()
    )
    by_id = {hook["id"]: hook for hook in hooks}
    assert set(by_id) == set(HOOKS)
    for hook in hooks:
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["entry"].startswith("nsmcode ")
        assert "yaml" in hook["files"] and "yml" in hook["files"]
    assert by_id["nsmcode-compile-check"]["entry"] == "nsmcode compile --check"


def _nsmcode(cwd: Path, *args: str) -> None:
    result = subprocess.run(
        [str(BIN / "nsmcode"), *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _pre_commit(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("NO_COLOR", None)
    return subprocess.run(
        [str(BIN / "pre-commit"), "run", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_hooks_install_and_run_in_a_repository(
    source_tree: Path, tmp_path: Path, run_git: Callable[..., str]
) -> None:
    """pre-commit clones nsmcode at a commit, builds its own venv, installs it and runs both hooks:
    clean definitions and fresh SQL pass; a broken definition and drifted SQL fail, located."""
    repo = tmp_path / "analytics"
    repo.mkdir()
    run_git(repo, "init", "-q")
    _nsmcode(repo, "init", "metrics")
    _nsmcode(repo, "compile", "--project", "metrics")
    rev = run_git(source_tree, "rev-parse", "HEAD")
    config = {
        "repos": [
            {
                "repo": str(source_tree),
                "rev": rev,
                "hooks": [{"id": hook, "args": ["--project", "metrics"]} for hook in HOOKS],
            }
        ]
    }
    yaml = YAML(typ="safe")
    with (repo / ".pre-commit-config.yaml").open("w") as handle:
        yaml.dump(config, handle)
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "metrics")

    home = tmp_path / "pre-commit-home"
    clean = _pre_commit(repo, home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    for name in ("nsmcode validate", "nsmcode compile --check"):
        assert any(
            line.startswith(name) and line.endswith("Passed") for line in clean.stdout.splitlines()
        ), clean.stdout

    # a typo in a definition: validate fails and says where
    definitions = sorted((repo / "metrics" / "metrics").glob("*.yaml"))
    target = next(p for p in definitions if "calculation:" in p.read_text())
    text = target.read_text()
    target.write_text(text.replace("calculation:", "calculaton:", 1))
    broken = _pre_commit(repo, home)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "nsmcode validate" in broken.stdout and "Failed" in broken.stdout
    assert f"{target.name}:" in broken.stdout and "calculaton" in broken.stdout

    # a meaningful change without recompiling: the committed SQL has drifted
    target.write_text(text)
    changed = text.replace("grain: week", "grain: month", 1)
    assert changed != text
    target.write_text(changed)
    drifted = _pre_commit(repo, home)
    assert drifted.returncode == 1, drifted.stdout + drifted.stderr
    lines = drifted.stdout.splitlines()
    assert any(
        line.startswith("nsmcode compile --check") and line.endswith("Failed") for line in lines
    ), drifted.stdout
