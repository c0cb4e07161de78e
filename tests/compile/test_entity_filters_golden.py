"""Golden SQL of metric filters (tests/compile/entity_filters), for every target: files in
golden/<dialect>/entity_filters/<case>.sql, checked like test_compile_golden.py
(NSMCODE_UPDATE_GOLDEN=1 accepts new output; a mismatch leaves <case>.actual.sql beside it)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlglot
from entity_filters_reference import PROJECT
from test_compile_golden import GOLDEN

from nsmcode.compile import QueryOptions, compile_file, compile_metric, compile_metrics
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project, load_project

SINCE, UNTIL = dt.date(2026, 3, 2), dt.date(2026, 6, 22)
CASES: dict[str, tuple[str | tuple[str, ...], QueryOptions | None]] = {
    "count_at_least": ("engaged_calls", QueryOptions(grain=Grain.WEEK)),
    "compiled_file_breakdown": ("engaged_calls", None),
    "zero_for_no_rows": ("quiet_sandbox_calls", QueryOptions(grain=Grain.WEEK)),
    "qualifier_between": ("mid_accounts", QueryOptions(grain=Grain.WEEK)),
    "average_less_than": ("fast_account_latency", QueryOptions(grain=Grain.MONTH)),
    "other_source_more_than": ("paying_signups", QueryOptions(grain=Grain.MONTH)),
    "entity_through_joins": ("calls_in_growing_regions", QueryOptions(grain=Grain.WEEK)),
    "window_since": (
        "engaged_calls_28d",
        QueryOptions(grain=Grain.WEEK, since=SINCE, until=UNTIL),
    ),
    "conversion_events": ("engaged_within_7_days", QueryOptions(grain=Grain.WEEK)),
    "all_time": ("calls_of_busy_accounts", QueryOptions(grain=Grain.MONTH)),
    "all_time_total_window": ("busy_accounts_28d", QueryOptions(since=SINCE, until=UNTIL)),
    "total_range": ("engaged_calls_total", QueryOptions(since=SINCE, until=UNTIL)),
    "flags_in_one_scan": (
        ("engaged_calls", "api_calls", "single_call_accounts"),
        QueryOptions(grain=Grain.MONTH, since=SINCE, until=UNTIL),
    ),
}
UPDATE = os.environ.get("NSMCODE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def filters() -> Project:
    return load_project(PROJECT)


def _sql(project: Project, case: str, dialect: str) -> str:
    name, options = CASES[case]
    if isinstance(name, tuple):
        assert options is not None
        return compile_metrics(project, list(name), dialect, options)
    if options is None:
        return compile_file(project, name, dialect)
    return compile_metric(project, name, dialect, options)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_entity_filter_golden_sql(case: str, dialect: str, filters: Project) -> None:
    sql = _sql(filters, case, dialect) + "\n"
    path = GOLDEN / dialect / "entity_filters" / f"{case}.sql"
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
def test_entity_filter_golden_files_parse_in_their_dialect(dialect: str) -> None:
    files = sorted((GOLDEN / dialect / "entity_filters").glob("*.sql"))
    files = [f for f in files if not f.name.endswith(".actual.sql")]
    assert [f.stem for f in files] == sorted(CASES), "golden files and cases differ"
    for file in files:
        assert sqlglot.parse_one(file.read_text(), read=dialect).find(sqlglot.exp.With), file
