"""A metric without a grain is one value (docs/spec.md, Time): one row over the whole range,
bounded by `since`/`until` (whole days), on every engine, against plain Python over the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from compile_engines import Runner
from compile_reference import METRICS, Agg, Reference, div
from compile_time import ENGINES

from nsmcode.compile import TOTAL, QueryOptions, compile_metric
from nsmcode.project import Project

RANGES = [(None, None), (dt.date(2026, 3, 10), dt.date(2026, 5, 20)), (dt.date(2026, 4, 1), None)]
NAMES = ("calls", "active_accounts", "latency_avg", "error_rate", "activation_7d", "calls_2w")
REF = Reference("day", ())


def _rows(name: str, since: dt.date | None, until: dt.date | None) -> list[dict[str, Any]]:
    agg = METRICS[name]
    assert isinstance(agg, Agg)
    return [
        r
        for r in REF.rows(agg)
        if (since is None or r["_time"].date() >= since)
        and (until is None or r["_time"].date() <= until)
    ]


def total(name: str, since: dt.date | None, until: dt.date | None) -> Any:
    """The metric over the rows of the days since..until (the documented rule, in Python)."""
    metric = METRICS[name]
    if isinstance(metric, Agg):
        return Reference.aggregate(metric, _rows(name, since, until))
    if metric.kind == "ratio":
        return div(total(metric.args[0], since, until), total(metric.args[1], since, until))
    if metric.kind == "window":  # the 14 days ending with the range's last day
        base, days, _ = metric.args
        rows = _rows(base, None, until)
        end = until or max(r["_time"].date() for r in _rows(base, since, until))
        inside = [r for r in rows if 0 <= (end - r["_time"].date()).days < days]
        agg = METRICS[base]
        assert isinstance(agg, Agg)
        return Reference.aggregate(agg, inside)
    assert metric.kind == "conversion"
    base = [r for r in _rows(metric.args[0], since, until) if r["_entity"] is not None]
    events = [r for r in _rows(metric.args[1], None, None) if r["_entity"] is not None]
    window = dt.timedelta(days=metric.args[2])
    converted = {
        b["_entity"]
        for b in base
        for e in events
        if e["_entity"] == b["_entity"] and b["_time"] <= e["_time"] <= b["_time"] + window
    }
    return div(len(converted), len({b["_entity"] for b in base}))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("bounds", RANGES, ids=["all", "since-until", "since"])
def test_total_is_one_row(
    engine: str,
    bounds: tuple[dt.date | None, dt.date | None],
    project: Project,
    request: pytest.FixtureRequest,
) -> None:
    run: Runner = request.getfixturevalue(f"{engine}_run")
    since, until = bounds
    options = QueryOptions(grain=TOTAL, since=since, until=until)
    for name in NAMES:
        days = [r["_time"].date() for a in REF.primary(name) for r in REF.rows(a)]
        first = since or min(days)
        assert project.metrics[name].grain is None  # its own grain: a total
        rows = run(compile_metric(project, name, engine, options))
        assert len(rows) == 1, (name, rows)
        (period, value), want = rows[0], total(name, since, until)
        assert period == first, name
        assert value == pytest.approx(want, rel=1e-9, abs=1e-12), name
