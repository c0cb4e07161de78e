"""`cumulative` over a `count_distinct` (docs/spec.md, Cumulative): the distinct count is recomputed
over the window's rows, never added up from periods; an account active on several days of a
28-day window counts once. Executed on every engine against the Python reference."""

from __future__ import annotations

import pytest
from compile_engines import Runner
from compile_reference import Reference
from compile_time import ENGINES
from test_compile_execution import assert_rows

from nsmcode.compile import QueryOptions, compile_metric
from nsmcode.models import Grain
from nsmcode.project import Project


@pytest.mark.parametrize("engine", ENGINES)
def test_rolling_distinct_count(
    engine: str, project: Project, request: pytest.FixtureRequest
) -> None:
    run: Runner = request.getfixturevalue(f"{engine}_run")
    sql = compile_metric(project, "active_accounts_28d", engine, QueryOptions(grain=Grain.DAY))
    reference = Reference("day", ())
    want = reference.series("active_accounts_28d")
    assert_rows(run(sql), want, 1)
    # not a sum of daily distinct counts: some window holds an account active on two days
    daily = dict(reference.series("active_accounts"))
    sums = [
        sum(v for d, v in daily.items() if 0 <= (day - d).days < 28 and v)
        for day, _ in want
    ]
    assert any(value < total for (_, value), total in zip(want, sums, strict=True))
