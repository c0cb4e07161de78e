"""Generated identifiers (CTE names, aliases) fit every target's limit (PostgreSQL: 63 bytes), stay
distinct for long names sharing a prefix, and are stable: executed on PostgreSQL, whose 63-byte
truncation used to turn two such sources into a DuplicateAlias error."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import sqlglot
from compile_data import DATA
from compile_engines import Runner
from sqlglot import exp

from nsmcode.compile import QueryOptions, compile_metric
from nsmcode.compile.expressions import IDENTIFIER_BYTES, fit
from nsmcode.models import DIALECTS, Grain
from nsmcode.project import Project, load_project

PREFIX = "api_calls_recorded_by_the_edge_gateway_in_the_primary_region_"[:60]
ONE, TWO = PREFIX + "_production", PREFIX + "_everything"
DEFINITIONS = f"""
version: 1
sources:
  - name: {ONE}
    table: events
    time_column: called_at
    columns:
      - {{name: called_at, type: timestamp}}
      - {{name: environment, type: string}}
  - name: {TWO}
    table: events
    time_column: called_at
    columns:
      - {{name: called_at, type: timestamp}}
      - {{name: environment, type: string}}
metrics:
  - name: production_calls
    source: {ONE}
    calculation: {{type: count}}
    filter: environment = 'production'
  - name: all_calls
    source: {TWO}
    calculation: {{type: count}}
  - name: production_share
    calculation: {{type: ratio, numerator: production_calls, denominator: all_calls}}
    grain: week
"""


@pytest.fixture(scope="module")
def long_names(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root: Path = tmp_path_factory.mktemp("long")
    (root / "nsmcode.yaml").write_text("version: 1\nname: t\npaths: [metrics]\n")
    (root / "metrics").mkdir()
    (root / "metrics" / "all.yaml").write_text(DEFINITIONS)
    return load_project(root)


def test_fit_is_short_distinct_and_stable() -> None:
    assert len(PREFIX) == 60 and fit("nsm_rows_x") == "nsm_rows_x"
    one, two = fit(f"nsm_rows_{ONE}"), fit(f"nsm_rows_{TWO}")
    assert one != two and one == fit(f"nsm_rows_{ONE}")
    assert max(len(one.encode()), len(two.encode())) <= IDENTIFIER_BYTES
    assert len(fit("nsm_rows_" + "é" * 60).encode()) <= IDENTIFIER_BYTES


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_generated_identifier_fits(long_names: Project, dialect: str) -> None:
    sql = compile_metric(long_names, "production_share", dialect)
    tree = sqlglot.parse_one(sql, read=dialect)
    generated = [
        i.name for i in tree.find_all(exp.Identifier) if i.name not in (ONE, TWO, "events")
    ]
    assert all(len(n.encode()) <= IDENTIFIER_BYTES for n in generated), generated
    ctes = Counter(c.alias for c in tree.find_all(exp.CTE))
    assert all(n == 1 for n in ctes.values()), ctes


def _expected() -> dict[dt.date, float]:
    columns, rows = DATA["events"]
    at, env = columns.index(("called_at", "timestamp")), columns.index(("environment", "string"))
    weeks: dict[dt.date, list[int]] = {}
    for row in rows:
        day = row[at].date()
        counts = weeks.setdefault(day - dt.timedelta(days=day.weekday()), [0, 0])
        counts[0] += row[env] == "production"
        counts[1] += 1
    return {week: p / n for week, (p, n) in weeks.items()}


@pytest.mark.parametrize("engine", ["postgres", "duckdb"])
def test_long_source_names_run(
    long_names: Project, engine: str, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"{engine}_run")
    sql = compile_metric(long_names, "production_share", engine, QueryOptions(grain=Grain.WEEK))
    got = {period: value for period, value in run(sql) if value is not None}
    want = _expected()
    assert got.keys() == want.keys()
    assert all(got[w] == pytest.approx(v, abs=1e-12) for w, v in want.items())
