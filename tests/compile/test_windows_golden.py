"""Golden SQL of windows in calendar months and quarters, for every target: files in
golden/<dialect>/windows/<case>.sql, checked like test_compile_golden.py (NSMCODE_UPDATE_GOLDEN=1
accepts new output; a mismatch leaves <case>.actual.sql beside the file)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlglot
from test_compile_golden import GOLDEN
from vocab_data import PROJECT

from nsmcode.compile import QueryOptions, compile_metric
from nsmcode.compile.funnel import FunnelOptions, compile_funnel
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project, load_project

CASES: dict[str, tuple[str, QueryOptions]] = {
    "cumulative_months": ("orders_3m", QueryOptions(grain=Grain.MONTH)),
    "cumulative_quarter_week": ("revenue_1q", QueryOptions(grain=Grain.WEEK)),
    "cumulative_month_day_distinct": ("customers_1m", QueryOptions(grain=Grain.DAY)),
    "conversion_month_count": ("ordered_within_1m", QueryOptions(grain=Grain.MONTH)),
    "conversion_quarter_exclusive": (
        "order_rate_1q",
        QueryOptions(grain=Grain.MONTH, segments=("plan",)),
    ),
    "hour_count_range": (
        "orders",
        QueryOptions(
            grain=Grain.HOUR, since=dt.date(2026, 3, 8), until=dt.date(2026, 3, 9)
        ),
    ),
    "hour_rolling_day_segments": ("orders_24h", QueryOptions(segments=("status",))),
    "hour_change": ("orders_hour_change", QueryOptions()),
}
PROBES: dict[str, tuple[str, QueryOptions]] = {
    "conversion_hours": ("probe_conversion_hours", QueryOptions(segments=("case_id",))),
    "conversion_hours_exclusive": ("probe_conversion_hours_exclusive", QueryOptions()),
    "rolling_hours": (
        "probe_rolling_hours",
        QueryOptions(since=dt.date(2026, 3, 19), until=dt.date(2026, 3, 20)),
    ),
    "rolling_48_hours_day": ("probe_rolling_48_hours", QueryOptions()),
}
"""Windows in hours, over the time-boundary probes (compile_time.py, project/metrics/time.yaml)."""
FUNNELS: dict[str, tuple[str, FunnelOptions]] = {
    "funnel_month": ("probe_funnel_month", FunnelOptions(segments=("case_id",))),
    "funnel_hours": ("probe_funnel_hours", FunnelOptions(segments=("case_id",))),
}
UPDATE = os.environ.get("NSMCODE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def vocab() -> Project:
    return load_project(PROJECT)


def _check(case: str, dialect: str, sql: str) -> None:
    path = GOLDEN / dialect / "windows" / f"{case}.sql"
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
@pytest.mark.parametrize("case", sorted(CASES))
def test_windows_golden_sql(case: str, dialect: str, vocab: Project) -> None:
    name, options = CASES[case]
    _check(case, dialect, compile_metric(vocab, name, dialect, options) + "\n")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(PROBES))
def test_windows_golden_probe_sql(case: str, dialect: str, project: Project) -> None:
    name, options = PROBES[case]
    _check(case, dialect, compile_metric(project, name, dialect, options) + "\n")


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(FUNNELS))
def test_windows_golden_funnel_sql(case: str, dialect: str, project: Project) -> None:
    name, options = FUNNELS[case]
    _check(case, dialect, compile_funnel(project, name, dialect, options) + "\n")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_windows_golden_files_parse_in_their_dialect(dialect: str) -> None:
    files = sorted((GOLDEN / dialect / "windows").glob("*.sql"))
    files = [f for f in files if not f.name.endswith(".actual.sql")]
    cases = sorted([*CASES, *PROBES, *FUNNELS])
    assert [f.stem for f in files] == cases, "golden files and cases differ"
    for file in files:
        assert sqlglot.parse_one(file.read_text(), read=dialect).find(sqlglot.exp.With), file
