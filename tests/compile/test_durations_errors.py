"""Misused time-to-convert metrics are located errors with a code and a hint (docs/spec.md,
TimeToConvert); what `compile` refuses, `validate` reports with the same code and place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.compile import CompileError, compile_metric
from nsmcode.diagnostics import InputError
from nsmcode.project import load_project

WriteProject = Callable[..., Path]

BASE = """\
version: 1
sources:
  - name: accounts
    table: accounts
    time_column: signed_up_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string}
      - {name: signed_up_at, type: timestamp}
  - name: calls
    table: calls
    time_column: called_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string}
      - {name: called_at, type: timestamp}
  - name: users
    table: users
    time_column: joined_at
    entities: [{name: user, column: user_id}]
    columns:
      - {name: user_id, type: string}
      - {name: joined_at, type: timestamp}
metrics:
  - name: signups
    source: accounts
    calculation: {type: count}
  - name: calls_made
    source: calls
    calculation: {type: count}
  - name: calls_per_signup
    calculation: {type: ratio, numerator: calls_made, denominator: signups}
"""


def timed(fields: str, base: str = "signups", conversion: str = "calls_made") -> str:
    return (
        "version: 1\nmetrics:\n  - name: time_to_call\n    calculation:\n"
        f"      type: time_to_convert\n      base: {base}\n      conversion: {conversion}\n"
        f"{fields}"
    )


FIELDS = "      entity: account\n      percentile: 0.5\n      unit: days\n"

LOAD_CASES: dict[str, tuple[str, str, str, str]] = {
    "percentile_above_1": (
        timed(FIELDS.replace("0.5", "1.5")),
        "metrics/m.yaml:9:19",
        "E004",
        "less than or equal to 1",
    ),
    "percentile_decimals": (
        timed(FIELDS.replace("0.5", "0.1234567")),
        "metrics/m.yaml:9:19",
        "E004",
        "6 decimal places",
    ),
    "unknown_unit": (
        timed(FIELDS.replace("days", "weeks")),
        "metrics/m.yaml:10:13",
        "E004",
        "unit",
    ),
    "no_unit": (
        timed(FIELDS.replace("      unit: days\n", "")),
        "metrics/m.yaml:5:7",
        "E005",
        "unit",
    ),
    "same_metric_twice": (
        timed(FIELDS, conversion="signups"),
        "metrics/m.yaml:5:7",
        "E004",
        "`base` and `conversion` are the same metric",
    ),
    "window_end_without_within": (
        timed(FIELDS + "      window_end: exclusive\n"),
        "metrics/m.yaml:5:7",
        "E004",
        "`window_end` applies only with `within`",
    ),
    "within_in_months": (
        timed(FIELDS + "      within: 2 fortnights\n"),
        "metrics/m.yaml:11:15",
        "E004",
        "",
    ),
    "unknown_base": (
        timed(FIELDS, base="signup"),
        "metrics/m.yaml:6:13",
        "E007",
        "unknown metric 'signup'",
    ),
    "entity_not_declared": (
        timed(FIELDS.replace("account", "user")),
        "metrics/m.yaml",
        "E007",
        "declares no entity 'user'",
    ),
    "with_a_source": (
        timed(FIELDS).replace("    calculation:", "    source: calls\n    calculation:"),
        "metrics/m.yaml",
        "E0",
        "cannot have a `source`",
    ),
}


@pytest.mark.parametrize("case", sorted(LOAD_CASES))
def test_misuse_is_a_located_input_error(case: str, write_project: WriteProject) -> None:
    text, where, code, message = LOAD_CASES[case]
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text})
    with pytest.raises(InputError) as info:
        load_project(root)
    found = [
        d for d in info.value.diagnostics if d.code.startswith(code) and message in d.message
    ]
    assert found, [d.render() for d in info.value.diagnostics]
    assert where in str(found[0].span), found[0].render()
    assert found[0].hint


COMPILE_CASES: dict[str, tuple[str, str, str, str]] = {
    "base_is_a_ratio": (
        timed(FIELDS, base="calls_per_signup"),
        "metrics/m.yaml:6:13",
        "C032",
        "base 'calls_per_signup' must aggregate rows",
    ),
    "conversion_entity_unreachable": (
        timed(FIELDS.replace("account", "user") + "      conversion_entity: account\n").replace(
            "base: signups", "base: user_joins"
        )
        + "  - name: user_joins\n    source: users\n    calculation: {type: count}\n",
        "metrics/m.yaml:11:26",
        "C036",
        "",
    ),
    "cap_in_months": (
        timed(FIELDS + "      within: 1 month\n"),
        "metrics/m.yaml:11:15",
        "C047",
        "a time_to_convert cap of 1 month is not a number of seconds",
    ),
    "accumulated": (
        timed(FIELDS)
        + "  - name: rolling\n    calculation: {type: cumulative, metric: time_to_call, "
        "window: 28 days}\n",
        "metrics/m.yaml:12:45",
        "C032",
        "must aggregate rows",
    ),
}


@pytest.mark.parametrize("case", sorted(COMPILE_CASES))
def test_what_compile_refuses_validate_reports(case: str, write_project: WriteProject) -> None:
    text, where, code, message = COMPILE_CASES[case]
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text})
    project = load_project(root)
    name = "rolling" if case == "accumulated" else "time_to_call"
    with pytest.raises(CompileError) as info:
        compile_metric(project, name, "duckdb")
    (diagnostic,) = [d for d in info.value.diagnostics if d.code == code]
    assert message in diagnostic.message and diagnostic.hint, diagnostic.render()
    assert where in str(diagnostic.span), diagnostic.render()
    result = CliRunner().invoke(main, ["validate", "--project", str(root)])
    assert result.exit_code == 1, result.output
    assert f"{where.split('/')[-1]}: {code}" in result.output, result.output
