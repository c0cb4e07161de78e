"""SQL Server has no boolean values: every condition of every T-SQL file we write (golden files and
the example project's metrics) must be a predicate (`x <> 0`, `a = b`, ...), never a bare value
such as `NOT COALESCE(accounts.is_test, 0)`."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from nsmcode.compile import compile_metric
from nsmcode.compile.targets import is_predicate, predicate_positions
from nsmcode.project import load_project

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = sorted((ROOT / "tests" / "compile" / "golden" / "tsql").glob("*.sql"))


def _not_predicates(sql: str) -> list[str]:
    tree = sqlglot.parse_one(sql, read="tsql")
    return [
        node.sql("tsql")
        for node in predicate_positions(tree)
        # sqlglot reads a bare column condition back as the column: written as `c <> 0`
        if not is_predicate(node)
    ]


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_conditions_are_predicates(path: Path) -> None:
    assert not _not_predicates(path.read_text())


def test_example_conditions_are_predicates() -> None:
    project = load_project(ROOT / "examples" / "metrics")
    bad = {}
    for name in project.metrics:
        found = _not_predicates(compile_metric(project, name, "tsql"))
        if found:
            bad[name] = found
    assert not bad
    sql = compile_metric(project, "weekly_active_integration_points", "tsql")
    assert "NOT COALESCE(accounts.is_test, 0) <> 0" in " ".join(sql.split())


def test_the_check_sees_a_bare_value() -> None:
    assert _not_predicates("SELECT 1 FROM t WHERE NOT COALESCE(t.a, 0) AND t.b = 1") == [
        "COALESCE(t.a, 0)"
    ]
    assert isinstance(sqlglot.parse_one("SELECT 1 WHERE (1 = 1)", read="tsql"), exp.Select)
