"""Fixtures for tests that build, install and hook nsmcode as users do.

`source_tree` is a throwaway git repository holding the current working tree (tracked files and
new files not ignored), committed: what a user would get by cloning the repository, including
changes not committed yet, so the tests check the code as it is now.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
GIT_ENV = {
    "GIT_AUTHOR_NAME": "nsmcode tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "nsmcode tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(cwd)}
    result = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def working_tree_files() -> list[str]:
    """Files a clone would hold: tracked and new-but-not-ignored, that exist right now."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(
        rel
        for rel in set(listed.split("\0"))
        if rel and (REPO / rel).is_file() and not rel.startswith(("examples/metrics/data/",))
    )


@pytest.fixture(scope="session")
def source_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed git repository holding the current working tree (only nsmcode's own files)."""
    root = tmp_path_factory.mktemp("source") / "nsmcode"
    root.mkdir()
    for rel in working_tree_files():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, target)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "snapshot of the working tree")
    return root


@pytest.fixture
def run_git() -> Callable[..., str]:
    """`run_git(folder, *args)`: git with a fixed identity and no user or system config."""
    return git
