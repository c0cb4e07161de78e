"""Fixtures for the docs-site tests: the small fixture project, and the example's handbook built
with its generated data (the session-wide `example_data` fixture makes the data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_html import EXAMPLE, MINI

from nsmcode.project import Project, load_project
from nsmcode.site import BuildResult, build_site


@pytest.fixture(scope="session")
def mini() -> Project:
    return load_project(MINI)


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory, example_data: Path) -> BuildResult:
    """The example's handbook with current values (`docs build --with-data`), built once."""
    out = tmp_path_factory.mktemp("example") / "site"
    return build_site(load_project(EXAMPLE), out, with_data=True)


@pytest.fixture(scope="session")
def example_site(example_build: BuildResult) -> Path:
    return example_build.out
