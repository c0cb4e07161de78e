"""Every rule's YAML cases (tests/rules/cases/<CODE>.yml), run by one parametrized test.

A case is a small project: `files` maps paths to YAML (the shared sources and qualifiers of
cases/_common.yaml are added unless `common: false`). A `pass_...` case must produce no finding of
the rule; a `fail_...` case must produce exactly the findings listed under `expect` (file, line,
optionally col, severity and a message fragment), no more, no fewer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from casetools import CASES, build, findings, relative
from ruamel.yaml import YAML

from nsmcode.diagnostics import Diagnostic
from nsmcode.rules import DEFAULT_RULES


def _load(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


CASE_FILES = {p.stem: _load(p) for p in sorted(CASES.glob("NSM*.yml"))}


def _params() -> list[Any]:
    out = []
    for code, data in CASE_FILES.items():
        for name, case in data["cases"].items():
            out.append(pytest.param(code, name, case, id=f"{code}-{name}"))
    return out


def test_every_rule_has_passing_and_failing_cases() -> None:
    codes = [r.code for r in DEFAULT_RULES]
    assert sorted(CASE_FILES) == sorted(codes)
    for code, data in CASE_FILES.items():
        assert data["rule"] == code
        names = list(data["cases"])
        assert any(n.startswith("pass_") for n in names), f"{code} has no pass_ case"
        assert any(n.startswith("fail_") for n in names), f"{code} has no fail_ case"
        for name in names:
            assert name.startswith(("pass_", "fail_")), name
            assert bool(data["cases"][name].get("expect")) == name.startswith("fail_"), name


def _default_file(case: dict[str, Any]) -> str | None:
    own = [f for f in case["files"] if f != "nsmcode.yaml"]
    return own[0] if len(own) == 1 else None


@pytest.mark.parametrize(("code", "name", "case"), _params())
def test_rule_case(code: str, name: str, case: dict[str, Any], tmp_path: Path) -> None:
    root = build(tmp_path / "project", case["files"], common=case.get("common", True))
    got = [d for d in findings(root) if d.code == code]
    default = _default_file(case)
    expected = case.get("expect") or []
    actual = sorted((relative(d, root), d.span.line if d.span else 0) for d in got)
    wanted = sorted((e.get("file", default), e["line"]) for e in expected)
    shown = "\n".join(f"{d.span} {d.severity.value} {d.message}" for d in got)
    assert actual == wanted, f"findings of {code}:\n{shown}"
    for e in expected:
        file = e.get("file", default)

        def matches(d: Diagnostic, e: dict[str, Any] = e, file: str | None = file) -> bool:
            assert d.span is not None
            return (
                relative(d, root) == file
                and d.span.line == e["line"]
                and d.span.col == e.get("col", d.span.col)
                and e.get("message", "") in d.message
                and d.severity.value == e.get("severity", d.severity.value)
                and bool(d.obj)
            )

        assert any(matches(d) for d in got), f"no finding matches {e}:\n{shown}"
