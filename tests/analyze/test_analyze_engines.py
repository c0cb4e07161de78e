"""The same analysis on DuckDB, PostgreSQL and SQLite (which has no CORR): equal results to
1e-9, verdicts and explanations included."""

from __future__ import annotations

from typing import Any

import pytest
from analyze_data import Build, load_postgres, write_sqlite

from nsmcode.analyze import analyze_project
from nsmcode.project import load_project


def same(left: Any, right: Any, where: str = "") -> None:
    """Equal structures; floats to 1e-9 (sums run in a different order on each engine)."""
    if isinstance(left, dict):
        assert isinstance(right, dict) and list(left) == list(right), where
        for key in left:
            same(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, list):
        assert isinstance(right, list) and len(left) == len(right), where
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            same(a, b, f"{where}[{i}]")
    elif isinstance(left, float):
        assert right == pytest.approx(left, abs=1e-9), where
    else:
        assert left == right, where


def result(root: Any, connection: str | None) -> dict[str, Any]:
    data = analyze_project(load_project(root), connection).to_dict()
    data.pop("connection")
    data.pop("dialect")
    return data


@pytest.mark.parametrize("scenario", ["lead2", "retained"])
def test_postgres_equals_duckdb(
    build: Build,
    scenario: str,
    pg_schema: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, data = build(scenario)
    dsn, schema = pg_schema
    monkeypatch.setenv("NSMCODE_ANALYZE_DSN", load_postgres(dsn, schema, data))
    duck = result(root, None)
    postgres = result(root, "pg")
    same(duck, postgres)
    assert duck["status"] in ("pass", "insufficient")  # a real result, not an empty one
    assert duck["lead"]["lags"] or duck["retention"]["buckets"]


@pytest.mark.parametrize("scenario", ["lead2", "retained"])
def test_sqlite_equals_duckdb(build: Build, scenario: str) -> None:
    root, data = build(scenario)
    sqlite = root / "data.sqlite"
    if not sqlite.exists():
        write_sqlite(sqlite, data)
    same(result(root, None), result(root, "lite"))


def test_queries_render_for_every_target(build: Build) -> None:
    """Both queries render for all twelve targets and parse back in their dialect (executed
    above on three engines; the others at least produce well-formed SQL)."""
    import sqlglot

    from nsmcode.analyze import lagged, retention, setup
    from nsmcode.compile import TARGETS, render
    from nsmcode.compile.rows import render_query

    root, _ = build("retained")
    project = load_project(root)
    chosen = setup.resolve(project)
    names = [chosen.north_star, chosen.outcome]
    lags = lagged.query(project, names, [(0, 1)], 3, chosen.grain)
    buckets = retention.query(project, chosen)
    for name, target in TARGETS.items():
        for sql in (render(lags, name), render_query(buckets, name)):
            assert sqlglot.parse_one(sql, read=target.dialect) is not None, name
            assert "CORR" not in sql.upper(), name
