"""The example project (examples/metrics) compiles, metric by metric, for every target, and each
query parses back with sqlglot in its own dialect."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlglot

from nsmcode.compile import QueryOptions, compile_metric
from nsmcode.models import DIALECTS
from nsmcode.project import Project, load_project

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"


@pytest.fixture(scope="module")
def example() -> Project:
    if not (EXAMPLE / "nsmcode.yaml").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("examples/metrics is missing")
        pytest.skip("examples/metrics is not written yet")
    return load_project(EXAMPLE)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_example_metric_compiles_and_parses_back(example: Project, dialect: str) -> None:
    assert len(example.metrics) >= 10
    for name, metric in example.metrics.items():
        for options in (QueryOptions(), QueryOptions(segments=metric.segments)):
            sql = compile_metric(example, name, dialect, options)
            assert sqlglot.parse_one(sql, read=dialect) is not None, (name, dialect)
            assert "period" in sql and ("value" in sql), name


def test_north_star_sql_reads_as_defined(example: Project) -> None:
    """The NSM: distinct (account, endpoint) pairs of production calls of real accounts, per
    Monday-started week, by plan and developer segment."""
    star = example.north_star
    assert star is not None
    sql = compile_metric(example, star.name, "duckdb", QueryOptions(segments=star.segments))
    tree = sqlglot.parse_one(sql, read="duckdb")
    assert isinstance(tree, sqlglot.exp.Select)
    assert [s.alias_or_name for s in tree.selects] == ["period", *star.segments, "value"]
    assert "DATE_TRUNC('week'" in sql
    for qualifier in star.qualifiers:
        condition = example.qualifiers[qualifier].condition
        for column in sqlglot.parse_one(condition).find_all(sqlglot.exp.Column):
            assert column.name in sql
