"""Shared fixtures: the example project, a CLI runner, and helpers to write throwaway projects."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "metrics"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


EXAMPLE_TABLES = (
    "accounts",
    "users",
    "docs_visits",
    "api_calls",
    "deployments",
    "subscription_events",
    "invoices",
    "subscription_snapshots",
)


@pytest.fixture(scope="session", autouse=True)
def example_data() -> Path:
    """The example's generated data (git-ignored), made once if missing, as a user would with
    `python examples/metrics/generate_data.py`: commands run on the example need it."""
    data = EXAMPLE / "data"
    if not all((data / f"{t}.parquet").is_file() for t in EXAMPLE_TABLES):
        script = str(EXAMPLE / "generate_data.py")
        subprocess.run([sys.executable, script], check=True, capture_output=True)
    return data


WriteProject = Callable[..., Path]


@pytest.fixture
def write_project(tmp_path: Path) -> WriteProject:
    """Write a project: `files` maps relative paths to YAML text (dedented)."""

    def write(files: dict[str, str], project_yaml: str | None = None) -> Path:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        (root / "nsmcode.yaml").write_text(
            textwrap.dedent(project_yaml or "version: 1\nname: test\npaths: [metrics]\n")
        )
        (root / "metrics").mkdir(exist_ok=True)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return root

    return write
