"""docs/python.md runs as written: every ```python block, in order, in one namespace (as in a
notebook), on the example project; each `# output` comment under a statement is checked against
the statement's value (its repr) or what it printed."""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "python.md"


def cells(text: str) -> list[tuple[str, list[str]]]:
    """(code, expected output lines) pairs, in order."""
    out: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
        code: list[str] = []
        expected: list[str] = []
        for line in block.splitlines():
            if line.startswith("# "):
                expected.append(line[2:])
                continue
            if expected:
                out.append(("\n".join(code), expected))
                code, expected = [], []
            code.append(line)
        out.append(("\n".join(code), expected))
    return [(c, e) for c, e in out if c.strip()]


def run(code: str, namespace: dict[str, Any]) -> list[str]:
    """Run a cell; the lines it printed, else the repr of its last expression."""
    tree = ast.parse(code)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        if last is not None:
            exec(compile(ast.Module(tree.body[:-1], []), "python.md", "exec"), namespace)
            value = eval(compile(ast.Expression(last.value), "python.md", "eval"), namespace)
        else:
            exec(compile(tree, "python.md", "exec"), namespace)
            value = None
    if printed.getvalue():
        return printed.getvalue().rstrip("\n").splitlines()
    return [] if value is None else repr(value).splitlines()


def test_python_docs_run(monkeypatch: pytest.MonkeyPatch, example_data: Path) -> None:
    monkeypatch.chdir(ROOT)
    assert example_data.is_dir()
    namespace: dict[str, Any] = {}
    checked = 0
    for code, expected in cells(DOC.read_text()):
        got = run(code, namespace)
        if expected:
            assert got == expected, code
            checked += 1
    assert checked >= 15
    assert os.getcwd() == str(ROOT)
