"""One output layer: the same format names, one JSON envelope and --output-file on every command
that prints results (docs/cli.md)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from tests.conftest import EXAMPLE, WriteProject

NSM = "weekly_active_integration_points"
QUERY = ["query", NSM, "--project", str(EXAMPLE), "--since", "2026-10-05", "--until", "2026-10-26"]
ENVELOPE_KEYS = {"version", "tool", "command", "results", "diagnostics"}


def invoke(args: list[str], code: int = 0) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("args", "command", "code"),
    [
        (["validate", "--project", str(EXAMPLE)], "validate", 0),
        (QUERY, "query", 0),
        (["okr", "status", "--project", str(EXAMPLE)], "okr status", 0),
        (["kpi", "status", "--project", str(EXAMPLE)], "kpi status", 0),
    ],
    ids=["validate", "query", "okr", "kpi"],
)
def test_every_json_is_the_same_envelope(args: list[str], command: str, code: int) -> None:
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code in (code, 1), result.output
    document = json.loads(result.stdout)
    assert set(document) == ENVELOPE_KEYS
    assert document["version"] == 1 and document["command"] == command
    assert document["tool"]["name"] == "nsmcode"
    assert isinstance(document["diagnostics"], list)


def test_query_json_results_are_records() -> None:
    rows = json.loads(invoke([*QUERY, "--format", "json"]))["results"]
    assert [r["period"] for r in rows] == ["2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]
    assert all(isinstance(r[NSM], int) for r in rows)


def test_query_formats_agree(tmp_path: Path) -> None:
    records = json.loads(invoke([*QUERY, "--format", "json"]))["results"]
    parsed = list(csv.DictReader(io.StringIO(invoke([*QUERY, "--format", "csv"]))))
    assert [(r["period"], int(r[NSM])) for r in parsed] == [(r["period"], r[NSM]) for r in records]
    markdown = invoke([*QUERY, "--format", "markdown"]).splitlines()
    assert markdown[0] == f"| period | {NSM} |"
    assert markdown[1] == "|---|---:|"  # numbers right-aligned
    assert markdown[2] == f"| 2026-10-05 | {records[0][NSM]:,} |"
    assert invoke([*QUERY, "--format", "text"]) == invoke([*QUERY, "--format", "table"])


def test_output_file_takes_the_results_and_leaves_stdout_empty(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    printed = invoke([*QUERY, "--format", "json"])
    assert invoke([*QUERY, "--format", "json", "--output-file", str(target)]) == ""
    assert target.read_text() == printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no staging file left


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--project", str(EXAMPLE)],
        ["okr", "status", "--project", str(EXAMPLE), "--format", "markdown"],
        ["analyze", "--project", str(EXAMPLE), "--format", "json"],
    ],
    ids=["validate", "okr", "analyze"],
)
def test_output_file_on_every_command(args: list[str], tmp_path: Path) -> None:
    target = tmp_path / "report"
    result = CliRunner().invoke(main, [*args, "--output-file", str(target)])
    assert result.exit_code in (0, 1), result.output
    assert result.stdout == ""
    assert target.read_text().strip()


def test_output_file_in_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "out.csv"
    result = CliRunner().invoke(main, [*QUERY, "--output-file", str(missing)])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_status_csv_has_one_row_a_goal() -> None:
    document = json.loads(invoke(["okr", "status", "--project", str(EXAMPLE), "--format", "json"]))
    goals = [kr for okr in document["results"]["okrs"] for kr in okr["key_results"]]
    text = invoke(["okr", "status", "--project", str(EXAMPLE), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["metric"] for r in rows] == [g["metric"] for g in goals]
    assert {r["as_of"] for r in rows} == {document["results"]["as_of"]}


NO_NORTH_STAR = """\
    sources:
      - name: s
        table: s
        time_column: ts
        columns:
          - {name: ts, type: timestamp}
    """


def test_validate_junit(write_project: WriteProject) -> None:
    root = write_project({"metrics/defs.yaml": NO_NORTH_STAR})
    text = invoke(["validate", "--project", str(root), "--format", "junit"], code=1)
    suite = ET.fromstring(text.split("\n", 1)[1])
    assert suite.tag == "testsuite" and suite.get("failures") == "1"
    failed = [case for case in suite if case.find("failure") is not None]
    assert [case.find("failure").get("type") for case in failed] == ["NSM001"]  # type: ignore[union-attr]
    clean = invoke(["validate", "--project", str(EXAMPLE), "--format", "junit"])
    assert ET.fromstring(clean.split("\n", 1)[1]).get("failures") == "0"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "February 2026 has no day 30; its last day is 2026-02-28"),
        ("2026-13-01", "there is no month 13"),
        ("yesterday", "is not a date: write YYYY-MM-DD"),
    ],
)
def test_a_bad_date_says_what_is_wrong(value: str, message: str) -> None:
    result = CliRunner().invoke(main, [*QUERY[:4], "--since", value])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(("kind", "what"), [("okr", "no OKRs"), ("kpi", "no teams with KPIs")])
def test_status_of_a_project_without_goals_says_so(
    kind: str, what: str, write_project: WriteProject
) -> None:
    root = write_project({"metrics/defs.yaml": NO_NORTH_STAR})
    result = CliRunner().invoke(main, [kind, "status", "--project", str(root)])
    assert result.exit_code == 0, result.output
    assert f"defines {what} yet" in result.stderr and result.stdout == ""
