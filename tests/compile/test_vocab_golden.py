"""Golden SQL of the calculation vocabulary (tests/compile/vocab), for every target: files in
golden/<dialect>/vocab/<case>.sql, checked like test_compile_golden.py (NSMCODE_UPDATE_GOLDEN=1
accepts new output; a mismatch leaves <case>.actual.sql beside the file)."""

from __future__ import annotations

import os

import pytest
import sqlglot
from test_compile_golden import GOLDEN
from vocab_data import PROJECT

from nsmcode.compile import QueryOptions, compile_metric
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project, load_project

CASES: dict[str, tuple[str, QueryOptions]] = {
    "offset_year_week": ("orders_yoy", QueryOptions(grain=Grain.WEEK)),
    "offset_year_month": ("revenue_per_order_yoy", QueryOptions(grain=Grain.MONTH)),
    "offset_periods_segments": (
        "paid_vs_two_ago",
        QueryOptions(grain=Grain.MONTH, segments=("status",)),
    ),
    "offset_year_window": ("orders_28d_yoy", QueryOptions(grain=Grain.WEEK)),
    "fill_count": ("orders_or_minus_one", QueryOptions(grain=Grain.MONTH)),
    "fill_ratio_segments": ("paid_share", QueryOptions(grain=Grain.WEEK, segments=("status",))),
    "fill_offset": ("filled_two_ago", QueryOptions(grain=Grain.DAY)),
    "conversion_count": ("ordered_within_14d", QueryOptions(grain=Grain.MONTH)),
    "conversion_count_year_ago": ("converted_yoy", QueryOptions(grain=Grain.WEEK)),
    "percentile_median": ("median_amount", QueryOptions(grain=Grain.MONTH)),
    "balance_end_segments": ("mrr", QueryOptions(grain=Grain.MONTH, segments=("plan",))),
    "balance_start": ("mrr_at_start", QueryOptions(grain=Grain.WEEK)),
    "balance_filtered_year_ago": ("mrr_yoy", QueryOptions(grain=Grain.QUARTER)),
    "percentile_filtered_segments": (
        "p99_paid_amount",
        QueryOptions(grain=Grain.WEEK, segments=("status",)),
    ),
}
UPDATE = os.environ.get("NSMCODE_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def vocab() -> Project:
    return load_project(PROJECT)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_vocab_golden_sql(case: str, dialect: str, vocab: Project) -> None:
    name, options = CASES[case]
    sql = compile_metric(vocab, name, dialect, options) + "\n"
    path = GOLDEN / dialect / "vocab" / f"{case}.sql"
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
def test_vocab_golden_files_parse_in_their_dialect(dialect: str) -> None:
    files = sorted((GOLDEN / dialect / "vocab").glob("*.sql"))
    files = [f for f in files if not f.name.endswith(".actual.sql")]
    assert [f.stem for f in files] == sorted(CASES), "golden files and cases differ"
    for file in files:
        assert sqlglot.parse_one(file.read_text(), read=dialect).find(sqlglot.exp.With), file
