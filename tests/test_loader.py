"""Every mistake a user can make in a YAML file gives a located diagnostic with a useful hint.

Each case writes a small project, loads it, and compares the full list of diagnostics (location,
code, hint) with what a user should see; the same cases then go through the CLI, which must exit
with code 2 and never show a traceback.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.diagnostics import Diagnostic, InputError
from nsmcode.project import load_project

WriteProject = Callable[..., Path]  # the `write_project` fixture of conftest.py

SOURCE = """\
sources:
  - name: events
    table: events
    time_column: occurred_at
    columns:
      - {name: occurred_at, type: timestamp}
      - {name: account_id, type: string}
"""


@dataclass(frozen=True)
class Case:
    """Files to write and the diagnostics expected: (location, code, message part, hint)."""

    files: dict[str, str | bytes]
    expected: list[tuple[str, str, str, str | None]]
    project: str | None = None


CASES: dict[str, Case] = {
    "yaml_syntax_error": Case(
        {"metrics/a.yaml": "metrics:\n  - name: x\n    calculation: {type: count\n"},
        [
            (
                "metrics/a.yaml:4:1",
                "E001",
                "YAML syntax error: expected ',' or '}', but got the end of the file",
                "check the {...} mapping that starts at line 3, column 18: "
                "is the closing '}' missing?",
            )
        ],
    ),
    "bad_indentation": Case(
        {"metrics/a.yaml": "metrics:\n  - name: x\n   source: events\n"},
        [
            (
                "metrics/a.yaml:3:4",
                "E001",
                "this line does not line up with the lines above it",
                "check the list that starts at line 2, column 3: is the indentation consistent?",
            )
        ],
    ),
    "unquoted_colon_in_value": Case(
        {"metrics/a.yaml": "qualifiers:\n  - name: q\n    reason: note: sandbox\n"},
        [
            (
                "metrics/a.yaml:3:17",
                "E001",
                "found ':' where a plain value was expected",
                "quote a value that contains ': ' (description: 'a: b'), "
                "or fix this line's indentation",
            )
        ],
    ),
    "unclosed_quote": Case(
        {"metrics/a.yaml": "qualifiers:\n  - name: q\n    reason: 'sandbox\n"},
        [
            (
                "metrics/a.yaml:4:1",
                "E001",
                "the file ends too early",
                "check the quoted string that starts at line 3, column 13: "
                "is the closing quote missing?",
            )
        ],
    ),
    "tab_indentation": Case(
        {"metrics/a.yaml": "metrics:\n  - name: x\n\tsource: events\n"},
        [
            (
                "metrics/a.yaml:3:1",
                "E001",
                "found a tab character",
                "indent with spaces: YAML does not allow tabs for indentation",
            )
        ],
    ),
    "duplicate_key": Case(
        {
            "metrics/a.yaml": SOURCE
            + "metrics:\n  - name: x\n    source: events\n    source: events\n"
            "    calculation: {type: count}\n"
        },
        [
            (
                "metrics/a.yaml:11:5",
                "E002",
                "duplicate key 'source' (first defined at line 10)",
                "remove one of the two: YAML keeps only one of them",
            )
        ],
    ),
    "unknown_key": Case(
        {"metrics/a.yaml": SOURCE + "metrics:\n  - name: x\n    sorce: events\n"},
        [
            ("metrics/a.yaml:10:5", "E003", "unknown key 'sorce'", "did you mean 'source'?"),
            (
                "metrics/a.yaml:9:5",
                "E005",
                "missing required field 'calculation' in metrics[x]",
                "add `calculation:`",
            ),
        ],
    ),
    "unknown_key_without_close_match": Case(
        {
            "metrics/a.yaml": "qualifiers:\n  - name: q\n    condition: a = 1\n    reason: r\n"
            "    xyzzy: 1\n"
        },
        [
            (
                "metrics/a.yaml:5:5",
                "E003",
                "unknown key 'xyzzy'",
                "allowed keys: name, condition, metric_filter, reason, description",
            )
        ],
    ),
    "unknown_key_in_calculation_replaces_missing_field": Case(
        {
            "metrics/a.yaml": SOURCE + "metrics:\n  - name: x\n    source: events\n"
            "    calculation: {type: count_distinct, column: [account_id]}\n"
        },
        [("metrics/a.yaml:11:41", "E003", "unknown key 'column'", "did you mean 'columns'?")],
    ),
    "unknown_section": Case(
        {"metrics/a.yaml": "metric:\n  - name: x\n"},
        [("metrics/a.yaml:1:1", "E003", "unknown key 'metric'", "did you mean 'metrics'?")],
    ),
    "wrong_type_scalar_for_list": Case(
        {
            "metrics/a.yaml": SOURCE + "metrics:\n  - name: x\n    source: events\n"
            "    calculation: {type: count_distinct, columns: account_id}\n"
        },
        [
            (
                "metrics/a.yaml:11:50",
                "E004",
                "metrics[x].calculation.columns: expected a list (got 'account_id')",
                "write a list: `[a, b]`, or one `- item` per line",
            )
        ],
    ),
    "wrong_type_boolean": Case(
        {"metrics/a.yaml": "sources:\n  - name: e\n    table: e\n    financial: maybe\n"},
        [
            (
                "metrics/a.yaml:4:16",
                "E004",
                "sources[e].financial: expected true or false (got 'maybe')",
                "write true or false, without quotes",
            )
        ],
    ),
    "wrong_type_number": Case(
        {
            "metrics/a.yaml": "teams:\n  - name: t\n    kpis:\n"
            "      - {metric: m, target: ten percent}\n"
        },
        [
            (
                "metrics/a.yaml:4:29",
                "E004",
                "teams[t].kpis[0].target: expected a number (got 'ten percent')",
                "write a plain number, without quotes or units",
            )
        ],
    ),
    "wrong_type_number_for_text": Case(
        {"metrics/a.yaml": "okrs:\n  - name: o\n    objective: ship\n    period: 2026\n"},
        [
            (
                "metrics/a.yaml:4:13",
                "E004",
                "okrs[o].period: expected text (got 2026)",
                "quote the value: YAML reads it as a number or a date",
            )
        ],
    ),
    "empty_value": Case(
        {"metrics/a.yaml": "qualifiers:\n  - name: q\n    condition:\n    reason: r\n"},
        [
            (
                "metrics/a.yaml:3:5",
                "E004",
                "qualifiers[q].condition: expected text (the value is empty)",
                "fill in a value or remove the key",
            )
        ],
    ),
    "section_is_not_a_list": Case(
        {"metrics/a.yaml": "metrics:\n  name: x\n"},
        [
            (
                "metrics/a.yaml:2:3",
                "E004",
                "metrics: expected a list (got a mapping)",
                "write a list: `[a, b]`, or one `- item` per line",
            )
        ],
    ),
    "calculation_is_not_a_mapping": Case(
        {
            "metrics/a.yaml": SOURCE + "metrics:\n  - name: x\n    source: events\n"
            "    calculation: count\n"
        },
        [
            (
                "metrics/a.yaml:11:18",
                "E004",
                "metrics[x].calculation: expected a mapping (got 'count')",
                "write a mapping, e.g. `calculation: {type: count}`",
            )
        ],
    ),
    "file_is_not_a_mapping": Case(
        {"metrics/a.yaml": "- metrics\n- sources\n"},
        [
            (
                "metrics/a.yaml:1:1",
                "E004",
                "the file must be a mapping of sections",
                "start with a section name, e.g. `metrics:`, and list the definitions under it",
            )
        ],
    ),
    "wrong_enum_value": Case(
        {
            "metrics/a.yaml": SOURCE + "metrics:\n  - name: x\n    role: northstar\n"
            "    source: events\n    calculation: {type: count}\n"
        },
        [
            (
                "metrics/a.yaml:10:11",
                "E004",
                "metrics[x].role: 'northstar' is not one of: north_star, input, kpi, guardrail, "
                "plain",
                "did you mean 'north_star'?",
            )
        ],
    ),
    "invalid_name": Case(
        {
            "metrics/a.yaml": SOURCE + "metrics:\n  - name: 7day_active\n    source: events\n"
            "    calculation: {type: count}\n"
        },
        [
            (
                "metrics/a.yaml:9:11",
                "E004",
                "metrics[7day_active].name: '7day_active' is not a valid name",
                "use letters, digits and underscores, not starting with a digit "
                "(e.g. weekly_signups)",
            )
        ],
    ),
    "invalid_duration": Case(
        {
            "metrics/a.yaml": "funnels:\n  - name: f\n    entity: account\n    steps: [a, b]\n"
            "    within: 7 dys\n"
        },
        [
            (
                "metrics/a.yaml:5:13",
                "E004",
                "funnels[f].within: '7 dys' is not a valid duration",
                "write a number and a unit: hours, days, weeks, months or quarters, e.g. "
                "'6 hours', '7 days' or '3 months'",
            )
        ],
    ),
    "invalid_period": Case(
        {"metrics/a.yaml": "okrs:\n  - name: o\n    objective: ship\n    period: 2026-Q5\n"},
        [
            (
                "metrics/a.yaml:4:13",
                "E004",
                "okrs[o].period: '2026-Q5' is not a valid period",
                "write 2026, 2026-H1, 2026-Q1 or 2026-03",
            )
        ],
    ),
    "impossible_date": Case(
        {
            "metrics/a.yaml": "teams:\n  - name: t\n    kpis:\n"
            "      - {metric: m, due: 2026-02-30}\n"
        },
        [
            (
                "metrics/a.yaml:4:26",
                "E004",
                "teams[t].kpis[0].due: expected a date (got '2026-02-30')",
                "write a date as YYYY-MM-DD, e.g. 2026-12-31",
            )
        ],
    ),
    "too_few_funnel_steps": Case(
        {"metrics/a.yaml": "funnels:\n  - name: f\n    entity: account\n    steps: [signups]\n"},
        [
            (
                "metrics/a.yaml:2:5",
                "E004",
                "a funnel without an `anchor` needs at least 2 steps",
                "add a step, or name the metric that starts the cohort with `anchor:`",
            )
        ],
    ),
    "number_out_of_range": Case(
        {
            "metrics/a.yaml": "metrics:\n  - name: x\n    calculation: "
            "{type: period_over_period, metric: y, periods: 0}\n"
        },
        [
            (
                "metrics/a.yaml:3:65",
                "E004",
                "metrics[x].calculation.periods: must be greater than or equal to 1 (got 0)",
                "use 1 or more",
            )
        ],
    ),
    "table_and_select": Case(
        {"metrics/a.yaml": "sources:\n  - name: e\n    table: e\n    select: SELECT 1\n"},
        [
            (
                "metrics/a.yaml:2:5",
                "E004",
                "sources[e]: give exactly one of `table` or `select`",
                "`table:` names a warehouse table; `select:` is a SQL query to use instead",
            )
        ],
    ),
    "window_and_period_to_date": Case(
        {
            "metrics/a.yaml": "metrics:\n  - name: x\n    calculation:\n      type: cumulative\n"
            "      metric: y\n      window: 7 days\n      period_to_date: month\n"
        },
        [
            (
                "metrics/a.yaml:4:7",
                "E004",
                "metrics[x].calculation: give at most one of `window` or `period_to_date`",
                "`window` is a rolling total, `period_to_date` restarts each period; "
                "omit both for an all-time total",
            )
        ],
    ),
    "missing_field": Case(
        {
            "metrics/a.yaml": "qualifiers:\n  - name: production_only\n"
            "    condition: environment = 'production'\n"
        },
        [
            (
                "metrics/a.yaml:2:5",
                "E005",
                "missing required field 'reason' in qualifiers[production_only]",
                "add `reason:`",
            )
        ],
    ),
    "unknown_calculation_type": Case(
        {
            "metrics/a.yaml": SOURCE + "metrics:\n  - name: x\n    source: events\n"
            "    calculation: {type: median, column: amount}\n"
        },
        [
            (
                "metrics/a.yaml:11:25",
                "E004",
                "metrics[x].calculation: unknown calculation type 'median'",
                "did you mean 'min'?",
            )
        ],
    ),
    "unknown_calculation_type_without_close_match": Case(
        {
            "metrics/a.yaml": SOURCE + "metrics:\n  - name: x\n    source: events\n"
            "    calculation: {type: p95, column: amount}\n"
        },
        [
            (
                "metrics/a.yaml:11:25",
                "E004",
                "unknown calculation type 'p95'",
                "use one of: count, count_distinct, sum, average, min, max, percentile, "
                "balance, ratio, derived, cumulative, conversion, time_to_convert, "
                "period_over_period, retention",
            )
        ],
    ),
    "missing_calculation_type": Case(
        {
            "metrics/a.yaml": SOURCE + "metrics:\n  - name: x\n    source: events\n"
            "    calculation: {column: amount}\n"
        },
        [
            (
                "metrics/a.yaml:11:18",
                "E005",
                "missing required field 'type' in metrics[x].calculation",
                "add `type:`, one of: count, count_distinct, sum, average, min, max, "
                "percentile, balance, ratio, derived, cumulative, conversion, time_to_convert, "
                "period_over_period, retention",
            )
        ],
    ),
    "unsupported_version": Case(
        {"metrics/a.yaml": "version: 2\nmetrics: []\n"},
        [
            (
                "metrics/a.yaml:1:10",
                "E004",
                "version: unsupported spec version (got 2)",
                "write `version: 1`",
            )
        ],
    ),
    "non_utf8_file": Case(
        {"metrics/a.yaml": b"qualifiers:\n  - name: q\n    reason: caf\xe9\n"},
        [("metrics/a.yaml:3:16", "E009", "file is not valid UTF-8", "save the file as UTF-8")],
    ),
    "binary_file": Case(
        {"metrics/a.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
        [
            (
                "metrics/a.yaml:1:1",
                "E009",
                "file is binary, not YAML text",
                "remove it from the folder",
            )
        ],
    ),
    "file_too_large": Case(
        {"metrics/a.yaml": "# " + "x" * 5_000_000 + "\n"},
        [
            (
                "metrics/a.yaml:1:1",
                "E009",
                "file is larger than 5 MB",
                "split the definitions across several files",
            )
        ],
    ),
    "several_documents": Case(
        {"metrics/a.yaml": "metrics: []\n---\nsources: []\n"},
        [
            (
                "metrics/a.yaml:3:1",
                "E001",
                "a definition file holds one YAML document, found several",
                "remove the '---' separator or split the file",
            )
        ],
    ),
    "python_tag": Case(
        {"metrics/a.yaml": "metrics: !!python/object/apply:os.system [echo hacked]\n"},
        [
            (
                "metrics/a.yaml:1:10",
                "E010",
                "YAML tag '!!python/object/apply:os.system' is not allowed",
                "remove the tag: definitions are plain maps, lists, strings and numbers",
            )
        ],
    ),
    "custom_tag": Case(
        {"metrics/a.yaml": "metrics:\n  - !metric {name: x}\n"},
        [
            (
                "metrics/a.yaml:2:5",
                "E010",
                "YAML tag '!metric' is not allowed",
                "remove the tag: definitions are plain maps, lists, strings and numbers",
            )
        ],
    ),
    "merge_key": Case(
        {
            "metrics/a.yaml": SOURCE + "metrics:\n  - &base\n    name: x\n    source: events\n"
            "    calculation: {type: count}\n  - <<: *base\n    name: y\n"
        },
        [
            (
                "metrics/a.yaml:13:5",
                "E010",
                "YAML merge keys ('<<') are not allowed",
                "write the keys out; an alias (*name) of a whole value still works",
            )
        ],
    ),
    "non_string_key": Case(
        {"metrics/a.yaml": "? [a, b]\n: 1\n"},
        [
            (
                "metrics/a.yaml:1:3",
                "E004",
                "a key must be a plain string",
                "write `name: value`; a '?' or a list or map used as a key is not allowed",
            )
        ],
    ),
    "undefined_alias": Case(
        {"metrics/a.yaml": "metrics: *all\n"},
        [
            (
                "metrics/a.yaml:1:10",
                "E001",
                "found undefined alias 'all'",
                "define the anchor (&name) before the alias (*name) that uses it",
            )
        ],
    ),
    "alias_bomb": Case(
        {
            "metrics/a.yaml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
                for p, n in zip("abcdefgh", "bcdefghi", strict=True)
            )
        },
        [
            (
                "metrics/a.yaml:6:1",
                "E010",
                "document expands to more than 200000 values (anchors and aliases?)",
                "write the values out or reduce alias use: expansion is capped to stay safe",
            )
        ],
    ),
    "nesting_too_deep": Case(
        {"metrics/a.yaml": "metrics: " + "[" * 100 + "]" * 100 + "\n"},
        [
            (
                "metrics/a.yaml:1:74",
                "E010",
                "nesting deeper than 64 levels",
                "definitions need a few levels of nesting, not dozens: flatten the structure",
            )
        ],
    ),
    "missing_definitions_folder": Case(
        {},
        [
            (
                "nsmcode.yaml:3:9",
                "E009",
                "definitions folder 'defs' does not exist",
                "create it or fix the path in nsmcode.yaml",
            )
        ],
        project="version: 1\nname: t\npaths: [defs]\n",
    ),
    "path_escaping_the_project": Case(
        {},
        [
            (
                "nsmcode.yaml:3:8",
                "E004",
                "paths: path '../shared' must stay inside the project folder",
                "write a folder relative to nsmcode.yaml, e.g. `definitions`",
            )
        ],
        project="version: 1\nname: t\npaths: [../shared]\n",
    ),
    "absolute_path": Case(
        {},
        [
            (
                "nsmcode.yaml:3:8",
                "E004",
                "paths: path '/etc' must stay inside the project folder",
                "write a folder relative to nsmcode.yaml, e.g. `definitions`",
            )
        ],
        project="version: 1\nname: t\npaths: [/etc]\n",
    ),
    "unknown_key_in_project_file": Case(
        {},
        [("nsmcode.yaml:3:1", "E003", "unknown key 'path'", "did you mean 'paths'?")],
        project="version: 1\nname: t\npath: [metrics]\n",
    ),
    "unknown_dialect": Case(
        {},
        [
            (
                "nsmcode.yaml:3:10",
                "E004",
                "dialect: 'postgresql' is not one of: duckdb, postgres, snowflake, bigquery, "
                "redshift, databricks, spark, trino, clickhouse, mysql, sqlite, tsql",
                "did you mean 'postgres'?",
            )
        ],
        project="version: 1\nname: t\ndialect: postgresql\n",
    ),
    "empty_project_file": Case(
        {},
        [
            ("nsmcode.yaml:1:1", "E005", "missing required field 'name'", "add `name:`"),
            ("nsmcode.yaml:1:1", "E005", "missing required field 'version'", "add `version:`"),
        ],
        project="# nothing yet\n",
    ),
    "syntax_error_in_project_file": Case(
        {},
        [
            (
                "nsmcode.yaml:3:1",
                "E001",
                "found a tab character",
                "indent with spaces: YAML does not allow tabs for indentation",
            )
        ],
        project="version: 1\nname: t\n\tpaths: [metrics]\n",
    ),
}


def write(write_project: WriteProject, case: Case, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Write the case's project and make it the working directory (so paths print relative)."""
    texts = {k: v for k, v in case.files.items() if isinstance(v, str)}
    root = write_project(texts, case.project)
    for rel, data in case.files.items():
        if isinstance(data, bytes):
            (root / rel).write_bytes(data)
    monkeypatch.chdir(root)
    return root


def diagnostics(root: Path) -> list[Diagnostic]:
    with pytest.raises(InputError) as info:
        load_project(root)
    return info.value.diagnostics


def summary(found: list[Diagnostic]) -> list[tuple[str, str, str | None]]:
    return sorted((str(d.span), d.code, d.hint) for d in found)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_mistake_is_located_with_a_hint(
    name: str, write_project: WriteProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    found = diagnostics(write(write_project, case, monkeypatch))
    rendered = "\n".join(d.render() for d in found)
    assert summary(found) == sorted((s, c, h) for s, c, _, h in case.expected), rendered
    for span, code, message, _ in case.expected:
        matching = [d for d in found if str(d.span) == span and d.code == code]
        assert any(message in d.message for d in matching), rendered
    for d in found:
        assert "Input should be" not in d.message, "pydantic's wording leaked: " + d.message


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_cli_reports_each_mistake_without_a_traceback(
    name: str,
    write_project: WriteProject,
    monkeypatch: pytest.MonkeyPatch,
    runner: CliRunner,
) -> None:
    root = write(write_project, CASES[name], monkeypatch)
    result = runner.invoke(main, ["validate", "--project", str(root)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for span, code, _, _ in CASES[name].expected:
        assert f"{span}: {code} " in result.output


def test_acceptance_three_errors_in_three_files_in_one_run(
    write_project: WriteProject, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    """A syntax error, a duplicate key and an unknown key in different files: all three are
    reported in one run, each at its file:line:col, and the exit code is 2."""
    root = write_project(
        {
            "metrics/broken.yaml": """\
                metrics:
                  - name: signups
                    calculation: {type: count
                """,
            "metrics/sources.yaml": """\
                sources:
                  - name: accounts
                    table: accounts
                    table: accounts_v2
                """,
            "metrics/qualifiers.yaml": """\
                qualifiers:
                  - name: production_only
                    condition: environment = 'production'
                    reason: sandbox calls are not usage
                    reasn: typo
                """,
        }
    )
    monkeypatch.chdir(root)
    result = runner.invoke(main, ["validate", "--project", str(root)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if not line.startswith("  hint:")]
    assert lines == [
        "metrics/broken.yaml:4:1: E001 YAML syntax error: expected ',' or '}', but got the end "
        "of the file",
        "metrics/qualifiers.yaml:5:5: E003 unknown key 'reasn'",
        "metrics/sources.yaml:4:5: E002 duplicate key 'table' (first defined at line 3)",
        "3 errors.",
    ]
    assert "hint: did you mean 'reason'?" in result.output


def test_a_byte_order_mark_is_accepted(
    write_project: WriteProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write(
        write_project, Case({"metrics/a.yaml": b"\xef\xbb\xbf" + SOURCE.encode()}, []), monkeypatch
    )
    project = load_project(root)
    assert list(project.sources) == ["events"]
    assert str(project.span("source", "events")) == "metrics/a.yaml:2:5"


def test_anchors_and_aliases_of_whole_values_work(
    write_project: WriteProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = SOURCE + (
        "metrics:\n  - name: a\n    source: events\n    calculation: &count {type: count}\n"
        "  - name: b\n    source: events\n    calculation: *count\n"
    )
    project = load_project(write(write_project, Case({"metrics/a.yaml": text}, []), monkeypatch))
    assert project.metrics["b"].calculation.type == "count"


def test_an_alias_bomb_is_refused_quickly(
    write_project: WriteProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10**8 values if expanded: refused before, so memory stays small (a deterministic proxy
    for "quickly"; tests never assert time)."""
    root = write(write_project, CASES["alias_bomb"], monkeypatch)
    tracemalloc.start()
    try:
        found = diagnostics(root)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [d.code for d in found] == ["E010"]
    assert peak < 50_000_000


def test_a_missing_project_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["validate", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert f"E009 no nsmcode.yaml in {tmp_path}" in result.output
    assert "hint: pass --project DIR pointing at the folder that holds nsmcode.yaml" in (
        result.output
    )


def test_a_missing_project_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["validate", "--project", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "does not exist" in result.output


def test_every_file_is_checked_before_giving_up(
    write_project: WriteProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: dict[str, str | bytes] = {
        f"metrics/{name}.yaml": text
        for name, text in (
            ("a", "metric: []\n"),
            ("b", "sources: [{name: s}]\n"),
            ("c", "okrs:\n  - {name: o, objective: x, period: 2026-Q7}\n"),
        )
    }
    found = diagnostics(write(write_project, Case(files, []), monkeypatch))
    assert [str(d.span).split(":")[0] for d in found] == [
        "metrics/a.yaml",
        "metrics/b.yaml",
        "metrics/c.yaml",
    ]


def test_files_in_nested_folders_and_both_extensions_are_loaded(
    write_project: WriteProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: dict[str, str | bytes] = {
        "metrics/sources.yml": SOURCE,
        "metrics/deep/er/m.yaml": "metrics:\n  - {name: n, source: events, "
        "calculation: {type: count}}\n",
        "metrics/notes.txt": "not yaml: [",
    }
    project = load_project(write(write_project, Case(files, []), monkeypatch))
    assert project.file_of("metric", "n") == "metrics/deep/er/m.yaml"
    assert project.files == ["metrics/deep/er/m.yaml", "metrics/sources.yml"]
