"""Misused metric filters are located errors with a code and a hint (docs/spec.md, "Metric
filters"), the same from `validate` (compile/diagnose.py) as from `compile`: each case adds one
metric (or qualifier) with one mistake to a small project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.compile import CompileError, compile_metric
from nsmcode.compile.diagnose import diagnose
from nsmcode.compile.funnel import check_funnels
from nsmcode.diagnostics import InputError
from nsmcode.project import load_project

WriteProject = Callable[..., Path]

BASE = """\
version: 1
sources:
  - name: calls
    table: calls
    time_column: called_at
    entities: [{name: account, column: account_id}]
    columns:
      - {name: called_at, type: timestamp}
      - {name: account_id, type: string}
      - {name: latency, type: number}
  - name: users
    table: users
    time_column: created_at
    entities: [{name: user, column: user_id}, {name: account, column: account_id}]
    columns:
      - {name: created_at, type: timestamp}
      - {name: user_id, type: string}
      - {name: account_id, type: string}
metrics:
  - name: calls
    source: calls
    calculation: {type: count}
    grain: week
  - name: signups
    source: users
    calculation: {type: count}
    grain: week
  - name: p90_latency
    source: calls
    calculation: {type: percentile, column: latency, percentile: 0.9}
    grain: week
  - name: calls_per_signup
    calculation: {type: ratio, numerator: calls, denominator: signups}
    grain: week
"""


def metric(filter_: str, extra: str = "", name: str = "m") -> str:
    """A metric counting calls, filtered by `filter_` (line 7 of the file, value at col 20)."""
    return (
        "version: 1\nmetrics:\n"
        f"  - name: {name}\n"
        "    source: calls\n"
        "    calculation: {type: count}\n"
        "    grain: week\n"
        f"    metric_filter: {filter_}\n{extra}"
    )


CASES: dict[str, tuple[str, str, str, str]] = {
    "unknown_metric": (
        metric("{metric: cals, per: account, at_least: 3}"),
        "m.yaml:7:29",
        "C001",
        "unknown metric 'cals'",
    ),
    "ratio": (
        metric("{metric: calls_per_signup, per: account, at_least: 3}"),
        "m.yaml:7:29",
        "C050",
        "metric 'calls_per_signup' is a ratio",
    ),
    "percentile": (
        metric("{metric: p90_latency, per: account, at_most: 100}"),
        "m.yaml:7:29",
        "C050",
        "metric 'p90_latency' is a percentile",
    ),
    "entity_not_reached": (
        metric("{metric: signups, per: user, at_least: 1}"),
        "m.yaml:7:43",
        "C036",
        "source 'calls' reaches no source declaring entity 'user'",
    ),
    "self": (
        metric("{metric: m, per: account, at_least: 3}"),
        "m.yaml:7:29",
        "C051",
        "a cycle",
    ),
    "nested": (
        metric("{metric: m2, per: account, at_least: 3}")
        + metric("{metric: calls, per: account, at_least: 1}", "", "m2").split("metrics:\n")[1],
        "m.yaml:7:29",
        "C051",
        "metric filters do not nest",
    ),
    "on_a_ratio": (
        "version: 1\nmetrics:\n  - name: m\n"
        "    calculation: {type: ratio, numerator: calls, denominator: signups}\n"
        "    grain: week\n"
        "    metric_filter: {metric: calls, per: account, at_least: 3}\n",
        "m.yaml:6:20",
        "C054",
        "has no rows of its own",
    ),
    "total_window": (
        "version: 1\nmetrics:\n  - name: m\n    source: calls\n"
        "    calculation: {type: count}\n"
        "    metric_filter: {metric: calls, per: account, at_least: 3}\n"
        "  - name: rolling\n"
        "    calculation: {type: cumulative, metric: m, window: 28 days}\n",
        "m.yaml:6:20",
        "C052",
        "in a query without periods",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_misused_metric_filters_are_located(case: str, write_project: WriteProject) -> None:
    text, where, code, message = CASES[case]
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text})
    project = load_project(root)
    found = [d for d in diagnose(project) if d.code == code and message in d.message]
    assert found, [d.render() for d in diagnose(project)]
    assert str(found[0].span).endswith(where), found[0].render()
    assert found[0].hint
    name = "rolling" if case == "total_window" else "m"
    with pytest.raises(CompileError) as info:  # compile refuses exactly what validate reports
        compile_metric(project, name, "duckdb")
    assert found[0] in info.value.diagnostics, [d.render() for d in info.value.diagnostics]
    result = CliRunner().invoke(main, ["validate", "--project", str(root)])
    assert result.exit_code == 1, result.output
    assert f"{where}: {code}" in result.output, result.output


def test_a_qualifier_leading_back_to_its_metric_is_a_cycle(write_project: WriteProject) -> None:
    text = (
        "version: 1\nqualifiers:\n  - name: busy\n"
        "    metric_filter: {metric: busy_calls, per: account, at_least: 3}\n"
        "    reason: Busy accounts only.\n"
        "metrics:\n  - name: busy_calls\n    source: calls\n    calculation: {type: count}\n"
        "    qualifiers: [busy]\n    grain: week\n"
    )
    project = load_project(write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text}))
    found = [d for d in diagnose(project) if d.code == "C051"]
    assert found and "a cycle" in found[0].message, [d.render() for d in diagnose(project)]
    assert str(found[0].span).endswith("m.yaml:4:29"), found[0].render()
    with pytest.raises(CompileError) as info:
        compile_metric(project, "busy_calls", "duckdb")
    assert found[0] in info.value.diagnostics


def test_a_funnel_stage_kept_by_a_metric_filter_is_refused(write_project: WriteProject) -> None:
    text = metric("{metric: calls, per: account, at_least: 3}") + (
        "funnels:\n  - name: f\n    entity: account\n    steps: [signups, m]\n"
    )
    project = load_project(write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text}))
    problems = check_funnels(project)
    assert [d.code for d in problems] == ["C053"], [d.render() for d in problems]
    assert problems[0].hint


LOADER: dict[str, tuple[str, str]] = {
    "no_bound": ("{metric: calls, per: account}", "a metric filter needs a bound"),
    "equals_and_more": (
        "{metric: calls, per: account, equals: 2, at_least: 1}",
        "`equals` cannot be combined",
    ),
    "two_lower_bounds": (
        "{metric: calls, per: account, at_least: 2, more_than: 1}",
        "at most one lower and one upper bound",
    ),
    "quoted_number": ("{metric: calls, per: account, at_least: '3'}", "expected a number"),
    "unknown_key": ("{metric: calls, per: account, above: 3}", "above"),
}


@pytest.mark.parametrize("case", sorted(LOADER))
def test_a_badly_formed_metric_filter_is_a_loader_error(
    case: str, write_project: WriteProject
) -> None:
    filter_, message = LOADER[case]
    root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": metric(filter_)})
    with pytest.raises(InputError) as info:
        load_project(root)
    (diagnostic,) = info.value.diagnostics
    assert message in diagnostic.message + (diagnostic.hint or ""), diagnostic.render()
    assert "m.yaml:7:" in str(diagnostic.span), diagnostic.render()


@pytest.mark.parametrize(
    "fields",
    [
        "    condition: latency > 100\n"
        "    metric_filter: {metric: calls, per: account, at_least: 1}\n",
        "",
    ],
)
def test_a_qualifier_has_one_condition(fields: str, write_project: WriteProject) -> None:
    text = f"version: 1\nqualifiers:\n  - name: q\n{fields}    reason: Why.\n"
    root = write_project({"metrics/base.yaml": BASE, "metrics/q.yaml": text})
    with pytest.raises(InputError) as info:
        load_project(root)
    (diagnostic,) = info.value.diagnostics
    assert "give exactly one of `condition` or `metric_filter`" in diagnostic.message
    assert diagnostic.hint


REFERENCED = ("calls", "signups", "p90_latency", "calls_per_signup", "m", "nope")
PER = ("account", "user", "team")


def _combination(form: str, grain: str | None, referenced: str, per: str) -> str:
    spec = f"{{metric: {referenced}, per: {per}, at_least: 2}}"
    grained = [f"    grain: {grain}"] if grain else []
    lines = ["version: 1"]
    if form == "qualifier":
        lines += ["qualifiers:", "  - name: q", f"    metric_filter: {spec}", "    reason: Why."]
    lines += ["metrics:", "  - name: m", "    source: calls", "    calculation: {type: count}"]
    lines += grained
    lines += ["    qualifiers: [q]" if form == "qualifier" else f"    metric_filter: {spec}"]
    lines += ["  - name: rolling", "    calculation: {type: cumulative, metric: m}", *grained]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("form", ["metric", "qualifier"])
@pytest.mark.parametrize("grain", ["week", None])
def test_validate_speaks_for_compile(
    form: str, grain: str | None, write_project: WriteProject
) -> None:
    """Every combination of referenced metric, entity, grain and form: when `validate`'s pass
    finds nothing, every metric compiles for every target; when it finds something, compiling
    refuses with diagnostics among those found, for every target."""
    from nsmcode.models import DIALECTS

    for referenced in REFERENCED:
        for per in PER:
            text = _combination(form, grain, referenced, per)
            root = write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text})
            project = load_project(root)
            found = [d for d in diagnose(project, DIALECTS) if d.code.startswith("C")]
            for dialect in DIALECTS:
                refused: list[str] = []
                for name in ("m", "rolling", "calls", "signups"):
                    try:
                        compile_metric(project, name, dialect)
                    except CompileError as error:
                        assert set(error.diagnostics) <= set(found), (referenced, per, name)
                        refused.append(name)
                assert bool(refused) == bool(found), (referenced, per, dialect, refused)
            fine = referenced in ("calls", "signups") and per == "account"
            assert bool(found) == (not fine or grain is None), [d.render() for d in found]


def test_an_all_time_filter_under_a_total_window_is_accepted(write_project: WriteProject) -> None:
    text = _combination("metric", None, "calls", "account").replace(
        "per: account,", "per: account, over: all_time,"
    )
    project = load_project(write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text}))
    assert [d for d in diagnose(project) if d.code.startswith("C")] == []
    assert "nsm_ever_account_calls" in compile_metric(project, "rolling", "duckdb")


def test_a_target_refusing_the_referenced_metrics_condition_refuses_the_filtered_metric(
    write_project: WriteProject,
) -> None:
    """The referenced metric's rows are read in the same query: a condition MySQL cannot
    express there (a case-sensitive LIKE) refuses the filtered metric on MySQL too (C040)."""
    text = (
        "version: 1\nqualifiers:\n  - name: slow\n    condition: account_id LIKE 'A%'\n"
        "    reason: Why.\nmetrics:\n  - name: a_calls\n    source: calls\n"
        "    calculation: {type: count}\n    qualifiers: [slow]\n    grain: week\n"
        "  - name: m\n    source: calls\n    calculation: {type: count}\n    grain: week\n"
        "    metric_filter: {metric: a_calls, per: account, at_least: 2}\n"
    )
    project = load_project(write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text}))
    compile_metric(project, "m", "duckdb")
    with pytest.raises(CompileError) as info:
        compile_metric(project, "m", "mysql")
    assert [d.code for d in info.value.diagnostics] == ["C040"]
    assert info.value.diagnostics[0] in diagnose(project, ["mysql"])


def test_a_broken_referenced_metric_refuses_the_filtered_one(write_project: WriteProject) -> None:
    """As a ratio of a broken metric is broken: the referenced metric's C013 is the filtered
    metric's too, in validate and in compile."""
    text = (
        "version: 1\nmetrics:\n  - name: typed\n    source: calls\n"
        "    calculation: {type: count}\n    filter: latency = 'fast'\n    grain: week\n"
        "  - name: m\n    source: calls\n    calculation: {type: count}\n    grain: week\n"
        "    metric_filter: {metric: typed, per: account, at_least: 2}\n"
    )
    project = load_project(write_project({"metrics/base.yaml": BASE, "metrics/m.yaml": text}))
    found = [d for d in diagnose(project) if d.code == "C013"]
    assert len(found) == 1, [d.render() for d in diagnose(project)]
    with pytest.raises(CompileError) as info:
        compile_metric(project, "m", "duckdb")
    assert info.value.diagnostics == found
