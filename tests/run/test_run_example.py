"""The example project end to end: the generator's contract (deterministic, scalable, the planted
lead), the north star by week on embedded DuckDB, OKR and KPI status, and PostgreSQL giving the
same numbers as DuckDB on generated data."""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from tinyproject import schema_dsn

from nsmcode.cli import main
from nsmcode.project import load_project

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"
GENERATOR = EXAMPLE / "generate_data.py"
NSM = "weekly_active_integration_points"


def generate(out: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out), *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def copy_example(root: Path) -> Path:
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("data", "*.py", "target"))
    return root


def invoke(args: list[str]) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def nsm_by_week(data: Path) -> dict[str, int]:
    """The north star by hand: production calls of customer accounts, distinct pairs a week."""
    con = duckdb.connect()
    rows = con.execute(
        f"""
        SELECT CAST(date_trunc('week', c.called_at) AS DATE),
               count(DISTINCT (c.account_id, c.endpoint))
        FROM read_parquet('{data}/api_calls.parquet') AS c
        JOIN read_parquet('{data}/accounts.parquet') AS a ON a.account_id = c.account_id
        WHERE c.environment = 'production' AND NOT a.is_test AND NOT a.is_internal
        GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    return {day.isoformat(): n for day, n in rows}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example with a small generated data set (400 accounts)."""
    root = copy_example(tmp_path_factory.mktemp("example") / "relay")
    generate(root / "data", "--accounts", "400")
    return root


def test_generator_is_deterministic(small: Path, tmp_path: Path) -> None:
    generate(tmp_path, "--accounts", "400")
    assert digests(tmp_path) == digests(small / "data")
    assert len(digests(tmp_path)) == 8


def test_call_volume_scales_and_distinct_counts_stay(small: Path, tmp_path: Path) -> None:
    out = generate(tmp_path, "--accounts", "400", "--api-calls", "120000")
    calls = (
        duckdb.connect()
        .execute(f"SELECT count(*) FROM read_parquet('{tmp_path}/api_calls.parquet')")
        .fetchone()
    )
    assert calls is not None and abs(calls[0] - 120_000) < 120_000 * 0.02
    assert f"{calls[0]:,}" in out
    assert nsm_by_week(tmp_path) == nsm_by_week(small / "data")


def test_north_star_by_week_on_embedded_duckdb(example_data: Path) -> None:
    """The README promise: generate, then the north star by week from the repository root."""
    text = invoke(["query", NSM, "--project", str(EXAMPLE), "--by", "week"])
    lines = text.splitlines()
    assert lines[0].split() == ["period", NSM]
    shown = {line.split()[0]: int(line.split()[1].replace(",", "")) for line in lines[2:]}
    assert shown == nsm_by_week(example_data)
    assert len(shown) == 28
    assert min(shown) == "2026-05-04" and max(shown) == "2026-11-09"


def test_okr_status_prints_every_key_result() -> None:
    project = load_project(EXAMPLE)
    doc = json.loads(invoke(["okr", "status", "--project", str(EXAMPLE), "--format", "json"]))[
        "results"
    ]
    assert doc["as_of"] == "2026-11-15"
    assert [o["name"] for o in doc["okrs"]] == list(project.okrs)
    for okr, data in zip(project.okrs.values(), doc["okrs"], strict=True):
        assert [kr["metric"] for kr in data["key_results"]] == [k.metric for k in okr.key_results]
        for kr in data["key_results"]:
            assert kr["current"] is not None and kr["progress"] is not None, kr
            assert kr["status"] in ("on track", "at risk", "off track")
    table = invoke(["okr", "status", "--project", str(EXAMPLE)])
    for okr in project.okrs.values():
        for kr in okr.key_results:
            assert any(
                line.strip().startswith(kr.metric) and "%" in line for line in table.splitlines()
            )


def test_kpi_status_covers_every_team() -> None:
    project = load_project(EXAMPLE)
    doc = json.loads(invoke(["kpi", "status", "--project", str(EXAMPLE), "--format", "json"]))[
        "results"
    ]
    assert [t["name"] for t in doc["teams"]] == list(project.teams)
    kpis = [k for t in doc["teams"] for k in t["kpis"]]
    assert len(kpis) == sum(len(t.kpis) for t in project.teams.values())
    assert all(k["current"] is not None for k in kpis)


def test_north_star_leads_revenue_by_three_weeks() -> None:
    """The planted lead: week-on-week changes of the north star line up best with changes of
    weekly revenue three weeks later."""
    text = invoke(["query", NSM, "weekly_revenue", "--project", str(EXAMPLE), "--format", "json"])
    rows = json.loads(text)["results"]
    nsm = [r[NSM] for r in rows]
    revenue = [r["weekly_revenue"] for r in rows]
    d_nsm = [b - a for a, b in itertools.pairwise(nsm)]
    d_rev = [b - a for a, b in itertools.pairwise(revenue)]

    def lagged(lag: int) -> float:
        return statistics.correlation(d_nsm[: len(d_nsm) - lag], d_rev[lag:])

    correlations = {lag: lagged(lag) for lag in range(7)}
    assert max(correlations, key=lambda lag: correlations[lag]) == 3, correlations
    assert correlations[3] > 0.6
    # ... and revenue does not lead the north star.
    reverse = statistics.correlation(d_rev[: len(d_rev) - 3], d_nsm[3:])
    assert reverse < correlations[3] - 0.3


# ------------------------------------------------------------------------------------------------
# PostgreSQL gives the same numbers


PG_TYPES = {"VARCHAR": "TEXT", "DOUBLE": "DOUBLE PRECISION"}


def load_into_postgres(data: Path, dsn: str, schema: str) -> None:
    import psycopg

    con = duckdb.connect()
    with psycopg.connect(dsn, autocommit=True) as pg:
        for file in sorted(data.glob("*.parquet")):
            relation = con.sql(f"SELECT * FROM read_parquet('{file}')")
            columns = ", ".join(
                f"{name} {PG_TYPES.get(str(kind), str(kind))}"
                for name, kind in zip(relation.columns, relation.types, strict=True)
            )
            pg.execute(f"CREATE TABLE {schema}.{file.stem} ({columns})")
            with pg.cursor().copy(f"COPY {schema}.{file.stem} FROM STDIN") as copy:
                for row in relation.fetchall():
                    copy.write_row(row)


def same(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> None:
    assert [list(r) for r in left] == [list(r) for r in right]
    for a, b in zip(left, right, strict=True):
        for key, value in a.items():
            if isinstance(value, float):
                assert b[key] == pytest.approx(value, rel=1e-9), (a["period"], key)
            else:
                assert b[key] == value, (a["period"], key)


def test_postgres_profile_matches_duckdb(
    small: Path, pg_schema: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn, schema = pg_schema
    load_into_postgres(small / "data", dsn, schema)
    monkeypatch.setenv("RELAY_WAREHOUSE_DSN", schema_dsn(dsn, schema))
    project = load_project(small)
    star = project.north_star
    assert star is not None
    metrics = [star.name, *(m.name for m in project.inputs_of(star.name))]
    assert len(metrics) >= 4
    for selection in (metrics, [star.name, "weekly_signups", "--segment", "plan"]):
        args = ["query", *selection, "--project", str(small), "--format", "json"]
        on_duckdb = json.loads(invoke(args))["results"]
        on_postgres = json.loads(invoke([*args, "--connection", "warehouse"]))["results"]
        assert len(on_duckdb) >= 28
        same(on_duckdb, on_postgres)
