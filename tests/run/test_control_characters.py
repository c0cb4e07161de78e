"""A value from the warehouse never reaches the terminal raw: control characters (ESC, CR, NL,
TAB, C1) and direction overrides in table cells are written as their escapes. JSON keeps the
exact value (escaped by JSON itself); CSV is data for programs and keeps it as it is."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.emit import printable

HOSTILE = {
    "red\x1b[31mALERT\x1b[0m": r"red\x1b[31mALERT\x1b[0m",
    "good\rbad": r"good\rbad",
    "two\nlines\tand tab": r"two\nlines\tand tab",
    "csi\x9b2J": r"csi\x9b2J",
    "evil\u202etxt.exe": r"evil\u202etxt.exe",
}
PLANS = list(HOSTILE)

PROJECT = """\
version: 1
name: hostile
paths: [metrics]
connection: local
connections:
  local:
    type: duckdb
    tables: {accounts: data/accounts.csv}
"""
METRICS = """\
sources:
  - name: accounts
    table: accounts
    time_column: created_at
    columns:
      - {name: account_id, type: string}
      - {name: created_at, type: timestamp}
      - {name: plan, type: string}
    dimensions: [plan]
metrics:
  - name: signups
    source: accounts
    calculation: {type: count}
    grain: week
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    (root / "metrics").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "nsmcode.yaml").write_text(PROJECT)
    (root / "metrics" / "m.yaml").write_text(METRICS)
    with (root / "data" / "accounts.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_id", "created_at", "plan"])
        writer.writerows([f"a{i}", "2026-10-06 10:00:00", plan] for i, plan in enumerate(PLANS))
    return root


def run(project: Path, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--project", str(project)])
    assert result.exit_code == 0, result.output
    return result.stdout


def raw(text: str) -> list[str]:
    """Characters of `text` that must not reach a terminal (the table's own NLs aside)."""
    return [c for c in text.replace("\n", "") if printable(c) != c]


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_query_tables_escape(project: Path, fmt: str) -> None:
    args = ["--segment", "plan", "--format", fmt, "--as-of", "2026-12-31"]
    shown = run(project, "query", "signups", *args)
    assert raw(shown) == []
    for escaped in HOSTILE.values():
        assert escaped in shown
    assert len(shown.strip().splitlines()) == 2 + len(PLANS)  # one line per value: NL escaped


def test_values_escape(project: Path) -> None:
    shown = run(project, "values", "plan")
    assert raw(shown) == []
    assert sorted(shown.splitlines()) == sorted(HOSTILE.values())


@pytest.mark.parametrize("fmt", ["markdown", "table"])
def test_values_records_escape(project: Path, fmt: str) -> None:
    shown = run(project, "values", "plan", "--format", fmt)
    assert raw(shown) == []


def test_json_and_csv_keep_the_exact_values(project: Path) -> None:
    rows = json.loads(run(project, "query", "signups", "--segment", "plan", "--format", "json"))
    assert sorted(r["plan"] for r in rows["results"]) == sorted(PLANS)
    text = run(project, "query", "signups", "--segment", "plan", "--format", "csv")  # piped
    assert sorted(r["plan"] for r in csv.DictReader(io.StringIO(text))) == sorted(PLANS)


@pytest.mark.parametrize(("value", "escaped"), list(HOSTILE.items()))
def test_printable(value: str, escaped: str) -> None:
    assert printable(value) == escaped
    assert printable("plain café 東京 ✓") == "plain café 東京 ✓"
