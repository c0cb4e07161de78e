"""The engine's configuration: suppressions are per definition, overrides per rule, baselines per
(object, code), and rules can be chosen; plus the registry itself."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from casetools import build, findings

from nsmcode.diagnostics import Diagnostic, InputError, Severity, Span
from nsmcode.project import load_project
from nsmcode.rules import DEFAULT_RULES, check_project, rule_for
from nsmcode.rules.baseline import apply_baseline, read_baseline, write_baseline
from nsmcode.rules.engine import Context
from nsmcode.rules.inputs import InputUncategorised

TWO_UNCATEGORISED = """\
metrics:
  - name: first_input
    role: input
    source: api_calls
    calculation: {type: count}
    qualifiers: [production_only, real_accounts]
    suppress:
      - {rule: NSM011, reason: Categorised next sprint.}
  - name: second_input
    role: input
    source: api_calls
    calculation: {type: count}
    qualifiers: [production_only, real_accounts]
"""


def test_a_suppression_silences_only_its_own_definition(tmp_path: Path) -> None:
    root = build(tmp_path, {"metrics/m.yaml": TWO_UNCATEGORISED})
    outcome = check_project(load_project(root))
    uncategorised = [d.obj for d in outcome.findings if d.code == "NSM011"]
    assert uncategorised == ["metric:second_input"]
    assert [d.obj for d in outcome.silenced if d.code == "NSM011"] == ["metric:first_input"]
    assert outcome.suppressed == len(outcome.silenced)


def test_overrides_apply_to_every_finding_of_the_rule(tmp_path: Path) -> None:
    project = (
        "version: 1\nname: t\npaths: [metrics]\nrules:\n  overrides:\n"
        "    - {rule: NSM011, severity: info, reason: Categories are optional for us.}\n"
    )
    root = build(tmp_path, {"nsmcode.yaml": project, "metrics/m.yaml": TWO_UNCATEGORISED})
    got = [(d.obj, d.severity) for d in findings(root) if d.code == "NSM011"]
    assert got == [("metric:second_input", Severity.INFO)], "suppression first, then override"


def test_check_project_runs_only_the_rules_given(tmp_path: Path) -> None:
    root = build(tmp_path, {"metrics/m.yaml": TWO_UNCATEGORISED})
    outcome = check_project(load_project(root), [InputUncategorised])
    assert {d.code for d in outcome.findings} == {"NSM011"}


def test_findings_are_sorted_by_place(tmp_path: Path) -> None:
    root = build(tmp_path, {"metrics/m.yaml": TWO_UNCATEGORISED})
    got = findings(root)
    keys = [(d.span.file, d.span.line, d.span.col) for d in got if d.span]
    assert keys == sorted(keys)


def test_rule_lookup_by_code_or_name() -> None:
    assert rule_for("NSM011") is InputUncategorised
    assert rule_for(" nsm011 ") is InputUncategorised
    assert rule_for("inputs.uncategorised") is InputUncategorised
    assert rule_for("NSM999") is None
    codes = [r.code for r in DEFAULT_RULES]
    names = [r.name for r in DEFAULT_RULES]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    assert codes == sorted(codes), "codes follow the registry's order"


def _finding(obj: str, code: str, line: int) -> Diagnostic:
    return Diagnostic(code, "m", Span("f.yaml", line, 1), None, Severity.ERROR, obj)


def test_baseline_counts_per_object_and_code(tmp_path: Path) -> None:
    old = [_finding("okr:a", "NSM021", 5), _finding("okr:a", "NSM021", 9)]
    path = tmp_path / "b.json"
    assert write_baseline(path, old) == 2
    assert json.loads(path.read_text())["findings"] == [
        {"code": "NSM021", "count": 2, "obj": "okr:a"}
    ]
    accepted = read_baseline(path)
    assert accepted == Counter({("okr:a", "NSM021"): 2})
    now = [*old, _finding("okr:a", "NSM021", 30), _finding("okr:b", "NSM021", 2)]
    new, dropped = apply_baseline(now, accepted)
    assert dropped == 2
    assert [(d.obj, d.span.line if d.span else 0) for d in new] == [("okr:a", 30), ("okr:b", 2)]


@pytest.mark.parametrize(
    "document",
    [
        {"version": 1},
        {"version": 1, "findings": [{"obj": "metric:x"}]},
        {"version": 1, "findings": [{"obj": "metric:x", "code": "NSM001", "count": 0}]},
        [],
    ],
)
def test_malformed_baselines_are_input_errors(document: object, tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError) as caught:
        read_baseline(path)
    assert caught.value.diagnostics[0].code == "E020"


TREE = """\
metrics:
  - name: points
    source: api_calls
    calculation: {type: count_distinct, columns: [account_id, endpoint]}
  - name: points_28d
    role: north_star
    calculation: {type: cumulative, metric: points, window: 28 days}
  - {name: new_accounts, role: input, drives: points, source: accounts, calculation: {type: count}}
  - name: readers
    role: input
    drives: new_accounts
    source: docs_visits
    calculation: {type: count}
  - {name: loop_a, role: input, drives: loop_b, source: accounts, calculation: {type: count}}
  - {name: loop_b, role: input, drives: loop_a, source: accounts, calculation: {type: count}}
  - {name: errors, role: guardrail, source: api_calls, calculation: {type: count}}
  - {name: calls, source: api_calls, calculation: {type: count}}
  - name: calls_per_reader
    role: input
    calculation: {type: ratio, numerator: calls, denominator: readers}
  - {name: orphan, source: api_calls, calculation: {type: count}}
"""
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"


@pytest.mark.parametrize("which", ["example", "tree"])
def test_the_laddering_set_agrees_with_the_project_walk(which: str, tmp_path: Path) -> None:
    root = EXAMPLE if which == "example" else build(tmp_path, {"metrics/m.yaml": TREE})
    project = load_project(root)
    ctx = Context(project, DEFAULT_RULES)
    walked = {m for m in project.metrics if project.ladders_to_north_star(m)}
    assert ctx.laddering == walked
    if which == "tree":
        assert {"loop_a", "loop_b", "orphan"}.isdisjoint(walked)
        assert {"points", "readers", "calls", "calls_per_reader", "errors"} <= walked


def test_an_unparsable_condition_counts_as_referencing_nothing(tmp_path: Path) -> None:
    qualifier = (
        "qualifiers:\n  - name: broken\n    condition: environment = 'production\n"
        "    reason: Typo in the quote.\n"
    )
    metric = (
        "metrics:\n  - name: points\n    role: north_star\n    source: api_calls\n"
        "    calculation: {type: count}\n    qualifiers: [broken, real_accounts]\n"
    )
    root = build(tmp_path, {"metrics/q.yaml": qualifier, "metrics/m.yaml": metric})
    got = [d for d in findings(root) if d.code == "NSM005"]
    assert len(got) == 1 and "api_calls.environment" in got[0].message
