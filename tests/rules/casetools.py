"""Helpers for rule tests: build a throwaway project from YAML texts and run the rule pack."""

from __future__ import annotations

import textwrap
from pathlib import Path

from nsmcode.diagnostics import Diagnostic, InputError
from nsmcode.project import load_project
from nsmcode.rules import check_project

CASES = Path(__file__).parent / "cases"
COMMON = (CASES / "_common.yaml").read_text(encoding="utf-8")
DEFAULT_PROJECT = "version: 1\nname: case\npaths: [metrics]\n"


def build(root: Path, files: dict[str, str], *, common: bool = True) -> Path:
    """Write a project under `root`: `files` maps relative paths to YAML (nsmcode.yaml optional)."""
    root.mkdir(parents=True, exist_ok=True)
    texts = {"nsmcode.yaml": DEFAULT_PROJECT, **files}
    if common:
        texts.setdefault("metrics/_common.yaml", COMMON)
    (root / "metrics").mkdir(exist_ok=True)
    for rel, text in texts.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def findings(root: Path) -> list[Diagnostic]:
    """Every finding of the rule pack, configuration applied; input errors fail loudly."""
    try:
        project = load_project(root)
    except InputError as exc:  # a case that does not load is a broken case, not a finding
        raise AssertionError(f"the case project does not load:\n{exc}") from None
    return check_project(project).findings


def relative(diagnostic: Diagnostic, root: Path) -> str:
    """The finding's file relative to the project root, with '/' separators."""
    assert diagnostic.span is not None
    path = Path(diagnostic.span.file)
    if not path.is_absolute():
        path = Path.cwd() / path
    return path.resolve().relative_to(root.resolve()).as_posix()
