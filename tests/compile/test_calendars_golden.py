"""Golden SQL of calendars (tests/compile/calendar: fiscal year from February, weeks from
Sunday), for every target: files in golden/<dialect>/calendar/<case>.sql, checked like
test_compile_golden.py (NSMCODE_UPDATE_GOLDEN=1 accepts new output; a mismatch leaves
<case>.actual.sql beside the file)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlglot
from calendar_data import PROJECT
from test_compile_golden import GOLDEN

from nsmcode.compile import QueryOptions, compile_metric
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project, load_project

CASES: dict[str, tuple[str, QueryOptions]] = {
    "year": ("orders_year", QueryOptions()),
    "fiscal_quarter": ("orders_fq", QueryOptions()),
    "fiscal_year_since": (
        "revenue_fy",
        QueryOptions(since=dt.date(2023, 3, 15), until=dt.date(2026, 12, 31)),
    ),
    "week_from_sunday": ("orders_week", QueryOptions(segments=("probe",))),
    "fiscal_quarter_year_ago": ("orders_fq_yoy", QueryOptions()),
    "year_ago_by_year": ("orders_year_yoy", QueryOptions()),
    "fiscal_year_to_date": ("revenue_fytd", QueryOptions()),
    "by_fiscal_year": ("orders_week", QueryOptions(grain=Grain.FISCAL_YEAR)),
    "custom_retail_month": ("revenue_per_order", QueryOptions(grain="retail_month")),
    "custom_retail_quarter_since": (
        "orders_fq",
        QueryOptions(grain="retail_quarter", since=dt.date(2023, 3, 1), segments=("probe",)),
    ),
}
UPDATE = os.environ.get("NSMCODE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def calendar() -> Project:
    return load_project(PROJECT)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_calendar_golden_sql(case: str, dialect: str, calendar: Project) -> None:
    name, options = CASES[case]
    sql = compile_metric(calendar, name, dialect, options) + "\n"
    path = GOLDEN / dialect / "calendar" / f"{case}.sql"
    actual = path.with_name(f"{case}.actual.sql")
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    if path.exists() and path.read_text() == sql:
        actual.unlink(missing_ok=True)
        return
    actual.write_text(sql)
    pytest.fail(f"{path.relative_to(GOLDEN)} differs: see {actual.name} beside it")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_calendar_golden_files_parse_in_their_dialect(dialect: str) -> None:
    files = sorted((GOLDEN / dialect / "calendar").glob("*.sql"))
    files = [f for f in files if not f.name.endswith(".actual.sql")]
    assert [f.stem for f in files] == sorted(CASES), "golden files and cases differ"
    for file in files:
        assert sqlglot.parse_one(file.read_text(), read=dialect).find(sqlglot.exp.With), file
