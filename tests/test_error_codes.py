"""Every compile, run and analysis code (C, R, A) the source can raise is in docs/spec.md's error
table, every code of the table is raised somewhere, and every one comes with a hint."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CODE = re.compile(r"[CRA]\d{3}")


def _source_codes() -> dict[str, list[str]]:
    """Code literals in the package: code -> files using it."""
    found: dict[str, list[str]] = {}
    for path in sorted((REPO / "nsmcode").rglob("*.py")):
        for code in re.findall(r"[\"']([CRA]\d{3})[\"']", path.read_text(encoding="utf-8")):
            found.setdefault(code, []).append(path.name)
    return found


def _table_codes() -> list[str]:
    text = (REPO / "docs" / "spec.md").read_text(encoding="utf-8")
    section = text.split("## Compile, run and analysis error codes", 1)[1]
    return re.findall(r"^\| ([CRA]\d{3}) \|", section, flags=re.MULTILINE)


def test_every_code_in_the_source_is_in_the_spec_table() -> None:
    missing = sorted(set(_source_codes()) - set(_table_codes()))
    assert not missing, f"add these codes to docs/spec.md's error table: {missing}"


def test_every_code_in_the_spec_table_is_raised_somewhere() -> None:
    table = _table_codes()
    assert len(table) == len(set(table)), "a code is listed twice"
    unused = sorted(set(table) - set(_source_codes()))
    assert not unused, f"docs/spec.md lists codes nothing raises: {unused}"


def test_the_table_covers_the_compilers_own_list() -> None:
    from nsmcode.compile.errors import CODES

    assert set(CODES) <= set(_table_codes())


def _diagnostics_without_hint() -> list[str]:
    """`Diagnostic(...)` or `fail(...)` calls with a literal C/R/A code and no hint. Compile
    codes raised through CompileError get the code's default hint (errors.HINTS)."""
    from nsmcode.compile.errors import HINTS

    bare: list[str] = []
    for path in sorted((REPO / "nsmcode").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            first = node.args[0]
            if name not in ("Diagnostic", "fail") or not isinstance(first, ast.Constant):
                continue
            code = first.value
            if not isinstance(code, str) or not CODE.fullmatch(code) or code in HINTS:
                continue
            hinted = len(node.args) >= 4 or any(k.arg == "hint" for k in node.keywords)
            if not hinted:
                bare.append(f"{path.relative_to(REPO)}:{node.lineno} {code}")
    return bare


def test_every_code_comes_with_a_hint() -> None:
    assert _diagnostics_without_hint() == []


def test_compile_errors_fill_in_the_hint() -> None:
    from nsmcode.compile.errors import CompileError
    from nsmcode.diagnostics import Diagnostic

    error = CompileError([Diagnostic("C011", "column 'x' is not declared")])
    assert error.diagnostics[0].hint
    assert "hint: " in str(error)
