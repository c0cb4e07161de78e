"""Step 1 and 3 on synthetic data with planted leads: the lead is found, unrelated data and an
outcome that moves first fail, short histories say so, and every r equals Python's correlation
of the same log changes."""

from __future__ import annotations

import datetime as dt

import pytest
from analyze_data import Build, lag_correlation

from nsmcode.analyze import AnalysisReport, analyze_project
from nsmcode.compile import QueryOptions
from nsmcode.project import load_project
from nsmcode.run import execute
from nsmcode.run.connections import open_engine


def run(build: Build, scenario: str, **kwargs: int) -> AnalysisReport:
    root, _ = build(scenario)
    return analyze_project(load_project(root), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("scenario", "weeks"), [("lead2", 2), ("lead4", 4)])
def test_planted_lead_is_found(build: Build, scenario: str, weeks: int) -> None:
    report = run(build, scenario)
    lead = report.lead
    assert lead.status == "pass" and report.status == "pass"
    assert lead.verdict.best is not None and lead.verdict.best.lag == weeks
    assert lead.to_dict()["lead"] == weeks
    assert f"by {weeks} weeks" in lead.summary
    # retention is not declared in these projects: skipped, and said so
    assert report.retention.status == "skipped"
    assert "retention_entity" in report.retention.summary


def test_unrelated_outcome_fails(build: Build) -> None:
    report = run(build, "unrelated")
    assert report.lead.status == "fail" and report.status == "fail"
    assert report.lead.verdict.reason == "within_noise"
    best = report.lead.verdict.best
    assert best is not None and best.r is not None and best.bound is not None
    assert best.r <= best.bound
    assert "No lead found" in report.lead.summary


def test_outcome_that_leads_the_north_star_fails(build: Build) -> None:
    report = run(build, "outcome_leads")
    lead = report.lead
    assert lead.status == "fail" and lead.verdict.reason == "reverse"
    assert lead.verdict.reverse is not None and lead.verdict.reverse.lag == -3
    assert "weekly_payments moves first" in lead.summary
    assert "3 weeks" in lead.summary


def test_short_history_is_not_enough(build: Build) -> None:
    report = run(build, "short")
    assert report.lead.status == "insufficient" and report.status == "insufficient"
    assert all(not p.enough for p in report.lead.points if p.lag > 0)
    assert "Not enough history" in report.lead.summary
    assert any("8 + k + 1 weeks" in text for text in report.lead.explanation)


@pytest.mark.parametrize("scenario", ["lead2", "outcome_leads"])
def test_correlations_equal_python(build: Build, scenario: str) -> None:
    """r and n of every lag and pair against statistics.correlation over the metrics' series
    as `nsmcode query` computes them."""
    root, _ = build(scenario)
    project = load_project(root)
    report = analyze_project(project)
    names = [report.north_star, report.outcome, *(c.leader for c in report.inputs.ranking)]
    with open_engine(project) as engine:
        table = execute.run(project, engine, names, QueryOptions())
    series = {name: [v for _, v in table.series(name)] for name in names}
    assert [p.isoformat() for p, _ in table.series(names[0])] == report.series.to_dict()["periods"]
    checks = [report.lead, *report.inputs.ranking]
    for check in checks:
        for point in check.points:
            n, r = lag_correlation(series[check.leader], series[check.follower], point.lag)
            assert point.n == n, (check.leader, point.lag)
            if r is None:
                assert point.r is None
            else:
                assert point.r == pytest.approx(r, abs=1e-9), (check.leader, point.lag)


def test_inputs_are_ranked_by_lead(build: Build) -> None:
    report = run(build, "lead2")
    ranking = report.inputs.ranking
    assert [c.leader for c in ranking] == ["leading_signal", "noise_signal"]
    first, second = ranking
    assert first.status == "pass" and first.follower == report.north_star
    assert first.verdict.best is not None and first.verdict.best.lag == 2
    assert second.status == "fail"
    assert report.inputs.summary.startswith("1 of 2 inputs leads the north star: leading_signal")


def test_max_lag_bounds_the_lags(build: Build) -> None:
    report = run(build, "lead4", max_lag=3)
    assert [p.lag for p in report.lead.points] == list(range(-3, 4))
    # the planted 4-week lead is out of reach: the best it can do is a neighbour or nothing
    best = report.lead.verdict.best
    assert best is None or best.lag != 4


def test_period_in_progress_is_left_out(build: Build) -> None:
    """Run during the last week of the data: that week is partial and not compared."""
    root, _ = build("lead2")
    first = dt.date(2025, 1, 6)
    report = analyze_project(load_project(root), today=first + dt.timedelta(weeks=51, days=2))
    periods = report.series.periods
    assert len(periods) == 51 and periods[-1] == first + dt.timedelta(weeks=50)
    by_lag = {p.lag: p.n for p in report.lead.points}
    assert (by_lag[0], by_lag[2], by_lag[-6]) == (50, 48, 44)  # 51 weeks give 50 changes
    assert report.lead.verdict.best is not None and report.lead.verdict.best.lag == 2
    everything = analyze_project(load_project(root), today=first + dt.timedelta(weeks=60))
    assert len(everything.series.periods) == 52
