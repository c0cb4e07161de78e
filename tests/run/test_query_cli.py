"""`nsmcode query` flags, `list` and `values` on the command line: numbers against plain Python,
bad input as located errors with exit code 2."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from click.testing import CliRunner
from tinyproject import ROWS, Tiny, expected

from nsmcode.cli import main


def run(tiny: Tiny, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, tiny.args(*args))
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.output


def records(text: str) -> list[dict[str, Any]]:
    data = json.loads(text)["results"]
    assert isinstance(data, list)
    return data


def test_where_order_limit(tiny: Tiny) -> None:
    rows = records(
        run(
            tiny,
            "query", "calls", "--where", "plan = 'team'", "--order", "-calls", "--limit", "2",
            "--format", "json",
        )
    )
    team = sorted(
        (v for (_, plan), v in expected("calls", by_plan=True).items() if plan == "team"),
        reverse=True,
    )
    assert [r["calls"] for r in rows] == team[:2]
    assert all(r["complete"] is True for r in rows)


def test_incomplete_periods_in_every_format(tiny: Tiny) -> None:
    args = ("query", "calls", "--as-of", "2026-10-21")
    table = run(tiny, *args).splitlines()
    assert re.match(r"2026-10-19 +[\d,]+ +\*$", table[-2])
    assert not table[-3].endswith("*")
    assert table[-1] == "* incomplete: the period had not closed by 2026-10-21 (it may change)"
    as_csv = list(csv.DictReader(io.StringIO(run(tiny, *args, "--format", "csv"))))
    assert [r["complete"] for r in as_csv] == ["true", "true", "false"]
    as_json = records(run(tiny, *args, "--format", "json"))
    assert [r["complete"] for r in as_json] == [True, True, False]
    # Nothing open: no marks, no footnote.
    assert "incomplete" not in run(tiny, "query", "calls")


def test_pivot(tiny: Tiny) -> None:
    rows = records(run(tiny, "query", "calls", "--segment", "plan", "--pivot", "--format", "json"))
    want = expected("calls", by_plan=True)
    assert set(rows[0]) == {
        "period", "calls[plan=enterprise]", "calls[plan=individual]", "calls[plan=team]",
        "complete",
    }
    for row in rows:
        for plan in ("enterprise", "individual", "team"):
            key = (dt.date.fromisoformat(row["period"]), plan)
            assert (row[f"calls[plan={plan}]"] or 0) == want.get(key, 0)


def test_explain_prints_sql_and_runs_nothing(tiny: Tiny) -> None:
    # pg's DSN variable is unset: connecting would fail, explaining does not connect.
    out = run(tiny, "query", "calls", "errors", "--explain", "--connection", "pg")
    assert out.startswith("WITH") and out.rstrip().endswith(";")
    lite = run(tiny, "query", "calls", "--explain", "--connection", "lite")
    assert lite != run(tiny, "query", "calls", "--explain")


@pytest.mark.parametrize(
    ("args", "located"),
    [
        (("--where", "status_code = 500"), "--where:1:1: C011 where: 'status_code' is not a"),
        (("--where", "plan = 'x'; DROP TABLE accounts"), "--where:1:1: C012"),
        (("--where", "1 = (SELECT 1)"), "--where:1:1: C012"),
        (("--order", "nope"), "--order:1:1: R014 cannot order by 'nope'"),
        (("--limit", "-1"), "Invalid value for '--limit'"),
        (("--by", "fortnight"), "--by:1:1: R014 unknown grain 'fortnight'"),
        (("--segment", "nope"), "C030"),
        (("--since", "9999-12-31"), "--since:1:1: R014 9999-12-31 is outside the dates"),
    ],
)
def test_bad_input_is_located(tiny: Tiny, args: tuple[str, ...], located: str) -> None:
    out = run(tiny, "query", "calls", *args, code=2)
    assert located in out
    assert "Traceback" not in out


def test_unknown_metric_hint_points_at_list(tiny: Tiny) -> None:
    out = run(tiny, "query", "zzz", code=2)
    assert "nsmcode list metrics" in out and "nsmcode validate" not in out


def test_list(tiny: Tiny) -> None:
    metrics = records(run(tiny, "list", "metrics", "--format", "json"))
    assert [m["name"] for m in metrics] == [
        "points", "calls", "errors", "error_rate", "avg_latency", "signups",
    ]
    assert metrics[0]["role"] == "north_star" and metrics[0]["grain"] == "week"
    table = run(tiny, "list", "dimensions").splitlines()
    assert [line.split()[0] for line in table[2:]] == ["endpoint", "environment", "plan"]
    assert records(run(tiny, "list", "dimensions", "--metric", "signups", "--format", "json")) == [
        {"name": "plan", "sources": "accounts"}
    ]
    segments = records(run(tiny, "list", "segments", "--metric", "calls", "--format", "json"))
    assert segments == [{"metric": "calls", "segment": "plan"}]
    assert run(tiny, "list", "funnels") == "(no funnels)\n"
    assert "R008 unknown metric 'nope'" in run(tiny, "list", "segments", "--metric", "nope", code=2)
    assert "Invalid value" in run(tiny, "list", "funnels", "--metric", "calls", code=2)


def test_values(tiny: Tiny) -> None:
    plans = sorted({a[2] for a in ROWS["accounts"]})
    assert run(tiny, "values", "plan").splitlines() == plans
    found = records(run(tiny, "values", "plan", "--limit", "2", "--format", "json"))
    assert [r["plan"] for r in found] == plans[:2]
    assert run(tiny, "values", "plan", "--format", "csv").splitlines() == ["plan", *plans]
    endpoints = sorted({c[3] for c in ROWS["api_calls"]})
    assert run(tiny, "values", "endpoint", "--metric", "calls").splitlines() == endpoints
    out = run(tiny, "values", "plann", code=2)
    assert "DIMENSION:1:1: R014 unknown dimension 'plann'" in out and "did you mean plan?" in out
    out = run(tiny, "values", "endpoint", "--metric", "signups", code=2)
    assert "R014 'endpoint' is not a dimension metric 'signups' reaches" in out
    assert "Invalid value for '--limit'" in run(tiny, "values", "plan", "--limit", "x", code=2)
