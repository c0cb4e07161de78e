"""References between definitions: every unresolved name is an input error at the exact place
it is written, with a suggestion; so are duplicate names across files and cycles.

A valid base file declares two sources, a qualifier and two metrics; each case adds one file,
`metrics/m.yaml`, with one mistake in it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.diagnostics import InputError
from nsmcode.project import load_project

WriteProject = Callable[..., Path]  # the `write_project` fixture of conftest.py

BASE = """\
sources:
  - name: accounts
    table: accounts
    time_column: created_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string}
      - {name: created_at, type: timestamp}
      - {name: plan, type: string}
    dimensions: [plan]
  - name: api_calls
    table: api_calls
    time_column: called_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string}
      - {name: called_at, type: timestamp}
      - {name: environment, type: string}
      - {name: latency_ms, type: number}
    dimensions: [environment]
    joins: [{source: accounts, column: account_id}]
qualifiers:
  - name: production_only
    condition: environment = 'production'
    reason: sandbox calls are not usage
metrics:
  - name: signups
    source: accounts
    calculation: {type: count}
    grain: week
  - name: api_call_count
    source: api_calls
    calculation: {type: count}
    grain: week
"""

PROJECT = "version: 1\nname: t\npaths: [metrics]\n"

# name -> (metrics/m.yaml, expected location, code, message, hint)
CASES: dict[str, tuple[str, str, str, str, str]] = {
    "unknown_source": (
        "metrics:\n  - name: m\n    source: api_cals\n    calculation: {type: count}\n",
        "metrics/m.yaml:3:13",
        "E007",
        "metric 'm' refers to unknown source 'api_cals'",
        "did you mean 'api_calls'?",
    ),
    "unknown_qualifier": (
        "metrics:\n  - name: m\n    source: api_calls\n    qualifiers: [production]\n"
        "    calculation: {type: count}\n",
        "metrics/m.yaml:4:18",
        "E007",
        "metric 'm' refers to unknown qualifier 'production'",
        "did you mean 'production_only'?",
    ),
    "unknown_metric_in_ratio": (
        "metrics:\n  - name: m\n    calculation:\n      type: ratio\n"
        "      numerator: api_call_count\n      denominator: signup\n",
        "metrics/m.yaml:6:20",
        "E007",
        "metric 'm' refers to unknown metric 'signup'",
        "did you mean 'signups'?",
    ),
    "unknown_metric_in_derived": (
        "metrics:\n  - name: m\n    calculation:\n      type: derived\n"
        "      expression: api_call_count / signup * 100\n",
        "metrics/m.yaml:5:19",
        "E007",
        "metric 'm' refers to unknown metric 'signup'",
        "did you mean 'signups'?",
    ),
    "unknown_metric_in_cumulative": (
        "metrics:\n  - name: m\n    calculation: {type: cumulative, metric: signup, "
        "window: 28 days}\n",
        "metrics/m.yaml:3:45",
        "E007",
        "metric 'm' refers to unknown metric 'signup'",
        "did you mean 'signups'?",
    ),
    "unknown_metric_in_conversion": (
        "metrics:\n  - name: m\n    calculation:\n      type: conversion\n      base: signups\n"
        "      conversion: first_call\n      entity: account\n      within: 7 days\n",
        "metrics/m.yaml:6:19",
        "E007",
        "metric 'm' refers to unknown metric 'first_call'",
        "known: api_call_count, m, signups",
    ),
    "unknown_metric_in_retention": (
        "metrics:\n  - name: m\n    calculation:\n      type: retention\n      cohort: signups\n"
        "      activity: api_call_cont\n      entity: account\n",
        "metrics/m.yaml:6:17",
        "E007",
        "metric 'm' refers to unknown metric 'api_call_cont'",
        "did you mean 'api_call_count'?",
    ),
    "unknown_metric_in_period_over_period": (
        "metrics:\n  - name: m\n    calculation: {type: period_over_period, metric: signup}\n",
        "metrics/m.yaml:3:53",
        "E007",
        "metric 'm' refers to unknown metric 'signup'",
        "did you mean 'signups'?",
    ),
    "unknown_segment": (
        "metrics:\n  - name: m\n    source: api_calls\n    segments: [plans]\n"
        "    calculation: {type: count}\n",
        "metrics/m.yaml:4:16",
        "E007",
        "segment 'plans' is not a dimension of source 'api_calls' or its joins",
        "did you mean 'plan'?",
    ),
    "unknown_entity": (
        "metrics:\n  - name: m\n    source: api_calls\n    entity: acount\n"
        "    calculation: {type: count}\n",
        "metrics/m.yaml:4:13",
        "E007",
        "source 'api_calls' declares no entity 'acount'",
        "did you mean 'account'?",
    ),
    "entity_missing_on_a_conversion_source": (
        "metrics:\n  - name: m\n    calculation:\n      type: conversion\n      base: signups\n"
        "      conversion: api_call_count\n      entity: user\n      within: 7 days\n",
        "metrics/m.yaml:7:15",
        "E007",
        "metric 'm': source 'accounts' (of 'signups') declares no entity 'user'",
        "add `entities: [{name: user, column: ...}]` to the source",
    ),
    "unknown_column_in_calculation": (
        "metrics:\n  - name: m\n    source: api_calls\n"
        "    calculation: {type: average, column: latency}\n",
        "metrics/m.yaml:4:42",
        "E007",
        "column 'latency' is not declared in source 'api_calls'",
        "did you mean 'latency_ms'?",
    ),
    "unknown_column_in_count_distinct": (
        "metrics:\n  - name: m\n    source: api_calls\n"
        "    calculation: {type: count_distinct, columns: [account_id, endpoint]}\n",
        "metrics/m.yaml:4:63",
        "E007",
        "column 'endpoint' is not declared in source 'api_calls'",
        "known: account_id, called_at, environment, latency_ms",
    ),
    "aggregation_without_source": (
        "metrics:\n  - name: m\n    calculation: {type: count}\n",
        "metrics/m.yaml:2:5",
        "E005",
        "metric 'm' aggregates rows (count) but names no `source`",
        "add `source:` with the source whose rows it aggregates",
    ),
    "source_on_a_metric_of_metrics": (
        "metrics:\n  - name: m\n    source: api_calls\n"
        "    calculation: {type: ratio, numerator: api_call_count, denominator: signups}\n",
        "metrics/m.yaml:3:13",
        "E004",
        "metric 'm' is a ratio of other metrics and cannot have a `source`",
        "remove `source:`; the metrics it builds on name their sources",
    ),
    "invalid_derived_expression": (
        "metrics:\n  - name: m\n    calculation: {type: derived, expression: 'signups +* ('}\n",
        "metrics/m.yaml:3:46",
        "E004",
        "derived metric 'm': expression 'signups +* (' is not valid arithmetic over metric names",
        "write e.g. `paid_accounts / active_accounts`",
    ),
    "grain_without_time_column": (
        "sources:\n  - name: s\n    table: s\n    columns: [{name: a, type: string}]\n"
        "metrics:\n  - name: m\n    source: s\n    grain: week\n    calculation: {type: count}\n",
        "metrics/m.yaml:8:12",
        "E005",
        "metric 'm' has a grain but source 's' has no `time_column`",
        "declare the source's event time column",
    ),
    "unknown_time_column": (
        "sources:\n  - name: s\n    table: s\n    time_column: created\n"
        "    columns: [{name: created_at, type: timestamp}]\n",
        "metrics/m.yaml:4:18",
        "E007",
        "column 'created' is not declared in source 's'",
        "did you mean 'created_at'?",
    ),
    "unknown_dimension_column": (
        "sources:\n  - name: s\n    table: s\n    dimensions: [plan]\n"
        "    columns: [{name: tier, type: string}]\n",
        "metrics/m.yaml:4:18",
        "E007",
        "column 'plan' is not declared in source 's'",
        "known: tier",
    ),
    "unknown_entity_column": (
        "sources:\n  - name: s\n    table: s\n    entities: [{name: account, column: acct}]\n"
        "    columns: [{name: account_id, type: string}]\n",
        "metrics/m.yaml:4:40",
        "E007",
        "column 'acct' is not declared in source 's'",
        "known: account_id",
    ),
    "column_declared_twice": (
        "sources:\n  - name: s\n    table: s\n    columns:\n      - {name: a, type: string}\n"
        "      - {name: a, type: integer}\n",
        "metrics/m.yaml:6:9",
        "E006",
        "column 'a' is declared twice in source 's'",
        "keep one declaration per column",
    ),
    "unknown_join_source": (
        "sources:\n  - name: s\n    table: s\n    columns: [{name: account_id, type: string}]\n"
        "    joins: [{source: acounts, column: account_id}]\n",
        "metrics/m.yaml:5:22",
        "E007",
        "source 's' refers to unknown source 'acounts'",
        "did you mean 'accounts'?",
    ),
    "unknown_join_column": (
        "sources:\n  - name: s\n    table: s\n    columns: [{name: account_id, type: string}]\n"
        "    joins: [{source: accounts, column: account, key: account_id}]\n",
        "metrics/m.yaml:5:40",
        "E007",
        "column 'account' is not declared in source 's'",
        "did you mean 'account_id'?",
    ),
    "unknown_join_key": (
        "sources:\n  - name: s\n    table: s\n    columns: [{name: acct, type: string}]\n"
        "    joins: [{source: accounts, column: acct, key: id}]\n",
        "metrics/m.yaml:5:51",
        "E007",
        "column 'id' is not declared in source 'accounts'",
        "known: account_id, created_at, plan",
    ),
    "join_key_defaulting_to_a_missing_column": (
        "sources:\n  - name: s\n    table: s\n    columns: [{name: acct, type: string}]\n"
        "    joins: [{source: accounts, column: acct}]\n",
        "metrics/m.yaml:5:13",
        "E007",
        "join to 'accounts': source 'accounts' has no column 'acct' (the key defaults to `column`)",
        "add `key:` naming the key column of 'accounts'",
    ),
    "unknown_funnel_step": (
        "funnels:\n  - name: f\n    entity: account\n    steps: [signups, first_call]\n",
        "metrics/m.yaml:4:22",
        "E007",
        "funnel 'f' refers to unknown metric 'first_call'",
        "known: api_call_count, signups",
    ),
    "funnel_entity_missing_on_a_step_source": (
        "funnels:\n  - name: f\n    entity: user\n    steps: [signups, api_call_count]\n",
        "metrics/m.yaml:4:13",
        "E007",
        "funnel 'f': source 'accounts' (of step 'signups') declares no entity 'user'",
        "add `entities: [{name: user, column: ...}]` to the source",
    ),
    "unknown_drives": (
        "metrics:\n  - name: m\n    role: input\n    drives: singups\n    source: accounts\n"
        "    calculation: {type: count}\n",
        "metrics/m.yaml:4:13",
        "E007",
        "metric 'm' refers to unknown metric 'singups'",
        "did you mean 'signups'?",
    ),
    "unknown_guards": (
        "metrics:\n  - name: m\n    role: guardrail\n    guards: api_calls_count\n"
        "    source: api_calls\n    calculation: {type: count}\n",
        "metrics/m.yaml:4:13",
        "E007",
        "metric 'm' refers to unknown metric 'api_calls_count'",
        "did you mean 'api_call_count'?",
    ),
    "metric_defined_in_two_files": (
        "metrics:\n  - name: signups\n    source: accounts\n    calculation: {type: count}\n",
        "metrics/m.yaml:2:11",
        "E006",
        "metric 'signups' is defined twice (first at metrics/base.yaml:27:5)",
        "rename one of them or delete the copy",
    ),
    "source_defined_in_two_files": (
        "sources:\n  - {name: accounts, table: accounts_v2}\n",
        "metrics/m.yaml:2:12",
        "E006",
        "source 'accounts' is defined twice (first at metrics/base.yaml:2:5)",
        "rename one of them or delete the copy",
    ),
    "qualifier_defined_in_two_files": (
        "qualifiers:\n  - {name: production_only, condition: env = 'prod', reason: r}\n",
        "metrics/m.yaml:2:12",
        "E006",
        "qualifier 'production_only' is defined twice (first at metrics/base.yaml:23:5)",
        "rename one of them or delete the copy",
    ),
    "cycle_between_metrics": (
        "metrics:\n  - name: a\n"
        "    calculation: {type: ratio, numerator: b, denominator: signups}\n"
        "  - name: b\n    calculation: {type: derived, expression: a * 2}\n",
        "metrics/m.yaml:3:18",
        "E008",
        "metrics depend on each other in a cycle: a -> b -> a",
        "break the cycle: a metric cannot be built from itself",
    ),
    "metric_built_from_itself": (
        "metrics:\n  - name: a\n    calculation: {type: derived, expression: a + signups}\n",
        "metrics/m.yaml:3:18",
        "E008",
        "metrics depend on each other in a cycle: a -> a",
        "break the cycle: a metric cannot be built from itself",
    ),
}

# name -> (nsmcode.yaml, expected location, code, message, hint)
PROJECT_CASES: dict[str, tuple[str, str, str, str, str]] = {
    "unknown_analysis_outcome": (
        PROJECT + "analysis:\n  outcome: revenue\n",
        "nsmcode.yaml:5:12",
        "E007",
        "analysis.outcome refers to unknown metric 'revenue'",
        "known: api_call_count, signups",
    ),
    "unknown_connection": (
        PROJECT + "connection: lcal\nconnections:\n  local: {type: duckdb}\n",
        "nsmcode.yaml:4:13",
        "E007",
        "connection 'lcal' is not defined under `connections`",
        "did you mean 'local'?",
    ),
}


def load_errors(root: Path) -> list[tuple[str, str, str, str | None]]:
    with pytest.raises(InputError) as info:
        load_project(root)
    return [(str(d.span), d.code, d.message, d.hint) for d in info.value.diagnostics]


@pytest.fixture
def project(write_project: WriteProject, monkeypatch: pytest.MonkeyPatch) -> WriteProject:
    """Write BASE plus the given files, and work from the project folder."""

    def write(files: dict[str, str], project_yaml: str = PROJECT) -> Path:
        root = write_project({"metrics/base.yaml": BASE, **files}, project_yaml)
        monkeypatch.chdir(root)
        return root

    return write


def test_the_base_project_is_valid(project: WriteProject) -> None:
    loaded = load_project(project({}))
    assert sorted(loaded.metrics) == ["api_call_count", "signups"]


# A second diagnostic some cases also give, because the same mistake affects two sources.
ALSO: dict[str, tuple[str, str, str, str]] = {
    "entity_missing_on_a_conversion_source": (
        "metrics/m.yaml:7:15",
        "E007",
        "metric 'm': source 'api_calls' (of 'api_call_count') declares no entity 'user'",
        "add `entities: [{name: user, column: ...}]` to the source",
    ),
    "funnel_entity_missing_on_a_step_source": (
        "metrics/m.yaml:4:22",
        "E007",
        "funnel 'f': source 'api_calls' (of step 'api_call_count') declares no entity 'user'",
        "add `entities: [{name: user, column: ...}]` to the source",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_unresolved_reference(name: str, project: WriteProject) -> None:
    text, *expected = CASES[name]
    errors = load_errors(project({"metrics/m.yaml": text}))
    also = [ALSO[name]] if name in ALSO else []
    assert errors == [tuple(expected), *also]


@pytest.mark.parametrize("name", sorted(PROJECT_CASES))
def test_each_unresolved_reference_in_the_project_file(name: str, project: WriteProject) -> None:
    project_yaml, *expected = PROJECT_CASES[name]
    assert load_errors(project({}, project_yaml)) == [tuple(expected)]


def test_every_reference_error_is_reported_in_one_run(project: WriteProject) -> None:
    files = {
        "metrics/one.yaml": "metrics:\n  - {name: one, source: api_cals, "
        "calculation: {type: count}}\n",
        "metrics/two.yaml": "funnels:\n  - {name: f, entity: account, steps: [signups, first]}\n",
        "metrics/three.yaml": "sources:\n  - {name: s, table: s, time_column: t, columns: []}\n",
    }
    assert [(span, code) for span, code, *_ in load_errors(project(files))] == [
        ("metrics/one.yaml:2:25", "E007"),
        ("metrics/three.yaml:2:38", "E007"),
        ("metrics/two.yaml:2:49", "E007"),
    ]


def test_key_results_and_kpis_pointing_nowhere_are_left_to_the_rule_pack(
    project: WriteProject,
) -> None:
    """They are findings (baselinable), not input errors: the project still loads."""
    loaded = load_project(
        project(
            {
                "metrics/m.yaml": "okrs:\n  - name: o\n    objective: x\n    period: 2026-Q4\n"
                "    key_results: [{metric: nowhere}]\n"
                "teams:\n  - name: t\n    kpis: [{metric: nothing}]\n"
            }
        )
    )
    assert loaded.okrs["o"].key_results[0].metric == "nowhere"
    assert loaded.teams["t"].kpis[0].metric == "nothing"


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_cli_reports_reference_errors_without_a_traceback(
    name: str, project: WriteProject, runner: CliRunner
) -> None:
    text, span, _, message, hint = CASES[name]
    result = runner.invoke(main, ["validate", "--project", str(project({"metrics/m.yaml": text}))])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert f"{span}: " in result.output
    assert message in result.output
    assert f"hint: {hint}" in result.output


def test_spans_point_into_the_file_that_defines_each_thing(project: WriteProject) -> None:
    loaded = load_project(
        project(
            {
                "metrics/extra/m.yaml": "metrics:\n  - {name: m, source: accounts, "
                "calculation: {type: count}}\n"
            }
        )
    )
    assert str(loaded.span("metric", "m")) == "metrics/extra/m.yaml:2:5"
    assert str(loaded.span("metric", "m", "calculation", "type")) == "metrics/extra/m.yaml:2:53"
    assert str(loaded.span("metric", "signups", "grain")) == "metrics/base.yaml:30:12"
    assert str(loaded.span("source", "api_calls", "joins", 0, "source")) == (
        "metrics/base.yaml:21:22"
    )
