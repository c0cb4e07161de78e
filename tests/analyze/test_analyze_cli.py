"""`nsmcode analyze` from the command line: formats, exit codes, located setup errors, and the
example project, whose generated data has a real three-week lead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from analyze_data import SOURCES, Build, project_yaml
from click.testing import CliRunner

from nsmcode.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"


def invoke(runner: CliRunner, args: list[str], code: int) -> str:
    result = runner.invoke(main, ["analyze", *args])
    assert result.exit_code == code, result.output
    return result.stdout if code in (0, 1) else result.stderr


def test_example_project_passes(runner: CliRunner) -> None:
    text = invoke(runner, ["--project", str(EXAMPLE)], 0)
    assert "1. Does the north star lead weekly_revenue?  PASS" in text
    assert "leads weekly_revenue by 3 weeks" in text
    assert "2. Do accounts that score high on the north star retain better?  PASS" in text
    assert "Correlation is not causation" in text
    assert text.rstrip().splitlines()[-2].startswith("Result: PASS")


def test_json_format(build: Build, runner: CliRunner) -> None:
    root, _ = build("lead2")
    data = json.loads(invoke(runner, ["--project", str(root), "--format", "json"], 0))
    assert data["version"] == 1 and data["status"] == "pass"
    assert data["lead"]["lead"] == 2
    assert [p["lag"] for p in data["lead"]["lags"]] == list(range(-6, 7))
    assert data["inputs"]["ranking"][0]["input"] == "leading_signal"
    periods = data["series"]["periods"]
    assert len(periods) == 52 and periods == sorted(periods)
    assert set(data["series"]["values"]) == {
        "active_features",
        "weekly_payments",
        "leading_signal",
        "noise_signal",
    }


def test_markdown_format(build: Build, runner: CliRunner) -> None:
    root, _ = build("lead4")
    text = invoke(runner, ["--project", str(root), "--format", "markdown"], 0)
    assert text.startswith("# Is `active_features` a leading indicator?")
    assert "| lag | n | r | bound | note |" in text
    assert "| 4 | " in text and "strongest lead" in text


@pytest.mark.parametrize("scenario", ["unrelated", "outcome_leads", "short"])
def test_failing_or_undecided_exits_1(build: Build, runner: CliRunner, scenario: str) -> None:
    root, _ = build(scenario)
    text = invoke(runner, ["--project", str(root)], 1)
    assert "Result: FAIL" in text or "Result: NOT ENOUGH DATA" in text


def test_outcome_option_overrides_the_project(build: Build, runner: CliRunner) -> None:
    root, _ = build("lead2")
    data = json.loads(
        invoke(runner, ["--project", str(root), "--outcome", "signups", "--format", "json"], 1)
    )
    assert data["outcome"] == "signups"  # constant signups: no change to correlate with
    assert data["lead"]["status"] == "insufficient"


def write(tmp_path: Path, analysis: str, metrics: str = SOURCES) -> Path:
    (tmp_path / "metrics").mkdir()
    (tmp_path / "nsmcode.yaml").write_text(project_yaml(analysis))
    (tmp_path / "metrics" / "metrics.yaml").write_text(metrics)
    if not (tmp_path / "data.duckdb").exists():  # an empty database: nsmcode never creates one
        import duckdb

        duckdb.connect(str(tmp_path / "data.duckdb")).close()
    return tmp_path


@pytest.mark.parametrize(
    ("analysis", "args", "expected"),
    [
        ("{}", [], "nsmcode.yaml:16:3: A002 no outcome to compare the north star with"),
        ("outcome: weekly_payments", ["--outcome", "payments"], "A003 unknown outcome metric"),
        ("outcome: active_features", [], "nsmcode.yaml:16:12: A004 the outcome 'active_features'"),
        ("outcome: weekly_payments", ["--max-lag", "0"], "A006 --max-lag must be between 1"),
        (
            "{outcome: weekly_payments, retention_entity: account,"
            " retention_cohort: activity_ratio}",
            [],
            "A005 analysis.retention_cohort: metric 'activity_ratio' is a ratio",
        ),
        (
            "{outcome: weekly_payments, retention_entity: visitor}",
            [],
            "A005 analysis.retention_entity: source 'usage' of the north star declares no "
            "entity 'visitor'",
        ),
        (
            "{outcome: weekly_payments, retention_activity: signup}",
            [],
            "E007 analysis.retention_activity refers to unknown metric 'signup'",
        ),
    ],
)
def test_setup_errors_are_located(
    tmp_path: Path, runner: CliRunner, analysis: str, args: list[str], expected: str
) -> None:
    root = write(tmp_path, analysis)
    err = invoke(runner, ["--project", str(root), *args], 2)
    assert expected in err
    assert "Traceback" not in err


def test_missing_table_points_at_the_source(tmp_path: Path, runner: CliRunner) -> None:
    root = write(tmp_path, "outcome: weekly_payments")  # no data.duckdb: an empty database
    err = invoke(runner, ["--project", str(root)], 2)
    assert "R001" in err and "does not exist" in err
