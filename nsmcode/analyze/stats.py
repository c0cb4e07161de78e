"""The decisions, in plain Python over what the SQL computed: which lag leads, whether it beats
noise and the reverse direction, and whether retention rises with the north-star score.

The SQL returns correlations per lag and counts per bucket; everything here is arithmetic on
those few numbers, so the verdicts are identical whatever engine ran the queries.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from nsmcode.analyze.whiten import ALPHA, LeadTest, Series, lead_test

MIN_PAIRS = 8
"""Fewer pairs of periods than this at a lag and its correlation is not read at all."""
Z_CRITICAL = 1.96
"""Two-sided 5% level of the two-proportion z-test."""
MIN_BUCKET = 10
"""Entities a compared bucket needs for the z-test to mean something."""

Status = Literal["pass", "fail", "insufficient", "skipped"]


@dataclass(frozen=True)
class LagPoint:
    """One lag: `lag` > 0 pairs the leader at t with the follower at t + lag."""

    lag: int
    n: int
    """Pairs of periods where both log differences exist."""
    r: float | None
    """Pearson correlation of the log differences; None when undefined (no variation)."""

    @property
    def bound(self) -> float | None:
        """±2/√n: a correlation inside it is what unrelated series give (about 95% of the time)."""
        return 2 / math.sqrt(self.n) if self.n > 0 else None

    @property
    def enough(self) -> bool:
        return self.n >= MIN_PAIRS and self.r is not None


@dataclass(frozen=True)
class LagVerdict:
    status: Status
    reason: Literal["leads", "too_few", "within_noise", "reverse"]
    best: LagPoint | None
    """The strongest positive lag (highest r), among lags with enough pairs."""
    reverse: LagPoint | None
    """The strongest negative lag: the follower moving first."""
    concurrent: LagPoint | None
    """Lag 0."""
    test: LeadTest | None = None
    """The calibrated test (pre-whitened, corrected for the lags tried) that decided."""


def judge_lags(
    points: Sequence[LagPoint], leader: Series, follower: Series, max_lag: int
) -> LagVerdict:
    """Pass when, once each series' momentum is removed (see `whiten`), the strongest positive
    lag is significant at 5% for the best of the lags tried, and beats every negative lag.

    `points` are the raw correlations the SQL computed (shown, and the lags the verdict names
    are read from them); `leader` and `follower` the level series they were computed from."""
    raw = {p.lag: p for p in points}
    concurrent = raw.get(0) if raw.get(0) is not None and raw[0].enough else None
    test = lead_test(leader, follower, max_lag, MIN_PAIRS)
    best = raw.get(test.best) if test.best is not None else None
    reverse = raw.get(test.reverse) if test.reverse is not None else None
    if best is None or test.r is None:
        return LagVerdict("insufficient", "too_few", None, reverse, concurrent, test)
    moves_first = test.reverse_r is not None and test.reverse_r >= test.r
    reverse_significant = test.reverse_p is not None and test.reverse_p < ALPHA
    if moves_first and (reverse_significant or test.significant):
        return LagVerdict("fail", "reverse", best, reverse, concurrent, test)
    if not test.significant:
        return LagVerdict("fail", "within_noise", best, reverse, concurrent, test)
    return LagVerdict("pass", "leads", best, reverse, concurrent, test)


@dataclass(frozen=True)
class Bucket:
    """Entities whose early north-star score falls in one bucket: 0 = none, 1-4 = quartiles."""

    bucket: int
    entities: int
    retained: int
    low: float | None
    """Lowest and highest score in the bucket."""
    high: float | None

    @property
    def rate(self) -> float:
        return self.retained / self.entities if self.entities else 0.0


@dataclass(frozen=True)
class RetentionVerdict:
    status: Status
    reason: Literal["rises", "too_few", "not_rising", "not_significant"]
    top: Bucket | None
    bottom: Bucket | None
    z: float | None
    drops: tuple[tuple[int, int], ...]
    """Consecutive buckets (lower, higher) where retention falls by more than noise."""


def two_proportion_z(high: Bucket, low: Bucket) -> float | None:
    """z of the difference in retention rates (pooled standard error); positive when `high`
    retains better. None when both buckets retain all or none (no variation to test)."""
    n1, n2 = high.entities, low.entities
    if not n1 or not n2:
        return None
    pooled = (high.retained + low.retained) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None
    return (high.rate - low.rate) / math.sqrt(variance)


def judge_retention(buckets: Sequence[Bucket]) -> RetentionVerdict:
    """Pass when retention rises with the bucket (no step down beyond noise) and the top
    quartile retains significantly better than the bottom one (|z| > 1.96).

    The bottom is the lowest non-empty quartile: the zero bucket (entities that never did the
    counted thing) is shown but not the comparison, since "users retain better than non-users"
    says little about the metric. It is the bottom only when the scores do not split into two
    quartiles."""
    filled = [b for b in sorted(buckets, key=lambda b: b.bucket) if b.entities]
    drops = tuple(
        (lower.bucket, higher.bucket)
        for lower, higher in itertools.pairwise(filled)
        if (z := two_proportion_z(higher, lower)) is not None and z < -Z_CRITICAL
    )
    quartiles = [b for b in filled if b.bucket > 0]
    if len(quartiles) >= 2:
        top, bottom = quartiles[-1], quartiles[0]
    elif len(filled) >= 2:
        top, bottom = filled[-1], filled[0]
    else:
        return RetentionVerdict("insufficient", "too_few", None, None, None, drops)
    if min(top.entities, bottom.entities) < MIN_BUCKET:
        return RetentionVerdict("insufficient", "too_few", top, bottom, None, drops)
    z = two_proportion_z(top, bottom)
    if drops or top.rate < bottom.rate:
        return RetentionVerdict("fail", "not_rising", top, bottom, z, drops)
    if z is None or z <= Z_CRITICAL:
        return RetentionVerdict("fail", "not_significant", top, bottom, z, drops)
    return RetentionVerdict("pass", "rises", top, bottom, z, drops)
