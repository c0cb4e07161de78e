"""Golden SQL: what each target gets for a representative case of every construct.

The files under golden/<dialect>/<case>.sql document the output and catch unintended changes. On a
mismatch the actual SQL is written beside the golden file as <case>.actual.sql; run with
NSMCODE_UPDATE_GOLDEN=1 to accept the new output. Every golden file must parse back with sqlglot
in its own dialect.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlglot

from nsmcode.compile import QueryOptions, compile_metric
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project

GOLDEN = Path(__file__).parent / "golden"
CASES: dict[str, tuple[str, QueryOptions]] = {
    "count_distinct_joined_qualifier": ("active_accounts", QueryOptions(grain=Grain.WEEK)),
    "count_distinct_pairs_segments": (
        "integration_points",
        QueryOptions(grain=Grain.WEEK, segments=("plan", "developer_segment")),
    ),
    "ratio_shared_scan": ("error_rate", QueryOptions(grain=Grain.WEEK)),
    "derived_functions": ("calls_index", QueryOptions(grain=Grain.MONTH)),
    "rolling_window_over_period": (
        "active_accounts_28d_wow",
        QueryOptions(grain=Grain.WEEK, segments=("plan",)),
    ),
    "period_to_date": ("revenue_mtd", QueryOptions(grain=Grain.MONTH)),
    "all_time_total": ("calls_total", QueryOptions(grain=Grain.WEEK)),
    "conversion": ("activation_7d", QueryOptions(grain=Grain.WEEK)),
    "retention": ("retention_2", QueryOptions()),
    "average_day_bounded": (
        "latency_avg",
        QueryOptions(grain=Grain.DAY, since=dt.date(2026, 3, 10), until=dt.date(2026, 5, 20)),
    ),
    "chained_join_segment": (
        "open_region_calls",
        QueryOptions(grain=Grain.QUARTER, segments=("region_name",)),
    ),
    "select_source": ("paid_invoice_count", QueryOptions(grain=Grain.MONTH)),
    # what `nsmcode compile` writes for declared segments: the overall series and one per segment
    "breakdown_segments": (
        "integration_points",
        QueryOptions(grain=Grain.WEEK, segments=("plan", "developer_segment"), breakdown=True),
    ),
    # users counted, their account's calls converting, through a many-to-one join
    "conversion_across_entities": ("x_user_activation_7d", QueryOptions()),
    # a metric without a grain: one total over since..until (docs/spec.md "Time")
    "total_bounded_window": (
        "calls_2w",
        QueryOptions(segments=("plan",), since=dt.date(2026, 3, 10), until=dt.date(2026, 5, 20)),
    ),
}
UPDATE = os.environ.get("NSMCODE_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_sql(case: str, dialect: str, project: Project) -> None:
    name, options = CASES[case]
    sql = compile_metric(project, name, dialect, options) + "\n"
    path = GOLDEN / dialect / f"{case}.sql"
    actual = path.with_name(f"{case}.actual.sql")
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    if path.exists() and path.read_text() == sql:
        actual.unlink(missing_ok=True)
        return
    actual.write_text(sql)
    pytest.fail(
        f"{path.relative_to(GOLDEN)} differs: see {actual.name} beside it "
        "(NSMCODE_UPDATE_GOLDEN=1 accepts the new SQL)"
    )


@pytest.mark.parametrize("dialect", DIALECTS)
def test_golden_files_parse_in_their_dialect(dialect: str) -> None:
    files = sorted((GOLDEN / dialect).glob("*.sql"))
    files = [f for f in files if not f.name.endswith(".actual.sql")]
    assert [f.stem for f in files] == sorted(CASES), "golden files and cases differ"
    for file in files:
        tree = sqlglot.parse_one(file.read_text(), read=dialect)
        assert tree.find(sqlglot.exp.With) is not None, file
