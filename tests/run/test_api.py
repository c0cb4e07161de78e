"""The Python API (nsmcode.api) on the tiny project: every number against plain Python, the
DuckDB Arrow path against the Python-object path, and every input error located, never printed."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tinyproject import ROWS, Tiny, expected

import nsmcode
from nsmcode import api
from nsmcode.run import arrow

D = dt.date
CONVERSION = """\
version: 1
metrics:
  - name: activated
    calculation: {type: conversion, base: signups, conversion: calls, entity: account,
                  within: 7 days}
    grain: week
"""


def keyed(result: nsmcode.Result, metric: str) -> dict[tuple[Any, ...], Any]:
    """Non-zero values of a metric by (period[, plan]), as tinyproject.expected gives them."""
    index = result.columns.index(metric)
    keys = [c for c in result.columns if c == "period" or c in ("plan", "endpoint")]
    return {
        tuple(r[result.columns.index(k)] for k in keys): r[index]
        for r in result.rows
        if r[index] not in (0, None)
    }


def test_import_is_light_and_the_api_is_reexported() -> None:
    code = (
        "import sys, nsmcode; "
        "print(sorted(m for m in ('pydantic', 'sqlglot', 'nsmcode.api') if m in sys.modules)); "
        "nsmcode.load; print('nsmcode.api' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]
    assert nsmcode.load is api.load and nsmcode.ProjectError is api.ProjectError
    with pytest.raises(AttributeError):
        _ = nsmcode.nothing_here  # type: ignore[attr-defined]


def test_load_raises_located_diagnostics_and_never_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nsmcode.yaml").write_text("version: 1\nname: x\npaths: [m]\n")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.yaml").write_text("version: 1\nmetrics:\n  - name: a\n    grain: weekly\n")
    with pytest.raises(nsmcode.ProjectError) as caught:
        nsmcode.load(tmp_path)
    assert caught.value.diagnostics
    assert all(d.span and d.span.file.endswith("a.yaml") for d in caught.value.diagnostics)
    assert capsys.readouterr() == ("", "")


def test_query_matches_python(tiny: Tiny) -> None:
    project = nsmcode.load(tiny.root)
    assert project.metrics["points"].grain is not None and "tiny" in repr(project)
    result = project.query(["points", "calls"], segments=["plan"])
    assert result.columns == ["period", "plan", "points", "calls"]
    for metric in ("points", "calls"):
        assert keyed(result, metric) == expected(metric, by_plan=True)
    assert result.sql.startswith("WITH") and result.sql.endswith(";\n")
    assert len(result) == len(result.rows) and result.complete is not None


def test_arrow_path_equals_python_path(tiny: Tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    project = nsmcode.load(tiny.root)
    args: dict[str, Any] = {"segments": ["plan"], "order": ["-calls", "period"], "limit": 7}
    fast = project.query(["calls", "error_rate"], **args)
    assert fast._arrow is not None
    monkeypatch.setattr(arrow, "available", lambda *a: False)
    slow = project.query(["calls", "error_rate"], **args)
    assert slow._arrow is None
    assert fast.columns == slow.columns and fast.rows == slow.rows
    assert fast.complete == slow.complete
    assert fast.to_arrow().equals(slow.to_arrow())


def test_dataframes(tiny: Tiny) -> None:
    result = nsmcode.load(tiny.root).query("calls", as_of="2026-10-20")
    table = result.to_arrow()
    assert table.column_names == ["period", "calls", "complete"]
    frame = result.to_pandas()
    assert list(frame["calls"]) == [r[1] for r in result.rows]
    assert list(frame["complete"]) == [True, True, False]
    polars = result.to_polars()
    assert polars["calls"].to_list() == [r[1] for r in result.rows]
    last = {"period": D(2026, 10, 19), "calls": result.rows[-1][1], "complete": False}
    assert result.to_dicts()[-1] == last


def test_missing_dataframe_library_names_the_extra(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = nsmcode.load(tiny.root).query("calls")
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(ImportError, match=r"pip install 'nsmcode\[dataframes\]'"):
        result.to_polars()


def test_where_filters_rows_before_aggregating(tiny: Tiny) -> None:
    project = nsmcode.load(tiny.root)
    result = project.query(["points", "calls"], where="plan = 'team'")
    for metric in ("points", "calls"):
        want = {(k[0],): v for k, v in expected(metric, by_plan=True).items() if k[1] == "team"}
        assert keyed(result, metric) == want
    # A dimension of the source itself, and IN lists.
    got = project.query("calls", where="endpoint IN ('GET /v1/files') AND plan <> 'team'")
    accounts = {a[0]: a for a in ROWS["accounts"]}
    want_calls: dict[tuple[Any, ...], int] = {}
    for call in ROWS["api_calls"]:
        account = accounts[call[1]]
        if (
            call[4] == "production"
            and not account[3]
            and call[3] == "GET /v1/files"
            and account[2] != "team"
        ):
            week = call[2].date() - dt.timedelta(days=call[2].weekday())
            want_calls[(week,)] = want_calls.get((week,), 0) + 1
    assert keyed(got, "calls") == want_calls


@pytest.mark.parametrize(
    ("where", "code", "words"),
    [
        ("status_code >= 500", "C011", "not a dimension"),
        ("nope = 1", "C011", "'nope' is not a dimension"),
        ("plan = 'team'; DROP TABLE api_calls", "C012", "single expression"),
        ("plan = (SELECT max(plan) FROM accounts)", "C012", "subquery"),
        ("plan = 'a' -- x", "C012", "comment"),
        ("plan = 'team' AND", "C010", "does not parse"),
    ],
)
def test_where_is_checked_like_a_qualifier(tiny: Tiny, where: str, code: str, words: str) -> None:
    project = nsmcode.load(tiny.root)
    with pytest.raises(nsmcode.ProjectError) as caught:
        project.query("calls", where=where)
    (first, *_) = caught.value.diagnostics
    assert first.code == code and words in first.message and str(first.span) == "--where:1:1"


def test_order_limit_and_pivot(tiny: Tiny) -> None:
    project = nsmcode.load(tiny.root)
    ordered = project.query("calls", order=["-calls"], limit=2)
    values = sorted(expected("calls").values(), reverse=True)
    assert [r[1] for r in ordered.rows] == values[:2]
    wide = project.query(["calls"], segments=["plan"], pivot=True)
    plans = sorted({a[2] for a in ROWS["accounts"]})
    assert wide.columns == ["period", *(f"calls[plan={p}]" for p in plans)]
    want = expected("calls", by_plan=True)
    for row in wide.rows:
        for plan, value in zip(plans, row[1:], strict=True):
            assert (value or 0) == want.get((row[0], plan), 0)
    with pytest.raises(nsmcode.ProjectError) as caught:
        project.query("calls", order=["-nope"])
    assert caught.value.diagnostics[0].code == "R014"
    assert str(caught.value.diagnostics[0].span) == "--order:1:1"
    with pytest.raises(nsmcode.ProjectError, match="R014"):
        project.query("calls", by="fortnight")


def test_incomplete_periods_follow_the_status_rule(tiny: Tiny) -> None:
    (tiny.root / "metrics" / "conversion.yaml").write_text(CONVERSION)
    project = nsmcode.load(tiny.root)
    # The data ends on Sunday 2026-10-25: every week is complete.
    assert set(project.query("calls").complete or ()) == {True}
    # As of Wednesday 2026-10-21, the week of 2026-10-19 is open.
    result = project.query("calls", as_of="2026-10-21")
    assert dict(zip([r[0] for r in result.rows], result.complete or (), strict=True)) == {
        D(2026, 10, 5): True,
        D(2026, 10, 12): True,
        D(2026, 10, 19): False,
    }
    # A 7-day conversion waits 7 days after its week: as of 2026-10-25 the week of 10-19 is not
    # settled, the week of 10-12 is (Sunday 10-18 + 7 days = 10-25).
    conversion = project.query("activated", as_of="2026-10-25")
    assert dict(zip([r[0] for r in conversion.rows], conversion.complete or (), strict=True)) == {
        D(2026, 10, 5): True,
        D(2026, 10, 12): True,
        D(2026, 10, 19): False,
    }


def test_sql_and_explain(tiny: Tiny) -> None:
    project = nsmcode.load(tiny.root)
    sql = project.sql("calls", dialect="snowflake")
    assert "DATEADD" in sql or "DATE_TRUNC" in sql
    # explain compiles for the connection's dialect without connecting (pg's DSN is unset)
    (statement,) = project.explain("calls", connection="pg")
    assert statement == project.sql("calls", dialect="postgres")
    assert project.explain(["calls", "errors"], connection="lite")[0].count("SELECT") > 1


def test_values_and_dimensions(tiny: Tiny) -> None:
    project = nsmcode.load(tiny.root)
    plans = sorted({a[2] for a in ROWS["accounts"]})
    assert project.values("plan") == plans
    assert project.values("plan", limit=1) == plans[:1]
    assert project.values("endpoint", metric="calls") == sorted({c[3] for c in ROWS["api_calls"]})
    assert project.dimensions("calls") == {
        "endpoint": ["api_calls"],
        "environment": ["api_calls"],
        "plan": ["accounts"],
    }
    assert project.dimensions("signups") == {"plan": ["accounts"]}
    with pytest.raises(nsmcode.ProjectError, match="R014"):
        project.values("endpoint", metric="signups")
    with pytest.raises(nsmcode.ProjectError, match="did you mean plan"):
        project.values("plans")


def test_okr_status_is_what_the_cli_reports(tiny: Tiny) -> None:
    status = nsmcode.load(tiny.root).okr_status(as_of="2026-10-25")
    assert status.as_of == D(2026, 10, 25)
    assert [g["metric"] for g in status.to_dicts()] == ["points", "error_rate"]
    points = status.goals[0]
    assert points.current == expected("points")[(D(2026, 10, 19),)]
    kpis = nsmcode.load(tiny.root).kpi_status(as_of="2026-10-25")
    assert [g.goal.metric for g in kpis.goals] == ["calls", "avg_latency"]


def test_by_total_is_one_row_over_the_range(tiny: Tiny) -> None:
    result = nsmcode.load(tiny.root).query(
        ["calls", "points"], by="total", segments=["plan"], since="2026-10-12"
    )
    assert result.columns == ["plan", "calls", "points"]
    accounts = {a[0]: a for a in ROWS["accounts"]}
    for plan in sorted({a[2] for a in ROWS["accounts"]}):
        calls = [
            c
            for c in ROWS["api_calls"]
            if c[4] == "production"
            and not accounts[c[1]][3]
            and accounts[c[1]][2] == plan
            and c[2] >= dt.datetime(2026, 10, 12)
        ]
        row = next(r for r in result.rows if r[0] == plan)
        assert row[1:] == (len(calls), len({(c[1], c[3]) for c in calls}))


def test_repeated_queries_reuse_the_plan_and_the_connection(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API's overhead over the SQL itself (bench/query.py): a query shape is compiled once per
    project, embedded DuckDB over files stays open between calls, and the latest-date SQL is
    built once; a changed set of data files, or another query, is noticed."""
    from nsmcode.run import connections, execute, goals

    plans: list[tuple[str, ...]] = []
    opened: list[str | None] = []
    real_plan, real_open = execute.plan, connections.open_engine

    def counting_plan(project: Any, names: Any, *args: Any, **kwargs: Any) -> Any:
        plans.append(tuple(names))
        return real_plan(project, names, *args, **kwargs)

    def counting_open(project: Any, name: str | None = None) -> Any:
        opened.append(name)
        return real_open(project, name)

    monkeypatch.setattr(execute, "plan", counting_plan)
    monkeypatch.setattr(connections, "open_engine", counting_open)
    goals._latest_sql.cache_clear()
    project = nsmcode.load(tiny.root)
    first = project.query("points", segments=["plan"])
    for _ in range(4):
        again = project.query("points", segments=["plan"])
        assert again.rows == first.rows and again.complete == first.complete
    assert plans == [("points",)] and opened == [None]
    assert goals._latest_sql.cache_info().misses == 1  # api_calls, once
    project.query("points", segments=["plan"], since="2026-10-12")  # another shape: compiled
    assert len(plans) == 2 and opened == [None]
    (tiny.root / "data" / "accounts.csv").rename(tiny.root / "data" / "gone.csv")
    with pytest.raises(nsmcode.ProjectError):  # the file is gone: reopened, and reported
        project.query("points", segments=["plan"])
    assert opened == [None, None]
    (tiny.root / "data" / "gone.csv").rename(tiny.root / "data" / "accounts.csv")
    assert project.query("points", segments=["plan"]).rows == first.rows
    assert opened == [None, None, None]
    engine = project._session.kept["local"][1]
    with project:
        pass  # leaving the block closes what it kept open
    assert project._session.kept == {}
    with pytest.raises(Exception):  # noqa: B017 - DuckDB's own error for a closed connection
        engine.connection.execute("SELECT 1")
    # other connections are opened per call
