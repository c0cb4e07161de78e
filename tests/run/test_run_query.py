"""`nsmcode query` on the tiny project: every number checked against Python over the same rows,
on DuckDB, SQLite and PostgreSQL; formats, segments, bounds, batching and error messages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from tinyproject import Tiny, expected, load_postgres, month, postgres_dsn, schema_dsn, write_sqlite

from nsmcode.cli import main
from nsmcode.compile import QueryOptions
from nsmcode.project import load_project
from nsmcode.run import execute
from nsmcode.run.connections import open_engine

D = dt.date
METRICS = ["points", "calls", "errors", "error_rate", "avg_latency", "signups"]


def invoke(runner: CliRunner, args: list[str], code: int = 0) -> str:
    result = runner.invoke(main, args)
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.output


def records(text: str) -> list[dict[str, Any]]:
    data = json.loads(text)["results"]
    assert isinstance(data, list)
    return data


def check(
    rows: list[dict[str, Any]], metric: str, want: dict[tuple[Any, ...], Any], keys: list[str]
) -> None:
    got = {
        tuple(D.fromisoformat(r[k]) if k == "period" else r[k] for k in keys): r[metric]
        for r in rows
    }
    for key, value in want.items():
        assert got[key] == pytest.approx(value), (metric, key)
    for key, value in got.items():
        if key not in want:  # spine rows: no events in that period (or segment)
            assert value in (0, None), (metric, key, value)


def test_query_matches_python(tiny: Tiny, runner: CliRunner) -> None:
    rows = records(
        invoke(runner, ["query", *METRICS, "--format", "json", "--project", str(tiny.root)])
    )
    assert list(rows[0]) == ["period", *METRICS, "complete"]
    for metric in METRICS:
        check(rows, metric, expected(metric), ["period"])
    periods = [r["period"] for r in rows]
    assert periods == sorted(periods) and len(set(periods)) == len(periods)


def test_north_star_by_week_table(tiny: Tiny, runner: CliRunner) -> None:
    text = invoke(runner, tiny.args("query", "points", "--by", "week"))
    lines = text.splitlines()
    assert lines[0].split() == ["period", "points"]
    want = expected("points")
    shown = {D.fromisoformat(line.split()[0]): int(line.split()[1]) for line in lines[2:]}
    assert shown == {k[0]: v for k, v in want.items()}


def test_segments(tiny: Tiny, runner: CliRunner) -> None:
    out = invoke(
        runner, tiny.args("query", "points", "calls", "--segment", "plan", "--format", "json")
    )
    rows = records(out)
    assert list(rows[0]) == ["period", "plan", "points", "calls", "complete"]
    for metric in ("points", "calls"):
        check(rows, metric, expected(metric, by_plan=True), ["period", "plan"])
    keys = [(r["period"], r["plan"]) for r in rows]
    assert keys == sorted(keys)


def test_since_until_and_grain(tiny: Tiny, runner: CliRunner) -> None:
    out = invoke(
        runner,
        tiny.args(
            "query", "calls", "--since", "2026-10-12", "--until", "2026-10-12", "--format", "json"
        ),
    )
    assert records(out) == [
        {"period": "2026-10-12", "calls": expected("calls")[(D(2026, 10, 12),)], "complete": True}
    ]
    out = invoke(
        runner, tiny.args("query", "calls", "avg_latency", "--by", "month", "--format", "json")
    )
    rows = records(out)
    assert [r["period"] for r in rows] == ["2026-10-01"]
    for metric in ("calls", "avg_latency"):
        check(rows, metric, expected(metric, period=month), ["period"])


def test_since_after_until_is_a_usage_error(tiny: Tiny, runner: CliRunner) -> None:
    out = invoke(
        runner, tiny.args("query", "calls", "--since", "2026-10-20", "--until", "2026-10-01"), 2
    )
    assert "--since" in out


def test_formats_agree(tiny: Tiny, runner: CliRunner) -> None:
    args = tiny.args("query", "calls", "error_rate", "--segment", "plan")
    as_json = records(invoke(runner, [*args, "--format", "json"]))
    as_csv = list(csv.DictReader(io.StringIO(invoke(runner, [*args, "--format", "csv"]))))
    assert len(as_csv) == len(as_json)
    for c, j in zip(as_csv, as_json, strict=True):
        assert c["period"] == j["period"] and c["plan"] == (j["plan"] or "")
        assert int(c["calls"]) == j["calls"]
        assert (float(c["error_rate"]) if c["error_rate"] else None) == j["error_rate"]  # exact
    table = invoke(runner, [*args, "--format", "table"]).splitlines()
    assert len(table) == len(as_json) + 2
    # Deterministic: the same bytes twice.
    assert invoke(runner, [*args, "--format", "csv"]) == invoke(runner, [*args, "--format", "csv"])


def test_batch_equals_one_query_per_metric(tiny: Tiny) -> None:
    project = load_project(tiny.root)
    options = QueryOptions(segments=("plan",))
    names = ["points", "calls", "errors", "avg_latency"]
    batches = execute.plan(project, names, "duckdb", options)
    assert len(batches) < len(names)  # same source and grain: computed together
    with open_engine(project) as engine:
        together = execute.run(project, engine, names, options)
        apart = execute.run(project, engine, names, options, batch=False)
    assert together.columns == apart.columns
    assert len(together.rows) == len(apart.rows)
    for a, b in zip(together.rows, apart.rows, strict=True):
        assert a[:2] == b[:2]
        assert a[2:] == pytest.approx(b[2:])


def test_sqlite_gives_the_same_numbers(tiny: Tiny, runner: CliRunner) -> None:
    write_sqlite(tiny.root / "tiny.sqlite")
    args = tiny.args("query", *METRICS, "--format", "json")
    on_duckdb = records(invoke(runner, args))
    on_sqlite = records(invoke(runner, [*args, "--connection", "lite"]))
    assert_same(on_duckdb, on_sqlite)


def assert_same(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> None:
    assert [list(r) for r in left] == [list(r) for r in right]
    for a, b in zip(left, right, strict=True):
        for key, value in a.items():
            if isinstance(value, float):
                assert b[key] == pytest.approx(value, rel=1e-12), key
            else:
                assert b[key] == value, key


def test_postgres_gives_the_same_numbers(
    tiny: Tiny, runner: CliRunner, pg_schema: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn, schema = pg_schema
    load_postgres(dsn, schema)
    monkeypatch.setenv("NSMCODE_TINY_DSN", schema_dsn(dsn, schema))
    args = tiny.args("query", *METRICS, "--format", "json")
    assert_same(
        records(invoke(runner, args)), records(invoke(runner, [*args, "--connection", "pg"]))
    )
    args = tiny.args("query", "points", "calls", "--segment", "plan", "--format", "json")
    assert_same(
        records(invoke(runner, args)), records(invoke(runner, [*args, "--connection", "pg"]))
    )


# ------------------------------------------------------------------------------------------------
# Errors


def test_unknown_metric(tiny: Tiny, runner: CliRunner) -> None:
    out = invoke(runner, tiny.args("query", "pionts"), 2)
    assert "R008 unknown metric 'pionts'" in out
    assert "did you mean points" in out


def test_missing_data_file(tiny: Tiny, runner: CliRunner) -> None:
    (tiny.root / "data" / "api_calls.csv").unlink()
    (tiny.root / "generate_data.py").write_text("")
    out = invoke(runner, tiny.args("query", "points"), 2)
    assert "R003 data file data/api_calls.csv for table 'api_calls' does not exist" in out
    assert "nsmcode.yaml:10:" in out
    assert "hint: generate the data: python " in out and "generate_data.py" in out


def test_missing_table_names_metric_source_and_definition(tiny: Tiny, runner: CliRunner) -> None:
    write_sqlite(tiny.root / "tiny.sqlite", skip=("api_calls",))
    out = invoke(runner, tiny.args("query", "points", "--connection", "lite"), 2)
    assert "R001 metric 'points': table 'api_calls' of source 'api_calls' does not exist" in out
    assert "metrics.yaml:14:" in out  # the source's `table:` line
    assert "Traceback" not in out


def test_missing_column_names_metric_source_and_definition(tiny: Tiny, runner: CliRunner) -> None:
    write_sqlite(tiny.root / "tiny.sqlite", skip=("api_calls.latency_ms",))
    out = invoke(runner, tiny.args("query", "avg_latency", "--connection", "lite"), 2)
    assert (
        "R002 metric 'avg_latency': column 'latency_ms' of source 'api_calls' does not exist" in out
    )
    assert "metrics.yaml:24:" in out  # the column's declaration
    # Metrics that do not read the column still run.
    invoke(runner, tiny.args("query", "points", "--connection", "lite"))
    # In a batch, the error still names the metric that reads the column, not the whole batch.
    out = invoke(
        runner, tiny.args("query", "points", "calls", "avg_latency", "--connection", "lite"), 2
    )
    assert "R002 metric 'avg_latency': column 'latency_ms'" in out


def test_bad_password_is_never_printed(
    tiny: Tiny, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn = postgres_dsn()
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    secret = "Very-Secret-42"
    server = {**conninfo_to_dict(dsn), "user": "nsmcode_nobody", "password": secret}
    monkeypatch.setenv("NSMCODE_TINY_DSN", make_conninfo("", **server))
    result = runner.invoke(main, tiny.args("query", "points", "--connection", "pg"))
    assert result.exit_code == 2
    assert "R005" in result.output
    assert secret not in result.output


def test_csv_output_defuses_formulas_unless_raw(tiny: Tiny, runner: CliRunner) -> None:
    data = tiny.root / "data" / "accounts.csv"
    data.write_text(data.read_text().replace(",enterprise,", ",=1+2,").replace(",team,", ",@A1,"))
    args = tiny.args("query", "points", "--segment", "plan", "--format", "csv")
    plans = {r["plan"] for r in csv.DictReader(io.StringIO(invoke(runner, args)))}
    assert {"'=1+2", "'@A1", "individual"} <= plans
    assert not plans & {"=1+2", "@A1"}
    raw = {r["plan"] for r in csv.DictReader(io.StringIO(invoke(runner, [*args, "--csv-raw"])))}
    assert {"=1+2", "@A1", "individual"} <= raw
