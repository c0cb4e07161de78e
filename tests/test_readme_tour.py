"""The README's tour runs verbatim, as a newcomer pastes it from the repository root and from
`definitions/`: every line exits 0 (or 1 where it reports findings or goals off track)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, REPO

# Commands whose exit code 1 means "findings" (a goal off track, a check failed), not an error.
MAY_REPORT_FINDINGS = ("okr status", "kpi status", "analyze")


def tour() -> list[str]:
    text = (REPO / "README.md").read_text()
    block = re.search(r"## A tour\n.*?```sh\n(.*?)```", text, re.S)
    assert block, "the README has a tour"
    return [line.split("  #")[0].strip() for line in block[1].splitlines() if line.strip()]


def test_the_tour_starts_in_the_example() -> None:
    lines = tour()
    assert lines[0] == "cd examples/metrics"
    assert all(line.startswith("nsmcode ") for line in lines[1:])
    assert not any("--project" in line for line in lines), "the tour relies on finding the project"


def _run(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    words = shlex.split(line)
    nsmcode = [sys.executable, "-m", "nsmcode"]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [*nsmcode, *words[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
@pytest.mark.parametrize("start", ["root", "definitions"])
def test_the_readme_tour_runs_verbatim(start: str, tmp_path: Path) -> None:
    """In a copy of the repository's example (with its generated data), so nothing is written
    into the checkout."""
    root = tmp_path / "repo"
    shutil.copytree(
        EXAMPLE, root / "examples" / "metrics", ignore=shutil.ignore_patterns("target", "site")
    )
    cwd = root
    for line in tour():
        if line.startswith("cd "):
            cwd = (cwd / line[3:]).resolve()
            if start == "definitions":
                cwd = cwd / "definitions"
            continue
        done = _run(line, cwd)
        allowed = (0, 1) if any(line[8:].startswith(c) for c in MAY_REPORT_FINDINGS) else (0,)
        assert done.returncode in allowed, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        assert "Traceback" not in done.stderr, line
    project = root / "examples" / "metrics"
    assert (project / "target" / "manifest.json").is_file()
    assert (project / "site" / "index.html").is_file()
    assert (project / ".nsmcode" / "definitions.schema.json").is_file()
    assert (root / "examples" / "my-metrics" / "nsmcode.yaml").is_file() or (
        project / "my-metrics" / "nsmcode.yaml"
    ).is_file()
