"""The verdict rules on hand-made numbers: bounds, the reverse direction, ties, z-tests."""

from __future__ import annotations

import math

import pytest

from nsmcode.analyze.stats import (
    Bucket,
    LagPoint,
    judge_lags,
    judge_retention,
    two_proportion_z,
)


def points(rs: dict[int, float | None], n: int = 25) -> list[LagPoint]:
    return [LagPoint(lag, n, r) for lag, r in sorted(rs.items())]


def test_bound_is_two_over_root_n() -> None:
    assert LagPoint(1, 25, 0.1).bound == pytest.approx(0.4)
    assert LagPoint(1, 0, None).bound is None
    assert not LagPoint(1, 7, 0.9).enough and LagPoint(1, 8, 0.9).enough
    assert not LagPoint(1, 30, None).enough


def test_lead_must_beat_the_bound_and_every_negative_lag() -> None:
    verdict = judge_lags(points({-2: 0.3, -1: 0.2, 0: 0.5, 1: 0.6, 2: 0.7, 3: 0.1}))
    assert (verdict.status, verdict.reason) == ("pass", "leads")
    assert verdict.best == LagPoint(2, 25, 0.7) and verdict.reverse == LagPoint(-2, 25, 0.3)
    assert verdict.concurrent == LagPoint(0, 25, 0.5)

    assert judge_lags(points({-1: 0.1, 1: 0.4})).reason == "within_noise"  # 0.4 is the bound
    assert judge_lags(points({-1: 0.1, 1: 0.41})).status == "pass"
    assert judge_lags(points({-3: 0.8, 1: 0.7})).reason == "reverse"
    assert judge_lags(points({-3: 0.7, 1: 0.7})).reason == "reverse"  # a tie is not a lead


def test_negative_correlation_is_not_a_lead() -> None:
    assert judge_lags(points({-1: 0.0, 1: -0.9, 2: 0.1})).reason == "within_noise"


def test_too_few_pairs() -> None:
    verdict = judge_lags([LagPoint(-1, 7, 0.9), LagPoint(1, 7, 0.9), LagPoint(2, 3, None)])
    assert (verdict.status, verdict.reason, verdict.best) == ("insufficient", "too_few", None)


def test_ties_prefer_the_shorter_lag() -> None:
    assert judge_lags(points({1: 0.9, 2: 0.9})).best == LagPoint(1, 25, 0.9)


def test_two_proportion_z() -> None:
    high, low = Bucket(4, 100, 60, 5, 9), Bucket(1, 100, 40, 1, 2)
    pooled = 0.5
    want = 0.2 / math.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert two_proportion_z(high, low) == pytest.approx(want)
    assert two_proportion_z(Bucket(4, 10, 10, 1, 1), Bucket(1, 10, 10, 1, 1)) is None


def buckets(*rates: tuple[int, int]) -> list[Bucket]:
    return [Bucket(i, n, kept, i, i) for i, (n, kept) in enumerate(rates)]


def test_retention_rises_and_is_significant() -> None:
    verdict = judge_retention(buckets((50, 5), (100, 30), (100, 45), (100, 50), (100, 70)))
    assert (verdict.status, verdict.reason) == ("pass", "rises")
    assert verdict.top is not None and verdict.top.bucket == 4
    assert verdict.bottom is not None and verdict.bottom.bucket == 1  # not the zero bucket


def test_small_dip_is_noise_but_a_real_drop_fails() -> None:
    wobble = judge_retention(buckets((0, 0), (100, 30), (100, 45), (100, 43), (100, 70)))
    assert wobble.status == "pass"
    drop = judge_retention(buckets((0, 0), (100, 30), (100, 80), (100, 40), (100, 85)))
    assert (drop.status, drop.reason, drop.drops) == ("fail", "not_rising", ((2, 3),))


def test_falling_retention_fails() -> None:
    verdict = judge_retention(buckets((0, 0), (100, 60), (0, 0), (0, 0), (100, 50)))
    assert (verdict.status, verdict.reason) == ("fail", "not_rising")


def test_retention_needs_two_filled_buckets_of_ten() -> None:
    assert judge_retention(buckets((0, 0), (100, 60))).status == "insufficient"
    assert judge_retention(buckets((0, 0), (100, 30), (0, 0), (0, 0), (9, 9))).reason == "too_few"
    # only one quartile: the zero bucket is the comparison
    verdict = judge_retention(buckets((80, 8), (100, 60)))
    assert verdict.bottom is not None and verdict.bottom.bucket == 0
    assert verdict.status == "pass"
