"""`nsmcode query FUNNEL` on the example's generated data: the activation funnel by month, its
cohort equal to the month's signups, strict counts that never rise, conversions that are the
ratios of the counts, segments, and the three output formats."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from nsmcode.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"



def records(text: str) -> Any:
    """The results of a `--format json` envelope."""
    return json.loads(text)["results"]

def query(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(main, ["query", *args, "--project", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    return result.output


def test_activation_by_month_is_a_strict_funnel_over_the_months_signups(
    runner: CliRunner,
) -> None:
    rows = records(query(runner, "activation", "--by", "month", "--format", "json"))
    assert rows and set(rows[0]) == {
        "period",
        "step",
        "stage",
        "entities",
        "step_conversion",
        "overall_conversion",
        "median_seconds",
    }
    signups: dict[str, int] = defaultdict(int)
    for row in records(query(runner, "weekly_signups", "--by", "day", "--format", "json")):
        signups[row["period"][:7] + "-01"] += row["weekly_signups"]
    by_period: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_period[row["period"]].append(row)
    assert len(by_period) >= 6
    for period, stages in by_period.items():
        assert [s["step"] for s in stages] == [0, 1, 2, 3, 4]
        assert stages[0]["entities"] == signups[period], period
        counts = [s["entities"] for s in stages]
        assert counts == sorted(counts, reverse=True), f"strict counts rose in {period}"
        for previous, stage in itertools.pairwise(stages):
            if previous["entities"]:
                ratio = stage["entities"] / previous["entities"]
                assert abs(stage["step_conversion"] - ratio) < 1e-12
            else:
                assert stage["step_conversion"] is None
        assert stages[1]["median_seconds"] is None  # any-time stage: no order, no duration
        first_call = stages[2]["median_seconds"]
        assert first_call is None or 0 <= first_call <= 14 * 86400


def test_segments_split_the_cohort_and_csv_matches(runner: CliRunner) -> None:
    total = records(query(runner, "activation", "--format", "json"))
    text = query(runner, "activation", "--segment", "plan", "--format", "csv")
    split = list(csv.DictReader(io.StringIO(text)))
    assert {r["plan"] for r in split} >= {"individual", "team", "enterprise"}
    for want in total:
        parts = [
            r for r in split if r["period"] == want["period"] and int(r["step"]) == want["step"]
        ]
        assert sum(int(r["entities"]) for r in parts) == want["entities"]


def test_table_output_and_errors(runner: CliRunner) -> None:
    text = query(runner, "activation", "--since", "2026-06-01", "--until", "2026-07-31")
    lines = text.splitlines()
    assert lines[0].split() == [
        "period",
        "step",
        "stage",
        "entities",
        "step_conversion",
        "overall_conversion",
        "median_seconds",
    ]
    assert {line[:10] for line in lines[2:]} == {"2026-06-01", "2026-07-01"}
    assert "First API call" in text
    project = ["--project", str(EXAMPLE)]
    mixed = runner.invoke(main, ["query", "activation", "weekly_signups", *project])
    assert mixed.exit_code == 2 and "R008" in mixed.output
    bad = runner.invoke(main, ["query", "activation", "--segment", "endpoint", *project])
    assert bad.exit_code == 2 and "C065" in bad.output


def test_an_hour_is_refused_as_a_cohort_period(runner: CliRunner) -> None:
    """Hour periods exist for metrics; a funnel's or cohort matrix's cohort is a day or longer
    (before, hourly cohorts were computed and then printed as their days, in duplicate rows)."""
    project = ["--project", str(EXAMPLE)]
    for args in (["activation"], ["week_4_retention", "--cohorts", "3"]):
        result = runner.invoke(main, ["query", *args, "--by", "hour", *project])
        assert result.exit_code == 2, result.output
        assert "--by:1:1: R014 cohorts are a day or longer: 'hour'" in result.output
        assert "hint: give one of: day, week, month" in result.output


def test_a_key_result_on_a_funnel_stage_shows_in_okr_status(runner: CliRunner) -> None:
    """`activation.step3_rate`: the step conversion of stage 3 in the latest cohort month
    whose 30-day window has closed by the as-of date (2026-11-15: September)."""
    result = runner.invoke(
        main, ["okr", "status", "--project", str(EXAMPLE), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    krs = [kr for okr in json.loads(result.output)["results"]["okrs"] for kr in okr["key_results"]]
    (kr,) = [kr for kr in krs if kr["metric"] == "activation.step3_rate"]
    assert kr["current_period"] == "2026-09-01"
    rows = records(query(runner, "activation", "--format", "json"))
    (want,) = [r for r in rows if r["period"] == "2026-09-01" and r["step"] == 3]
    assert kr["current"] == want["step_conversion"]
    assert kr["status"] in ("on track", "at risk", "off track")
    table = runner.invoke(main, ["okr", "status", "--project", str(EXAMPLE)])
    assert "activation.step3_rate" in table.output


def test_an_unknown_funnel_stage_is_the_unknown_metric_finding(write_project: Any) -> None:
    from nsmcode.project import load_project
    from nsmcode.rules import check_project

    root = write_project(
        {
            "metrics/m.yaml": """\
                version: 1
                sources:
                  - name: s
                    table: s
                    time_column: t
                    entities: [{name: user, column: u}]
                    columns: [{name: t, type: timestamp}, {name: u, type: string}]
                metrics:
                  - {name: a, source: s, calculation: {type: count}, entity: user}
                  - {name: b, source: s, calculation: {type: count}, entity: user}
                funnels:
                  - {name: f, entity: user, steps: [a, b]}
                okrs:
                  - name: o
                    objective: Grow
                    period: 2026-Q4
                    key_results:
                      - {metric: f.step2_rate}
                      - {metric: f.step3_rate}
                      - {metric: g.step1_rate}
                """
        }
    )
    findings = check_project(load_project(root)).findings
    unknown = sorted(d.message for d in findings if d.code == "NSM020")
    assert len(unknown) == 2
    assert "'f.step3_rate'" in unknown[0] and "'g.step1_rate'" in unknown[1]


def test_the_retention_matrix_agrees_with_the_retention_metric(runner: CliRunner) -> None:
    """`query week_4_retention --cohorts 6`: column p4 is the metric itself (offset 4), week by
    week; later columns of recent cohorts are NULL (not yet observed), never 0."""
    matrix = records(query(runner, "week_4_retention", "--cohorts", "6", "--format", "json"))
    metric = records(query(runner, "week_4_retention", "--format", "json"))
    assert [r["period"] for r in matrix] == [r["period"] for r in metric if r["period"]]
    assert set(matrix[0]) == {"period", "entities", *(f"p{k}" for k in range(7))}
    compared = 0
    for row, value in zip(matrix, metric, strict=True):
        want = value["week_4_retention"]
        assert (row["p4"] is None) == (want is None), row["period"]
        if want is not None:
            assert abs(row["p4"] - want) < 1e-12
            compared += 1
    assert compared >= 20
    assert matrix[-1]["p1"] is None and matrix[0]["p6"] is not None
    text = query(runner, "week_4_retention", "--cohorts", "2", "--by", "month")
    assert text.splitlines()[0].split() == ["period", "entities", "p0", "p1", "p2"]
