"""Status maths: current value, progress, elapsed time and the on-track rule, each checked against
numbers worked out by hand in the test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from nsmcode import models
from nsmcode.run import status
from nsmcode.run.status import Goal

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "metrics"

D = dt.date
WEEK = models.Grain.WEEK
MONTH = models.Grain.MONTH


def weekly(start: dt.date, values: list[float | None]) -> list[tuple[dt.date, float | None]]:
    return [(start + dt.timedelta(weeks=i), v) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("start", "grain", "end"),
    [
        (D(2026, 11, 9), models.Grain.WEEK, D(2026, 11, 15)),
        (D(2026, 11, 15), models.Grain.DAY, D(2026, 11, 15)),
        (D(2026, 2, 1), models.Grain.MONTH, D(2026, 2, 28)),
        (D(2028, 2, 1), models.Grain.MONTH, D(2028, 2, 29)),
        (D(2026, 12, 1), models.Grain.MONTH, D(2026, 12, 31)),
        (D(2026, 10, 1), models.Grain.QUARTER, D(2026, 12, 31)),
        (D(2026, 11, 1), models.Grain.QUARTER, D(2027, 1, 31)),
    ],
)
def test_period_end(start: dt.date, grain: models.Grain, end: dt.date) -> None:
    assert status.period_end(start, grain) == end


def test_latest_complete_period_skips_the_running_week() -> None:
    series = weekly(D(2026, 10, 19), [10, 20, 30, 40])  # weeks of 10-19, 10-26, 11-02, 11-09
    # On Saturday 2026-11-14 the week of 11-09 has not ended: the week of 11-02 is the latest.
    assert status.latest_complete(series, WEEK, D(2026, 11, 14)) == (D(2026, 11, 2), 30.0)
    # On its Sunday it has.
    assert status.latest_complete(series, WEEK, D(2026, 11, 15)) == (D(2026, 11, 9), 40.0)
    assert status.latest_complete(series, WEEK, D(2026, 10, 1)) is None


def test_latest_complete_ignores_missing_values() -> None:
    series = weekly(D(2026, 11, 2), [7.0, None])
    assert status.latest_complete(series, WEEK, D(2026, 11, 30)) == (D(2026, 11, 2), 7.0)


def test_progress_increase_and_decrease() -> None:
    # 2,000 -> 3,600, now 2,400: 400 of 1,600 is a quarter of the way.
    assert status.progress(2000, 2400, 3600) == pytest.approx(0.25)
    # An error rate from 1.2% to 1.0%, now 1.15%: 0.05 of 0.2 points is a quarter.
    assert status.progress(0.012, 0.0115, 0.010) == pytest.approx(0.25)
    # Moving the wrong way is negative; beyond the target is above 1 (display clamps).
    assert status.progress(0.012, 0.013, 0.010) == pytest.approx(-0.5)
    assert status.progress(100, 250, 200) == pytest.approx(1.5)
    assert status.progress(None, 1, 2) is None
    assert status.progress(1, None, 2) is None


def test_progress_when_target_equals_baseline_follows_direction() -> None:
    keep = models.Direction.DECREASE
    assert status.progress(0.01, 0.009, 0.01, keep) == 1.0
    assert status.progress(0.01, 0.011, 0.01, keep) == 0.0
    assert status.progress(5, 6, 5, models.Direction.INCREASE) == 1.0


def test_elapsed_counts_whole_days() -> None:
    # 2026-Q4 has 92 days; on 2026-11-15 the first 46 of them are gone: exactly half.
    assert status.elapsed(D(2026, 10, 1), D(2026, 12, 31), D(2026, 11, 15)) == 0.5
    assert status.elapsed(D(2026, 10, 1), D(2026, 12, 31), D(2026, 9, 1)) == 0.0
    assert status.elapsed(D(2026, 10, 1), D(2026, 12, 31), D(2027, 3, 1)) == 1.0
    assert status.elapsed(D(2026, 10, 1), D(2026, 10, 1), D(2026, 10, 1)) == 1.0


@pytest.mark.parametrize(
    ("progress", "elapsed", "expected"),
    [
        (0.5, 0.5, "on track"),
        (0.41, 0.5, "on track"),
        (0.39, 0.5, "at risk"),
        (0.26, 0.5, "at risk"),
        (0.24, 0.5, "off track"),
        (-0.3, 0.1, "off track"),
        (1.2, 1.0, "on track"),
        (None, 0.5, "no data"),
    ],
)
def test_classify(progress: float | None, elapsed: float, expected: str) -> None:
    assert status.classify(progress, elapsed) == expected


def kr(**fields: object) -> Goal:
    values: dict[str, object] = {
        "kind": "okr",
        "group": "okr",
        "metric": "m",
        "description": None,
        "baseline": 2000.0,
        "target": 3600.0,
        "direction": models.Direction.INCREASE,
        "start": D(2026, 10, 1),
        "due": D(2026, 12, 31),
    }
    values.update(fields)
    return Goal(**values)  # type: ignore[arg-type]


def test_evaluate_key_result_end_to_end() -> None:
    series = weekly(D(2026, 9, 28), [2100, 2300, 2500, 2700, 2800, 2900, 3000, 3100])
    # The last week (of 11-16) is incomplete on 11-18; the week of 11-09 holds 3,000.
    result = status.evaluate(kr(), series, WEEK, D(2026, 11, 18))
    assert (result.current, result.period) == (3000.0, D(2026, 11, 9))
    assert result.progress == pytest.approx((3000 - 2000) / (3600 - 2000))
    assert result.elapsed == pytest.approx(49 / 92)
    assert result.status == "on track"  # 0.625 >= 0.533 - 0.1


def test_key_result_due_before_period_end_shortens_the_window() -> None:
    series = weekly(D(2026, 10, 5), [0.0115, 0.0112, 0.0110, 0.0111, 0.0112, 0.0113, 0.0114])
    goal = kr(
        baseline=0.012, target=0.010, direction=models.Direction.DECREASE, due=D(2026, 11, 30)
    )
    result = status.evaluate(goal, series, WEEK, D(2026, 11, 22))
    # Window 2026-10-01 .. 2026-11-30 is 61 days; 53 of them gone on 11-22.
    assert result.elapsed == pytest.approx(53 / 61)
    # Latest complete week: the week of 11-16, value 0.0114; (0.0114 - 0.012) / -0.002 = 0.3.
    assert result.current == pytest.approx(0.0114)
    assert result.progress == pytest.approx(0.3)
    assert result.status == "off track"  # 0.3 < 0.869 - 0.25


def test_missing_baseline_comes_from_the_period_before() -> None:
    series = weekly(D(2026, 9, 7), [10, 20, 30, 40, 50, 60])  # weeks to the week of 10-12
    result = status.evaluate(kr(baseline=None, target=100.0), series, WEEK, D(2026, 10, 18))
    # The last week ending before 2026-10-01 is the week of 09-21 (ends 09-27): 30.
    assert result.baseline == 30.0
    assert result.current == 60.0
    assert result.progress == pytest.approx((60 - 30) / (100 - 30))


def test_kpi_window_is_the_quarter_of_its_due_date() -> None:
    (goal,) = status.kpis(
        [
            models.Team(
                name="growth",
                kpis=(models.Kpi(metric="m", target=200, due=D(2026, 11, 30)),),
            )
        ]
    )
    assert (goal.start, goal.due) == (D(2026, 10, 1), D(2026, 11, 30))
    series = [(D(2026, 8, 1), 50.0), (D(2026, 9, 1), 80.0), (D(2026, 10, 1), 110.0)]
    result = status.evaluate(goal, series, MONTH, D(2026, 10, 31))
    assert result.baseline == 80.0  # September: the last month ending before the window
    assert result.current == 110.0
    assert result.progress == pytest.approx(30 / 120)
    # 2026-10-01 .. 2026-11-30 is 61 days; 31 of them gone on 10-31.
    assert result.elapsed == pytest.approx(31 / 61)
    assert result.status == "off track"  # 0.25 < 0.508 - 0.25
    assert status.quarter_start(D(2027, 3, 31)) == D(2027, 1, 1)
    assert status.quarter_start(D(2026, 7, 1)) == D(2026, 7, 1)


def test_no_data_is_reported_not_guessed() -> None:
    result = status.evaluate(kr(), [], WEEK, D(2026, 11, 15))
    assert result.current is None
    assert result.progress is None
    assert result.status == "no data"
    assert result.as_dict()["progress"] is None


def test_goals_from_models() -> None:
    okr = models.Okr(
        name="o",
        objective="Grow",
        period="2026-Q4",
        key_results=(
            models.KeyResult(metric="a", baseline=1, target=2, due=D(2026, 11, 30)),
            models.KeyResult(metric="b", baseline=1, target=2),
        ),
    )
    goals = status.key_results([okr])
    assert [(g.metric, g.start, g.due) for g in goals] == [
        ("a", D(2026, 10, 1), D(2026, 11, 30)),
        ("b", D(2026, 10, 1), D(2026, 12, 31)),
    ]
    team = models.Team(name="t", kpis=(models.Kpi(metric="c", target=3, due=D(2026, 12, 31)),))
    assert [(g.kind, g.group, g.start) for g in status.kpis([team])] == [
        ("kpi", "t", D(2026, 10, 1))
    ]
    undated = models.Team(name="u", kpis=(models.Kpi(metric="c", target=3),))
    assert [g.start for g in status.kpis([undated])] == [None]


def test_conversion_and_retention_periods_wait_until_settled() -> None:
    series = weekly(D(2026, 10, 26), [0.31, 0.29, 0.07])  # weeks of 10-26, 11-02, 11-09
    seven_days = status.Settle(days=7)
    # On Sunday 11-15 the week of 11-09 has ended, but its signups have until 11-22 to convert;
    # those of the week of 11-02 had until 11-15.
    assert status.latest_complete(series, WEEK, D(2026, 11, 15), seven_days) == (
        D(2026, 11, 2),
        0.29,
    )
    assert status.latest_complete(series, WEEK, D(2026, 11, 14), seven_days) == (
        D(2026, 10, 26),
        0.31,
    )
    # Week-4 retention of the cohort of 10-12 is known once the week of 11-09 has ended.
    cohorts = weekly(D(2026, 10, 5), [0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    assert status.latest_complete(cohorts, WEEK, D(2026, 11, 15), status.Settle(periods=4)) == (
        D(2026, 10, 12),
        0.4,
    )
    assert status.settled_by(D(2026, 1, 1), MONTH, status.Settle(periods=2)) == D(2026, 3, 31)


def test_settle_follows_the_metric_tree() -> None:
    from nsmcode.project import load_project
    from nsmcode.run.goals import settle

    project = load_project(EXAMPLE)
    assert settle(project, "activation_rate_7d") == status.Settle(days=7)
    assert settle(project, "week_4_retention") == status.Settle(periods=4)
    assert settle(project, "weekly_active_integration_points") == status.Settle()
