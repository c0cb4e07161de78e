"""`nsmcode validate` and `nsmcode rules` end to end: formats, exit codes, baselines, errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.rules import DEFAULT_RULES

REPO = Path(__file__).resolve().parent.parent
WriteProject = Callable[..., Path]

CLEAN = """\
sources:
  - name: api_calls
    table: api_calls
    time_column: called_at
    entities:
      - {name: account, column: account_id}
    columns:
      - {name: account_id, type: string, semantic: identifier}
      - {name: called_at, type: timestamp}
      - {name: endpoint, type: string}
      - {name: environment, type: string, semantic: environment}
      - {name: status_code, type: integer}
qualifiers:
  - name: production_only
    condition: environment = 'production'
    reason: Sandbox calls are free and scriptable; they are not customer value.
metrics:
  - name: weekly_active_integration_points
    role: north_star
    description: Distinct (account, endpoint) pairs called in production in the week.
    value: Teams that wire more of the API into production get more done with it.
    source: api_calls
    calculation: {type: count_distinct, columns: [account_id, endpoint]}
    qualifiers: [production_only]
    grain: week
    entity: account
  - name: weekly_active_accounts
    role: input
    category: product
    source: api_calls
    calculation: {type: count_distinct, columns: [account_id]}
    qualifiers: [production_only]
  - name: weekly_production_calls
    role: input
    category: dx
    source: api_calls
    calculation: {type: count}
    qualifiers: [production_only]
  - name: weekly_endpoints_used
    role: input
    category: growth
    source: api_calls
    calculation: {type: count_distinct, columns: [endpoint]}
    qualifiers: [production_only]
  - name: weekly_server_errors
    role: guardrail
    source: api_calls
    calculation: {type: count}
    qualifiers: [production_only]
    filter: status_code >= 500
"""

UNUSED_QUALIFIER = """\
  - name: successful_calls
    condition: status_code < 500
    reason: Failed calls deliver no value.
"""


def _with_warning(text: str) -> str:
    """An unused qualifier: one warning (NSM040), no error."""
    return text.replace("metrics:\n", UNUSED_QUALIFIER + "metrics:\n", 1)


def _with_error(text: str) -> str:
    """An input without a category: one error (NSM011), at its `role` (line 28 of CLEAN)."""
    return text.replace("    category: product\n", "", 1)


def _run(runner: CliRunner, root: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, ["validate", "--project", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_clean_project_exits_0(runner: CliRunner, write_project: WriteProject) -> None:
    root = write_project({"metrics/defs.yaml": CLEAN})
    code, out, _ = _run(runner, root, "--fail-on", "warning")
    assert code == 0, out
    assert out.strip() == "test: 5 metrics checked: no problems found."


def test_text_output_lists_each_finding_with_its_hint_and_a_summary(
    runner: CliRunner, write_project: WriteProject
) -> None:
    root = write_project({"metrics/defs.yaml": _with_error(_with_warning(CLEAN))})
    code, out, _ = _run(runner, root)
    assert code == 1
    lines = out.splitlines()
    path = Path(root / "metrics" / "defs.yaml")
    shown = lines[0].split(":")[0]
    assert Path(shown).resolve() == path.resolve()
    assert re.fullmatch(
        r".*defs\.yaml:17:11: NSM040 \[warning\] qualifier 'successful_calls' .*", lines[0]
    )
    assert lines[1].startswith("  hint: ")
    assert re.fullmatch(
        r".*defs\.yaml:31:11: NSM011 \[error\] input 'weekly_active_accounts' .*", lines[2]
    )
    assert lines[3].startswith("  hint: ")
    assert lines[4] == "test: 1 error, 1 warning, 0 info."
    assert _run(runner, root)[1] == out, "output is deterministic"


def test_fail_on_sets_the_severity_that_fails(
    runner: CliRunner, write_project: WriteProject
) -> None:
    root = write_project({"metrics/defs.yaml": _with_warning(CLEAN)})
    assert _run(runner, root)[0] == 0
    assert _run(runner, root, "--fail-on", "error")[0] == 0
    assert _run(runner, root, "--fail-on", "warning")[0] == 1
    assert _run(runner, root, "--fail-on", "info")[0] == 2  # not a choice


def test_json_output(runner: CliRunner, write_project: WriteProject) -> None:
    root = write_project({"metrics/defs.yaml": _with_error(_with_warning(CLEAN))})
    code, out, _ = _run(runner, root, "--format", "json")
    assert code == 1
    document = json.loads(out)
    results = document["results"]
    assert results["project"] == "test"
    assert results["input_error"] is False
    assert results["summary"] == {
        "error": 1,
        "warning": 1,
        "info": 0,
        "suppressed": 0,
        "baselined": 0,
    }
    first, second = document["diagnostics"]
    assert (first["code"], first["severity"], first["line"], first["col"]) == (
        "NSM040",
        "warning",
        17,
        11,
    )
    assert first["obj"] == "qualifier:successful_calls"
    assert first["name"] == "hygiene.unused-qualifier"
    assert (second["code"], second["obj"]) == ("NSM011", "metric:weekly_active_accounts")
    assert second["hint"]


def test_github_annotations(runner: CliRunner, write_project: WriteProject) -> None:
    root = write_project({"metrics/defs.yaml": _with_error(_with_warning(CLEAN))})
    code, out, _ = _run(runner, root, "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert re.fullmatch(
        r"::warning file=[^,]*defs\.yaml,line=17,col=11,title=NSM040 hygiene\.unused-qualifier::"
        r"qualifier 'successful_calls' is not applied by any metric%0Ahint: .*",
        lines[0],
    )
    assert lines[1].startswith("::error file=") and ",line=31,col=11,title=NSM011 " in lines[1]


def test_sarif_output_has_rules_and_line_free_fingerprints(
    runner: CliRunner, write_project: WriteProject
) -> None:
    root = write_project({"metrics/defs.yaml": _with_error(CLEAN)})
    code, out, _ = _run(runner, root, "--format", "sarif")
    assert code == 1
    run = json.loads(out)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in DEFAULT_RULES]
    (result,) = run["results"]
    assert result["ruleId"] == "NSM011" and result["level"] == "error"
    assert rules[result["ruleIndex"]]["id"] == "NSM011"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (28, 11)
    moved = write_project({"metrics/defs.yaml": "# a comment\n\n" + _with_error(CLEAN)})
    again = json.loads(_run(runner, moved, "--format", "sarif")[1])["runs"][0]["results"][0]
    assert again["locations"][0]["physicalLocation"]["region"]["startLine"] == 30
    assert again["partialFingerprints"] == result["partialFingerprints"]


BROKEN = "metrics:\n  - name: weekly_active_integration_points\n    calculation: {type: sum}\n"


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_input_errors_are_reported_in_the_format_and_exit_2(
    fmt: str, runner: CliRunner, write_project: WriteProject
) -> None:
    root = write_project({"metrics/defs.yaml": BROKEN})
    code, out, err = _run(runner, root, "--format", fmt)
    assert code == 2
    assert "E005" in err, "loader errors still go to stderr as text"
    if fmt == "json":
        document = json.loads(out)
        assert document["results"]["input_error"] is True
        assert {f["code"] for f in document["diagnostics"]} >= {"E005"}
        assert document["diagnostics"][0]["line"] == 3
    elif fmt == "sarif":
        run = json.loads(out)["runs"][0]
        assert run["invocations"][0]["executionSuccessful"] is False
        assert any(r["ruleId"] == "E005" for r in run["results"])
    else:
        assert re.search(r"^::error file=[^,]*defs\.yaml,line=3,col=\d+,title=E005::", out, re.M)


def test_input_errors_in_text_format_go_to_stderr_only(
    runner: CliRunner, write_project: WriteProject
) -> None:
    root = write_project({"metrics/defs.yaml": BROKEN})
    code, out, err = _run(runner, root)
    assert code == 2 and out == ""
    assert "defs.yaml:3:" in err and "nothing was written" not in err  # validate writes nothing


def test_baseline_accepts_old_findings_and_blocks_new_ones(
    runner: CliRunner, write_project: WriteProject, tmp_path: Path
) -> None:
    root = write_project({"metrics/defs.yaml": _with_error(_with_warning(CLEAN))})
    baseline = tmp_path / "baseline.json"
    code, out, err = _run(runner, root, "--write-baseline", str(baseline))
    assert code == 0 and out == ""
    assert "2 findings accepted" in err
    document = json.loads(baseline.read_text())
    assert document == {
        "version": 1,
        "findings": [
            {"code": "NSM011", "count": 1, "obj": "metric:weekly_active_accounts"},
            {"code": "NSM040", "count": 1, "obj": "qualifier:successful_calls"},
        ],
    }
    assert baseline.read_text() == json.dumps(document, indent=2, sort_keys=True) + "\n"

    code, out, _ = _run(runner, root, "--baseline", str(baseline), "--fail-on", "warning")
    assert code == 0, out
    assert out.strip() == "test: 5 metrics checked: no problems found (2 baselined)."

    # moving every definition down does not make old findings new
    defs = root / "metrics" / "defs.yaml"
    defs.write_text("# moved\n\n\n" + defs.read_text())
    assert _run(runner, root, "--baseline", str(baseline), "--fail-on", "warning")[0] == 0

    # a new problem is reported, and only it
    defs.write_text(defs.read_text().replace("    category: dx\n", ""))
    code, out, _ = _run(runner, root, "--baseline", str(baseline))
    assert code == 1
    assert "weekly_production_calls" in out and "weekly_active_accounts" not in out
    assert out.splitlines()[-1] == "test: 1 error, 0 warnings, 0 info (2 baselined)."


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read baseline"), ("{", "not valid JSON"), ('{"version": 9}', "version")],
)
def test_a_bad_baseline_is_an_input_error(
    content: str | None,
    message: str,
    runner: CliRunner,
    write_project: WriteProject,
    tmp_path: Path,
) -> None:
    root = write_project({"metrics/defs.yaml": CLEAN})
    baseline = tmp_path / "baseline.json"
    if content is not None:
        baseline.write_text(content)
    code, _, err = _run(runner, root, "--baseline", str(baseline))
    assert code == 2
    assert message in err


def test_baseline_and_write_baseline_exclude_each_other(
    runner: CliRunner, write_project: WriteProject, tmp_path: Path
) -> None:
    root = write_project({"metrics/defs.yaml": CLEAN})
    b = str(tmp_path / "b.json")
    code, _, err = _run(runner, root, "--baseline", b, "--write-baseline", b)
    assert code == 2 and "not both" in err


def test_suppressed_findings_are_counted(runner: CliRunner, write_project: WriteProject) -> None:
    text = _with_error(CLEAN).replace(
        "  - name: weekly_active_accounts\n",
        "  - name: weekly_active_accounts\n"
        "    suppress: [{rule: NSM011, reason: Categorised in the next release.}]\n",
    )
    root = write_project({"metrics/defs.yaml": text})
    code, out, _ = _run(runner, root)
    assert code == 0, out
    assert out.strip() == "test: 5 metrics checked: no problems found (1 suppressed)."


def test_overrides_change_severity_and_turn_rules_off(
    runner: CliRunner, write_project: WriteProject
) -> None:
    project = (
        "version: 1\nname: test\npaths: [metrics]\nrules:\n  overrides:\n"
        "    - {rule: NSM011, severity: warning, reason: We categorise inputs later.}\n"
        '    - {rule: NSM040, severity: "off", reason: Qualifiers are a library here.}\n'
    )
    root = write_project({"metrics/defs.yaml": _with_error(_with_warning(CLEAN))}, project)
    code, out, _ = _run(runner, root, "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert [(f["code"], f["severity"]) for f in document["diagnostics"]] == [
        ("NSM011", "warning")
    ]
    assert document["results"]["summary"]["suppressed"] == 1


def test_the_starter_project_has_no_errors_and_no_warnings(
    runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "starter"
    assert runner.invoke(main, ["init", str(target)]).exit_code == 0
    code, out, _ = _run(runner, target, "--fail-on", "warning", "--format", "json")
    assert code == 0, out
    summary = json.loads(out)["results"]["summary"]
    assert (summary["error"], summary["warning"], summary["suppressed"]) == (0, 0, 0)


def test_the_example_project_has_no_errors(runner: CliRunner) -> None:
    code, out, _ = _run(runner, REPO / "examples" / "metrics", "--format", "json")
    assert code == 0, out
    assert json.loads(out)["results"]["summary"]["error"] == 0


def test_rules_lists_every_rule(runner: CliRunner) -> None:
    result = runner.invoke(main, ["rules"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(DEFAULT_RULES)
    for line, rule in zip(lines, DEFAULT_RULES, strict=True):
        assert line.split()[:3] == [rule.code, rule.name, rule.severity.value]
        assert line.endswith(rule.summary())


@pytest.mark.parametrize("query", ["NSM002", "nsm002", "north-star.is-revenue"])
def test_rules_code_prints_the_rule_documentation(query: str, runner: CliRunner) -> None:
    result = runner.invoke(main, ["rules", query])
    assert result.exit_code == 0
    assert result.stdout.startswith("# NSM002 `north-star.is-revenue`")
    assert "## Why is this bad?" in result.stdout and "Use instead:" in result.stdout
    assert "Revenue is an output." in result.stdout


def test_rules_unknown_code_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["rules", "NSM0002"])
    assert result.exit_code == 2
    assert "unknown rule 'NSM0002'" in result.stderr and "did you mean" in result.stderr
