"""dbt time spines with custom granularities -> the project's `calendar:`; dbt's `year` grain.
Imported from tests/dbt/fixtures/calendar (YAML) and calendar_manifest (a compiled manifest),
both written for these tests; revenue per retail month executed on DuckDB against plain Python."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from nsmcode.cli import main
from nsmcode.compile import QueryOptions, compile_metric
from nsmcode.dbt_import import import_dbt
from nsmcode.project import load_project

duckdb = pytest.importorskip("duckdb")

FIXTURES = Path(__file__).parent / "fixtures"
CALENDAR = FIXTURES / "calendar"
MANIFEST = FIXTURES / "calendar_manifest" / "target" / "semantic_manifest.json"


def retail_month(day: dt.date) -> dt.date:
    """A 4-4-5 retail calendar from 2025-01-05: months of 28, 28 and 35 days."""
    start = dt.date(2025, 1, 5)
    lengths = [28, 28, 35]
    i = 0
    while True:
        end = start + dt.timedelta(days=lengths[i % 3])
        if day < end:
            return start
        start, i = end, i + 1


def test_time_spine_becomes_the_calendar() -> None:
    result = import_dbt(CALENDAR)
    assert result.calendar == {
        "source": "time_spine__retail_days",
        "date_column": "date_day",
        "granularities": [
            {"name": "retail_month", "column": "retail_month_start"},
            {"name": "retail_quarter", "column": "retail_quarter"},  # column_name: the name
        ],
    }
    sources = {s["name"]: s for s, _span in result.sources}
    assert sources["time_spine__retail_days"]["table"] == "retail_days"
    saved = {s["name"]: s for s, _span in result.saved_queries}
    assert saved["revenue_by_year"]["grain"] == "year"
    problems = {(p.code, p.span.line): p.message for p in result.problems}
    # a custom granularity is a query grain in nsmcode: not a metric's nor a saved query's
    assert "a custom granularity is a query's grain" in problems["D111", 37]
    assert "a custom granularity is a query's grain" in problems["D115", 47]
    assert "built-in nsmcode grain" in problems["D111", 12]  # fiscal_quarter
    assert len(problems) == 3
    metrics = {m["name"]: m for m, _span in result.metrics}
    assert "grain" not in metrics["retail_monthly_revenue"]  # imported, its grain reported


def test_manifest_time_spines() -> None:
    result = import_dbt(MANIFEST, manifest=True)
    assert result.calendar is not None
    assert result.calendar["source"] == "time_spine__retail_days"
    assert [g["name"] for g in result.calendar["granularities"]] == [
        "retail_month",
        "retail_quarter",
    ]
    sources = {s["name"]: s for s, _span in result.sources}
    assert sources["time_spine__retail_days"]["table"] == "main.retail_days"
    [problem] = result.problems  # the hourly spine's custom granularity
    assert problem.code == "D111" and "'shift'" in problem.message
    assert "grain 'hour', not day" in problem.message


def test_imported_calendar_validates_and_queries_by_custom_grain(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "imported"
    imported = runner.invoke(main, ["import", "dbt", str(CALENDAR), "--out", str(out)])
    assert imported.exit_code == 1, imported.output
    validated = runner.invoke(main, ["validate", "--project", str(out)])
    errors = [line for line in validated.output.splitlines() if "[error]" in line]
    assert [e.split()[1] for e in errors] == ["NSM001"], validated.output

    rng = random.Random(3)
    days = [dt.date(2025, 1, 5) + dt.timedelta(days=i) for i in range(140)]
    sales = [
        (f"s{i}", dt.datetime.combine(rng.choice(days), dt.time(rng.randrange(24))),
         float(rng.randrange(1, 500)))
        for i in range(400)
    ]  # fmt: skip
    con = duckdb.connect()
    con.execute("CREATE TABLE sales (sale_id VARCHAR, sold_at TIMESTAMP, amount DOUBLE)")
    con.executemany("INSERT INTO sales VALUES (?, ?, ?)", sales)
    con.execute(
        "CREATE TABLE retail_days (date_day DATE, retail_month_start DATE, retail_quarter DATE)"
    )
    con.executemany(
        "INSERT INTO retail_days VALUES (?, ?, ?)",
        [(d, retail_month(d), dt.date(2025, 1, 5)) for d in days],
    )
    want: dict[dt.date, float] = defaultdict(float)
    for _id, at, amount in sales:
        want[retail_month(at.date())] += amount
    project = load_project(out)
    sql = compile_metric(project, "revenue", "duckdb", QueryOptions(grain="retail_month"))
    got: dict[Any, Any] = {row[0]: row[-1] for row in con.execute(sql).fetchall()}
    got = {(k.date() if isinstance(k, dt.datetime) else k): v for k, v in got.items()}
    assert set(got) == set(want) and len(want) >= 5
    for period, value in want.items():
        assert math.isclose(got[period], value), period
    con.close()
