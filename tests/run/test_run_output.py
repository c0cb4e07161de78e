"""Result formats: aligned tables for people; exact, deterministic CSV and JSON for tools."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from nsmcode.run import output, report
from nsmcode.run.execute import Table

D = dt.date

TABLE = Table(
    metrics=("points", "rate"),
    segments=("plan",),
    rows=[
        (D(2026, 11, 2), "enterprise", 1234567, 0.1),
        (D(2026, 11, 2), "team", 12, None),
        (D(2026, 11, 9), None, 0, 1 / 3),
    ],
)


def test_table_aligns_numbers_and_shows_nulls() -> None:
    text = output.render_table(TABLE)
    lines = text.splitlines()
    assert lines[0].split() == ["period", "plan", "points", "rate"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["2026-11-02", "enterprise", "1,234,567", "0.1000"]
    assert lines[3].split() == ["2026-11-02", "team", "12", "-"]
    assert lines[4].split() == ["2026-11-09", "-", "0", "0.3333"]
    # Numbers are right-aligned, so every line ends in the last column's last character.
    assert len({len(line) for line in lines}) == 1


def test_decimals_per_column() -> None:
    assert output.decimals([1, 2, 3]) == 0
    assert output.decimals([1234.5, 2.25]) == 2
    assert output.decimals([1.5, 2.25]) == 3
    assert output.decimals([0.5, 0.25]) == 4
    assert output.decimals([0.0123, 0.5]) == 4
    assert output.decimals([0.00123, 0.5]) == 5  # three significant digits of the smallest
    assert output.decimals([None, 3.0, 5.0]) == 0


def test_empty_table() -> None:
    text = output.render_table(Table(("m",), (), []))
    assert text.splitlines()[-1] == "(no rows)"


def test_csv_is_exact() -> None:
    text = output.render_csv(TABLE)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["period", "plan", "points", "rate"]
    assert rows[1] == ["2026-11-02", "enterprise", "1234567", "0.1"]
    assert rows[2] == ["2026-11-02", "team", "12", ""]
    assert float(rows[3][3]) == 1 / 3  # round-trips exactly
    assert rows[3][1] == ""


def test_json_is_exact_and_deterministic() -> None:
    text = output.render_json(TABLE)
    assert text == output.render_json(TABLE)
    records = json.loads(text)["results"]
    assert records[0] == {
        "period": "2026-11-02",
        "plan": "enterprise",
        "points": 1234567,
        "rate": 0.1,
    }
    assert records[1]["rate"] is None
    assert records[2]["rate"] == 1 / 3
    nan = Table(("m",), (), [(D(2026, 1, 5), float("nan"))])
    assert json.loads(output.render_json(nan))["results"] == [{"period": "2026-01-05", "m": None}]


def test_status_numbers_and_bars() -> None:
    assert report.number(3618.0) == "3,618"
    assert report.number(245.25) == "245.2"
    assert report.number(1.25) == "1.25"
    assert report.number(2.0) == "2"
    assert report.number(0.03814) == "0.0381"
    assert report.number(None) == "-"
    assert report.percent(1.7) == "170%"  # past the target
    assert report.percent(-0.2) == "-20%"  # moved the wrong way: never clamped at 0%
    assert report.percent(0.456) == "46%"
    assert report.bar(0.5) == "[#####-----]"
    assert report.bar(3.0) == "[##########]"


HOSTILE = Table(
    metrics=("points",),
    segments=("plan",),
    rows=[
        (D(2026, 11, 2), '=HYPERLINK("http://evil.example","click")', -3),
        (D(2026, 11, 2), "+1+cmd|' /C calc'!A0", 1.5),
        (D(2026, 11, 2), "-2+3", -0.25),
        (D(2026, 11, 2), "@SUM(1,1)", 0),
        (D(2026, 11, 2), "\t=1+1", 2),
        (D(2026, 11, 2), "\r=1+1", 2),
        (D(2026, 11, 2), "team = good", 2),
    ],
)


def test_csv_escapes_formula_cells_as_owasp_recommends() -> None:
    """A text cell starting with = + - @ tab or CR gets a leading apostrophe, so a spreadsheet
    shows it as text instead of running it; numbers (negative ones too) stay numbers."""
    rows = list(csv.reader(io.StringIO(output.render_csv(HOSTILE))))
    assert [r[1] for r in rows[1:]] == [
        "'=HYPERLINK(\"http://evil.example\",\"click\")",
        "'+1+cmd|' /C calc'!A0",
        "'-2+3",
        "'@SUM(1,1)",
        "'\t=1+1",
        "'\r=1+1",
        "team = good",
    ]
    assert [r[2] for r in rows[1:]] == ["-3", "1.5", "-0.25", "0", "2", "2", "2"]


def test_raw_csv_writes_values_as_they_are() -> None:
    rows = list(csv.reader(io.StringIO(output.render_csv(HOSTILE, raw=True))))
    assert [r[1] for r in rows[1:]] == [str(row[1]) for row in HOSTILE.rows]
