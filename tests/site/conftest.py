"""Fixtures for the docs-site tests."""

from __future__ import annotations

import pytest
from site_html import MINI

from nsmcode.project import Project, load_project


@pytest.fixture(scope="session")
def mini() -> Project:
    return load_project(MINI)
