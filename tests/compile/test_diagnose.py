"""`validate` speaks for the compiler: one diagnostics pass (compile/diagnose.py) finds every
refusal of `compile` and `query`, for every dialect in `targets`, each at the part of the
definition it is about, with a hint and in plain words. `compile` adds writing, never a refusal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.compile import CompileError, compile_metric
from nsmcode.compile.diagnose import diagnose
from nsmcode.compile.errors import CODES, HINTS
from nsmcode.project import load_project

WriteProject = Callable[..., Path]  # the `write_project` fixture of tests/conftest.py

CLEAN = """\
version: 1
sources:
  - name: accounts
    table: accounts
    time_column: created_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string, semantic: identifier}
      - {name: created_at, type: timestamp}
      - {name: plan, type: string}
      - {name: seats, type: integer}
      - {name: is_test, type: boolean, semantic: test_flag}
    dimensions: [plan]
  - name: api_calls
    table: api_calls
    time_column: called_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: account_id, type: string, semantic: identifier}
      - {name: called_at, type: timestamp}
      - {name: client, type: string}
      - {name: endpoint, type: string}
      - {name: environment, type: string, semantic: environment}
      - {name: status_code, type: integer}
      - {name: latency_ms, type: number}
      - {name: called_on, type: date}
    dimensions: [endpoint]
    joins: [{source: accounts, column: account_id}]
qualifiers:
  - name: production_only
    condition: environment = 'production' AND NOT COALESCE(accounts.is_test, FALSE)
    reason: Sandbox and test-account calls are free and scriptable; they are not value.
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


def _added(qualifiers: str = "", metrics: str = "") -> str:
    text = CLEAN.replace("metrics:\n", qualifiers + "metrics:\n", 1)
    return text + metrics


def _metric(name: str, body: str) -> str:
    """A plain metric (no rule finding: it is used as an OKR-free building block)."""
    lines = "".join(f"    {line}\n" for line in body.split("\n"))
    return f"  - name: {name}\n    role: plain\n{lines}"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _where(root: Path, needle: str) -> str:
    """`defs.yaml:line:col` of the last occurrence of `needle` in the definition file."""
    text = (root / "metrics" / "defs.yaml").read_text()
    for number, line in reversed(list(enumerate(text.splitlines(), start=1))):
        if needle in line:
            return f"defs.yaml:{number}:{line.rindex(needle) + 1}"
    raise AssertionError(f"{needle!r} not in the file")


def _codes(output: str) -> list[tuple[str, str]]:
    """(file:line:col, code) of every located diagnostic in text output."""
    found = re.findall(r"([\w./-]*defs\.yaml:\d+:\d+): ([A-Z]+\d+) ", output)
    return [(Path(where).name, code) for where, code in found]


# -- the examples of issue 13's "Why": validate exits 1 at the place, compile gives the same code

WHY = [
    pytest.param(
        "  - name: ios_only\n    condition: client = 'ios' AND platform = 'x'\n"
        "    reason: iOS is the client we support.\n",
        "    qualifiers: [ios_only]",
        "platform",
        "C011",
        id="qualifier-on-undeclared-column",
    ),
    pytest.param("", "    filter: 1; DROP TABLE x", "; DROP", "C012", id="statement-in-filter"),
    pytest.param(
        "", "    filter: \"status_code >= 500 -- and more\"", "-- and", "C012", id="comment"
    ),
    pytest.param("", "    filter: frobnicate(client) = 1", "frobnicate", "C012", id="function"),
    pytest.param("", "    filter: client = 'ios' AND", "AND", "C010", id="dangling-and"),
]


def _why_project(write_project: WriteProject, qualifiers: str, extra: str) -> Path:
    metric = (
        "  - name: broken\n    role: plain\n    source: api_calls\n"
        "    calculation: {type: count}\n" + extra + "\n"
    )
    return write_project({"metrics/defs.yaml": _added(qualifiers, metric)})


@pytest.mark.parametrize(("qualifiers", "extra", "needle", "code"), WHY)
def test_what_compile_refuses_validate_reports_at_the_place(
    runner: CliRunner,
    write_project: WriteProject,
    qualifiers: str,
    extra: str,
    needle: str,
    code: str,
) -> None:
    root = _why_project(write_project, qualifiers, extra)
    where = _where(root, needle)
    validated = runner.invoke(main, ["validate", "--project", str(root)])
    assert validated.exit_code == 1, validated.output
    assert (where, code) in _codes(validated.output), validated.output
    compiled = runner.invoke(main, ["compile", "--project", str(root), "--out", str(root / "t")])
    assert compiled.exit_code == 2, compiled.output
    assert (where, code) in _codes(compiled.output), compiled.output
    assert not (root / "t" / "sql").exists()


def test_a_subquery_in_a_derived_expression_and_a_cumulative_over_a_derived_metric(
    runner: CliRunner, write_project: WriteProject
) -> None:
    metrics = _metric(
        "derived_calls",
        "calculation: {type: derived, expression: weekly_production_calls + (SELECT 1)}",
    )
    metrics += _metric(
        "doubled", "calculation: {type: derived, expression: weekly_production_calls * 2}"
    )
    metrics += _metric("running", "calculation: {type: cumulative, metric: doubled}")
    root = write_project({"metrics/defs.yaml": _added(metrics=metrics)})
    expected = {(_where(root, "(SELECT 1)"), "C020"), (_where(root, "doubled}"), "C032")}
    for command in (["validate"], ["compile", "--out", str(root / "t")]):
        result = runner.invoke(main, [*command, "--project", str(root)])
        assert result.exit_code == (1 if command == ["validate"] else 2), result.output
        assert expected <= set(_codes(result.output)), result.output


def test_the_average_of_a_string_is_refused_before_any_sql_runs(
    runner: CliRunner, write_project: WriteProject
) -> None:
    metric = _metric(
        "avg_client", "source: api_calls\ncalculation: {type: average, column: client}"
    )
    root = write_project({"metrics/defs.yaml": _added(metrics=metric)})
    where = _where(root, "client}")
    for command in (["validate"], ["compile", "--out", str(root / "t")]):
        result = runner.invoke(main, [*command, "--project", str(root)])
        assert (where, "C014") in _codes(result.output), result.output
        assert "type: string" in result.output
        assert result.exit_code == (1 if command == ["validate"] else 2)


def test_validate_and_compile_report_the_same_refusals(write_project: WriteProject) -> None:
    """One pass: every problem, not only the first; compile (any target) raises a subset of it,
    never anything else."""
    qualifiers = (
        "  - name: broken_a\n    condition: nosuch = 1 AND frob(x) = 1\n    reason: r\n"
        "  - name: broken_b\n    condition: \"status_code = 'x' OR (\"\n    reason: r\n"
    )
    counted = "source: api_calls\ncalculation: {type: count}\nqualifiers: "
    metrics = _metric("m_a", counted + "[broken_a]") + _metric("m_b", counted + "[broken_b]")
    metrics += _metric("m_c", "source: api_calls\ncalculation: {type: sum, column: endpoint}")
    root = write_project({"metrics/defs.yaml": _added(qualifiers, metrics)})
    project = load_project(root)
    found = diagnose(project)
    assert sorted(d.code for d in found) == ["C010", "C011", "C012", "C014"]
    assert all(d.hint for d in found)
    for name in ("m_a", "m_b", "m_c"):
        for target in ("duckdb", "tsql"):
            with pytest.raises(CompileError) as caught:
                compile_metric(project, name, target)
            assert set(caught.value.diagnostics) <= set(found)


# -- per-target capabilities ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targets", "refused"),
    [
        ("[duckdb, postgres]", []),
        ("[duckdb, mysql, tsql]", ["mysql", "tsql"]),
        ("[sqlite]", ["sqlite"]),
    ],
)
def test_a_target_that_cannot_keep_the_meaning_is_a_validate_error(
    runner: CliRunner, write_project: WriteProject, targets: str, refused: list[str]
) -> None:
    metric = _metric(
        "v1_calls", "source: api_calls\ncalculation: {type: count}\nfilter: endpoint LIKE '/v1/%'"
    )
    root = write_project(
        {"metrics/defs.yaml": _added(metrics=metric)},
        f"version: 1\nname: test\npaths: [metrics]\ntargets: {targets}\n",
    )
    result = runner.invoke(main, ["validate", "--project", str(root)])
    assert result.exit_code == (1 if refused else 0), result.output
    where = _where(root, "endpoint LIKE")
    found = [line for line in result.output.splitlines() if " C040 " in line]
    assert len(found) == len(refused)
    for target, line in zip(refused, found, strict=True):
        assert where in line and f"for {target}:" in line
    compiled = runner.invoke(main, ["compile", "--project", str(root), "--out", str(root / "t")])
    assert compiled.exit_code == (2 if refused else 0), compiled.output


@pytest.mark.parametrize(
    ("config", "refused"),
    [
        ("dialect: sqlite\n", "sqlite"),
        ("connections:\n  lite: {type: sqlite, database: local.db}\n", "sqlite"),
        ("dialect: mysql\nconnections:\n  warehouse: {type: dbapi, module: pymysql}\n", "mysql"),
    ],
    ids=["dialect", "connection", "dbapi-dialect"],
)
def test_validate_checks_the_dialects_query_runs_in_not_only_the_targets(
    runner: CliRunner, write_project: WriteProject, config: str, refused: str
) -> None:
    """`targets: [duckdb]` compiles for DuckDB only, but `query` on a connection renders for
    that connection's dialect: validate checks it too, so its exit 0 speaks for query."""
    metric = _metric(
        "v1_calls", "source: api_calls\ncalculation: {type: count}\nfilter: endpoint LIKE '/v1/%'"
    )
    root = write_project(
        {"metrics/defs.yaml": _added(metrics=metric)},
        f"version: 1\nname: test\npaths: [metrics]\ntargets: [duckdb]\n{config}",
    )
    result = runner.invoke(main, ["validate", "--project", str(root)])
    assert result.exit_code == 1, result.output
    found = [line for line in result.output.splitlines() if " C040 " in line]
    assert len(found) == 1 and f"for {refused}:" in found[0], result.output
    assert _where(root, "endpoint LIKE") in found[0]


def test_an_expression_nested_too_deeply_is_refused_not_a_traceback(
    runner: CliRunner, write_project: WriteProject
) -> None:
    """`1 + 1 + ... + 1` a thousand times parses, but every later step walks the tree
    recursively: it is C010 (found by bench/fuzz.py as a RecursionError in the type checks)."""
    deep = "status_code = " + " + ".join(["1"] * 1500)
    body = f"source: api_calls\ncalculation: {{type: count}}\nfilter: {deep}"
    metric = _metric("deep_calls", body)
    root = write_project({"metrics/defs.yaml": _added(metrics=metric)})
    result = runner.invoke(main, ["validate", "--project", str(root)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    found = [line for line in result.output.splitlines() if " C010 " in line]
    assert len(found) == 1 and "nested too deeply" in found[0]
    assert _where(root, "status_code").rsplit(":", 1)[0] in found[0]
    compiled = runner.invoke(main, ["compile", "--project", str(root), "--out", str(root / "t")])
    assert compiled.exit_code == 2 and " C010 " in compiled.output, compiled.output


# -- located at the part, in every YAML scalar style --------------------------------------------


@pytest.mark.parametrize(
    ("written", "needle"),
    [
        ("condition: client = 'ios' AND nosuch = 1", "nosuch"),
        ("condition: \"client = 'ios' AND nosuch = 1\"", "nosuch"),
        ("condition: 'client = ''ios'' AND nosuch = 1'", "nosuch"),
        ("condition: >-\n      client = 'ios'\n      AND nosuch = 1", "nosuch"),
        ("condition: |\n      client = 'ios'\n      AND nosuch = 1", "nosuch"),
        ("condition: client = 'ios'\n      AND nosuch = 1", "nosuch"),
    ],
    ids=["plain", "double", "single", "folded", "literal", "plain-two-lines"],
)
def test_a_diagnostic_points_at_the_offending_part(
    write_project: WriteProject, written: str, needle: str
) -> None:
    qualifier = f"  - name: q\n    {written}\n    reason: r\n"
    metric = _metric("m", "source: api_calls\ncalculation: {type: count}\nqualifiers: [q]")
    root = write_project({"metrics/defs.yaml": _added(qualifier, metric)})
    (found,) = diagnose(load_project(root))
    assert found.code == "C011"
    assert found.span is not None
    assert f"defs.yaml:{found.span.line}:{found.span.col}" == _where(root, needle)


def test_an_alias_points_into_the_anchored_value(write_project: WriteProject) -> None:
    qualifier = (
        "  - name: q\n    condition: &c client = 'ios' AND nosuch = 1\n    reason: r\n"
        "  - name: q2\n    condition: *c\n    reason: r\n"
    )
    metric = _metric("m", "source: api_calls\ncalculation: {type: count}\nqualifiers: [q2]")
    root = write_project({"metrics/defs.yaml": _added(qualifier, metric)})
    (found,) = diagnose(load_project(root))
    assert found.span is not None
    assert f"defs.yaml:{found.span.line}:{found.span.col}" == _where(root, "nosuch")


# -- plain words -------------------------------------------------------------------------------

BROKEN = [
    ("client = 'ios' AND", "incomplete condition: `client = 'ios' AND` ends after AND",
     "add the condition after AND or remove it"),
    ("client = 'ios' OR", "ends after OR", "add the condition after OR"),
    ("status_code >=", "ends after >=", "add what comes after >="),
    ("= 1", "= has nothing before it", None),
    ("(client = 'ios'", "a parenthesis is not closed", "add the `)`"),
    ("client = 'ios", "a quoted text opened with ' is not closed", "close it with '"),
    ("client = 'ios')", "unexpected `)`", None),
    ("CASE WHEN client = 'a' THEN TRUE", "CASE needs END", None),
    ("CAST(client AS)", "CAST needs TYPE", None),
    ("client = $", "`$` is not part of SQL here", None),
    ("client = $x", "the query parameter", None),
    ("a /* b", "must not hold SQL comments", None),
    ("status_code % 2 = 0", "`status_code % 2` is not allowed", None),
    ("client || 'x' = 'y'", "`client || 'x'` is not allowed", None),
    ("CAST(latency_ms AS DECIMAL(10, 2)) > 1", "a type parameter (in DECIMAL(10, 2))", None),
    ("status_code IS NOT DISTINCT FROM 500", "is not allowed", None),
]  # fmt: skip


@pytest.mark.parametrize(("condition", "message", "hint"), BROKEN)
def test_parse_errors_are_told_in_plain_words(
    write_project: WriteProject, condition: str, message: str, hint: str | None
) -> None:
    metric = _metric(
        "m", f"source: api_calls\ncalculation: {{type: count}}\nfilter: {condition!r}"
    )
    root = write_project({"metrics/defs.yaml": _added(metrics=metric)})
    (found,) = diagnose(load_project(root))
    assert found.code in ("C010", "C012")
    assert message in found.message
    assert found.hint and (hint is None or hint in found.hint)
    internals = ("<class", "sqlglot", "Required keyword", "Expecting", "tokeniz", "NULLSAFE")
    for internal in internals:
        assert internal not in found.message + found.hint


# -- types against declared columns -------------------------------------------------------------

TYPED = [
    ("status_code >= 500", None),
    ("status_code >= '500'", None),
    ("client = 'ios'", None),
    ("called_at >= '2026-01-01'", None),
    ("called_at >= '2026-01-01 08:00:00'", None),
    ("called_on BETWEEN '2026-01-01' AND '2026-03-31'", None),
    ("accounts.is_test", None),
    ("NOT accounts.is_test", None),
    ("NOT COALESCE(accounts.is_test, FALSE)", None),
    ("latency_ms * 2 > status_code", None),
    ("LOWER(client) ILIKE 'i%'", None),
    ("CAST(status_code AS VARCHAR) ILIKE '5%'", None),
    ("CASE WHEN client = 'ios' THEN latency_ms ELSE 0 END > 100", None),
    ("called_at > 'yesterday'", ("'yesterday'", "is not a date or timestamp")),
    ("called_on < 20260101", ("20260101", "compares a date")),
    ("client = 1", ("1", "compares a string")),
    ("status_code > 'high'", ("'high'", "compares an integer")),
    ("accounts.is_test = 1", ("1", "write `accounts.is_test`")),
    ("accounts.is_test = 0", ("0", "write `NOT accounts.is_test`")),
    ("accounts.is_test <> 'true'", ("'true'", "a boolean is a condition by itself")),
    ("client", ("client", "not a condition")),
    ("1", ("1", "not a condition")),
    ("status_code = 500 AND latency_ms", ("latency_ms", "not a condition")),
    ("client + 1 > 2", ("client", "arithmetic on")),
    ("NOT COALESCE(accounts.is_test, 0)", ("0", "COALESCE needs values of one type")),
    ("status_code ILIKE '5%'", ("status_code", "ILIKE needs text")),
    ("client IN ('ios', 2)", ("2", "compares a string")),
]


@pytest.mark.parametrize(("condition", "wrong"), TYPED)
def test_conditions_are_checked_against_declared_types(
    write_project: WriteProject, condition: str, wrong: tuple[str, str] | None
) -> None:
    metric = _metric(
        "m", f"source: api_calls\ncalculation: {{type: count}}\nfilter: {condition!r}"
    )
    root = write_project({"metrics/defs.yaml": _added(metrics=metric)})
    found = diagnose(load_project(root))
    if wrong is None:
        assert found == []
        return
    (problem,) = found
    assert problem.code == "C013"
    part, words = wrong
    assert words in problem.message + " " + (problem.hint or "")
    assert problem.span is not None
    line = (root / "metrics" / "defs.yaml").read_text().splitlines()[problem.span.line - 1]
    assert line[problem.span.col - 1 :].startswith(part), (line, problem.span)


@pytest.mark.parametrize(
    ("calculation", "refused"),
    [
        ("{type: sum, column: latency_ms}", False),
        ("{type: average, column: status_code}", False),
        ("{type: max, column: called_at}", False),
        ("{type: count_distinct, columns: [client]}", False),
        ("{type: average, column: client}", True),
        ("{type: sum, column: called_at}", True),
        ("{type: min, column: client}", True),
        ("{type: max, column: endpoint}", True),
    ],
)
def test_aggregations_are_checked_against_declared_types(
    write_project: WriteProject, calculation: str, refused: bool
) -> None:
    metric = _metric("m", f"source: api_calls\ncalculation: {calculation}")
    root = write_project({"metrics/defs.yaml": _added(metrics=metric)})
    codes = [d.code for d in diagnose(load_project(root))]
    assert codes == (["C014"] if refused else [])


def test_every_compile_code_has_a_hint() -> None:
    assert set(HINTS) == set(CODES)


def test_the_example_project_compiles_everywhere_it_validates() -> None:
    root = Path(__file__).resolve().parents[2] / "examples" / "metrics"
    assert diagnose(load_project(root)) == []


def test_a_baseline_never_hides_what_compile_refuses(
    runner: CliRunner, write_project: WriteProject, tmp_path: Path
) -> None:
    metric = _metric("m", "source: api_calls\ncalculation: {type: count}\nfilter: nosuch = 1")
    root = write_project({"metrics/defs.yaml": _added(metrics=metric)})
    baseline = tmp_path / "baseline.json"
    written = runner.invoke(
        main, ["validate", "--project", str(root), "--write-baseline", str(baseline)]
    )
    assert written.exit_code == 0, written.output
    result = runner.invoke(main, ["validate", "--project", str(root), "--baseline", str(baseline)])
    assert result.exit_code == 1
    assert (_where(root, "nosuch"), "C011") in _codes(result.output)


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_machine_reports_locate_compile_errors(
    runner: CliRunner, write_project: WriteProject, fmt: str
) -> None:
    metric = _metric("m", "source: api_calls\ncalculation: {type: count}\nfilter: nosuch = 1")
    root = write_project({"metrics/defs.yaml": _added(metrics=metric)})
    result = runner.invoke(main, ["validate", "--project", str(root), "--format", fmt])
    assert result.exit_code == 1
    line, col = (int(n) for n in _where(root, "nosuch").split(":")[1:])
    if fmt == "github":
        pattern = r"::error file=[^,]*defs\.yaml,line=(\d+),col=(\d+),title=C011"
        found = re.search(pattern, result.output)
        assert found and (int(found[1]), int(found[2])) == (line, col), result.output
    elif fmt == "json":
        (finding,) = [f for f in json.loads(result.output)["diagnostics"] if f["code"] == "C011"]
        assert (finding["line"], finding["col"]) == (line, col)
        assert finding["hint"]
    else:
        results = json.loads(result.output)["runs"][0]["results"]
        (found_result,) = [r for r in results if r["ruleId"] == "C011"]
        region = found_result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (line, col)


def test_a_metric_built_on_a_refused_one_is_refused_too(write_project: WriteProject) -> None:
    """`query share` would run the broken filter of `typed`: the same refusal, at its place."""
    metrics = _metric(
        "typed", "source: api_calls\ncalculation: {type: count}\nfilter: client = 1"
    ) + _metric(
        "share",
        "calculation: {type: ratio, numerator: typed, denominator: weekly_production_calls}",
    )
    root = write_project({"metrics/defs.yaml": _added(metrics=metrics)})
    project = load_project(root)
    (found,) = diagnose(project)
    with pytest.raises(CompileError) as caught:
        compile_metric(project, "share", "duckdb")
    assert caught.value.diagnostics == [found]
