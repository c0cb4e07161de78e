"""The calibrated lead test: pre-whitening, a correction for the number of lags tried, and the
effective sample size. Plain Python over the series the SQL returned.

Why: weekly metrics have momentum. A change this week predicts next week's change of the same
metric, so the changes of two unrelated metrics correlate far more often than the ±2/√n band
says (it holds for independent observations only), and taking the best of several lags makes a
chance "lead" likelier still. Measured on independent random walks, trends and seasons, the raw
rule passed about one pair in eight (bench/analyze_calibration.py).

The test pre-whitens both series, as Haugh's test of independence of two time series does:

1. each metric's log level gets a model: a linear trend plus its own last p values, p in
   1..6 chosen by AIC (at most one per 8 periods), fitted by least squares. A random walk, a
   trend with momentum and a cycle all fit it; its residuals are the metric's surprises;
2. the cross-correlation of the two residual series at lag k has, for unrelated series, the
   spread of independent data (Bartlett's formula with white series), so Fisher's
   z = atanh(r)·√(n - 3 - q) is about standard normal (q: the parameters each model used);
3. the best positive lag is judged against the best of K tries: the family-wise p-value is
   1 - (1 - p)^K (Šidák), and the lead must also beat every negative lag.

bench/analyze_calibration.py measures it: 4.4% of 3,000 unrelated pairs pass (target 5%).

The effective sample size of the raw correlation (Bartlett: n / (1 + 2 Σ rx(j) ry(j))) is
reported too: it says how many independent periods the raw r is worth.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

ALPHA = 0.05
"""Family-wise level: the chance that unrelated series pass, whatever the number of lags."""
MAX_ORDER = 6
"""Highest autoregressive order tried for a series' log level."""

_NORMAL = NormalDist()

Series = Sequence[float | None]


@dataclass(frozen=True)
class LeadTest:
    """The calibrated test of one (leader, follower) pair."""

    order: int
    """AR order of the leader's model (the follower's may differ)."""
    lags: int
    """Positive lags tried: the p-value is corrected for all of them."""
    points: tuple[tuple[int, int, float | None], ...]
    """(lag, n, r) of the pre-whitened series, for every lag."""
    best: int | None
    """The positive lag with the highest pre-whitened r (ties: the shorter lag)."""
    reverse: int | None
    """The negative lag with the highest pre-whitened r."""
    r: float | None
    """Pre-whitened r at the best lag."""
    n: int
    """Pairs at the best lag, after pre-whitening."""
    p: float | None
    """Family-wise p-value of the best lag: how often the best of `lags` unrelated lags is
    this strong."""
    threshold: float | None
    """The pre-whitened r the best lag had to exceed (family-wise 5%)."""
    n_eff: float | None
    """Effective sample size of the raw correlation at the best lag (Bartlett)."""
    reverse_p: float | None = None
    """The same p-value for the strongest negative lag: is the follower moving first?"""

    @property
    def significant(self) -> bool:
        return self.p is not None and self.p < ALPHA

    @property
    def reverse_r(self) -> float | None:
        return next((r for k, _, r in self.points if k == self.reverse), None)


def log_changes(values: Series) -> list[float | None]:
    """ln(v_t) - ln(v_{t-1}) where both are positive (None elsewhere), as the SQL computes it."""
    out: list[float | None] = [None]
    for before, now in itertools.pairwise(values):
        if before is not None and now is not None and before > 0 and now > 0:
            out.append(math.log(now) - math.log(before))
        else:
            out.append(None)
    return out[: len(values)]


def lead_test(leader: Series, follower: Series, max_lag: int, min_pairs: int) -> LeadTest:
    """Pre-whiten, cross-correlate, correct for the lags: the test of `leader` (the level
    series of the metric that should move first) against `follower`."""
    x, y = log_changes(leader), log_changes(follower)
    xw, order = whitened(leader)
    yw, order_y = whitened(follower)
    spent = max(order, order_y) + 2  # parameters each whitening fitted: a smaller sample in effect
    points = tuple((k, *correlation(xw, yw, k)) for k in range(-max_lag, max_lag + 1))
    readable = [(k, n, r) for k, n, r in points if n >= min_pairs and r is not None]
    ahead = [p for p in readable if p[0] > 0]
    behind = [p for p in readable if p[0] < 0]
    best = max(ahead, key=lambda p: p[2] or 0.0, default=None)
    reverse = max(sorted(behind, key=lambda p: -p[0]), key=lambda p: p[2] or 0.0, default=None)
    tries = len(ahead)
    if best is None or best[2] is None:
        return LeadTest(order, tries, points, None, None, None, 0, None, None, None)
    k, n, r = best
    return LeadTest(
        order=order,
        lags=tries,
        points=points,
        best=k,
        reverse=reverse[0] if reverse else None,
        r=r,
        n=n,
        p=family_p(r, n - spent, tries),
        threshold=threshold(n - spent, tries),
        n_eff=effective_n(x, y, k),
        reverse_p=(
            family_p(reverse[2], reverse[1] - spent, len(behind))
            if reverse is not None and reverse[2] is not None
            else None
        ),
    )


def family_p(r: float, n: int, tries: int) -> float:
    """Chance that the best of `tries` unrelated lags reaches `r` (one-sided, Fisher's z)."""
    if n <= 3:
        return 1.0
    z = math.atanh(max(-0.999999, min(0.999999, r))) * math.sqrt(n - 3)
    single = 1.0 - _NORMAL.cdf(z)
    return 1.0 - (1.0 - single) ** max(tries, 1)


def threshold(n: int, tries: int) -> float | None:
    """The r at which `family_p` is exactly ALPHA for n pairs."""
    if n <= 3:
        return None
    z = _NORMAL.inv_cdf((1.0 - ALPHA) ** (1.0 / max(tries, 1)))
    return math.tanh(z / math.sqrt(n - 3))


# -- the pieces -----------------------------------------------------------------------------


def whitened(values: Series) -> tuple[list[float | None], int]:
    """The surprises of a series: residuals of its log level on a trend and its own last p
    values (p by AIC), so momentum, drift, trend and cycles are gone. (residuals, p)"""
    logs = [math.log(v) if v is not None and v > 0 else None for v in values]
    usable = sum(1 for v in logs if v is not None)
    top = max(1, min(MAX_ORDER, usable // 8))
    rows = [
        t for t in range(top, len(logs)) if all(logs[t - j] is not None for j in range(top + 1))
    ]
    best: tuple[float, int, list[float]] | None = None
    for p in range(1, top + 1):
        fitted = _regress(logs, rows, p)
        if fitted is None:
            continue
        rss, beta = fitted
        m = len(rows)
        aic = m * math.log(max(rss, 1e-300) / m) + 2 * (p + 2)
        if best is None or aic < best[0] - 1e-12:
            best = (aic, p, beta)
    if best is None:
        return [None] * len(values), 0
    _, p, beta = best
    out: list[float | None] = []
    for t in range(len(logs)):
        terms = [v for j in range(p + 1) if t - j >= 0 and (v := logs[t - j]) is not None]
        if len(terms) < p + 1:
            out.append(None)
            continue
        past = sum(b * v for b, v in zip(beta[2:], terms[1:], strict=True))
        out.append(terms[0] - (beta[0] + beta[1] * t + past))
    return out, p


def _regress(
    logs: Sequence[float | None], rows: list[int], p: int
) -> tuple[float, list[float]] | None:
    """(residual sum of squares, [c, d, φ1..φp]) of l_t = c + d t + Σ φ_j l_{t-j}."""
    size = p + 2
    if len(rows) <= size + 2:
        return None
    design = [[1.0, float(t), *(_at(logs, t - j) for j in range(1, p + 1))] for t in rows]
    target = [_at(logs, t) for t in rows]
    scale = max(1.0, float(max(rows)))
    for row in design:
        row[1] /= scale
    gram = [[sum(r[i] * r[j] for r in design) for j in range(size)] for i in range(size)]
    moment = [sum(r[i] * v for r, v in zip(design, target, strict=True)) for i in range(size)]
    beta = _solve(gram, moment)
    if beta is None:
        return None
    rss = sum(
        (v - sum(b * c for b, c in zip(beta, r, strict=True))) ** 2
        for r, v in zip(design, target, strict=True)
    )
    beta[1] /= scale
    return rss, beta


def _at(values: Sequence[float | None], t: int) -> float:
    value = values[t]
    assert value is not None  # rows are chosen where every term exists
    return value


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting; None for a singular system."""
    size = len(vector)
    a = [[*row, v] for row, v in zip(matrix, vector, strict=True)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda i: abs(a[i][col]))
        if abs(a[pivot][col]) < 1e-12:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for i in range(col + 1, size):
            factor = a[i][col] / a[col][col]
            for j in range(col, size + 1):
                a[i][j] -= factor * a[col][j]
    out = [0.0] * size
    for i in reversed(range(size)):
        out[i] = (a[i][size] - sum(a[i][j] * out[j] for j in range(i + 1, size))) / a[i][i]
    return out


def correlation(
    x: Sequence[float | None], y: Sequence[float | None], k: int
) -> tuple[int, float | None]:
    """(n, Pearson r) of the pairs (x_t, y_{t+k}) where both exist."""
    pairs: list[tuple[float, float]] = []
    for t, a in enumerate(x):
        b = y[t + k] if 0 <= t + k < len(y) else None
        if a is not None and b is not None:
            pairs.append((a, b))
    n = len(pairs)
    if n < 3:
        return n, None
    mx = sum(a for a, _ in pairs) / n
    my = sum(b for _, b in pairs) / n
    sxy = sum((a - mx) * (b - my) for a, b in pairs)
    sxx = sum((a - mx) ** 2 for a, _ in pairs)
    syy = sum((b - my) ** 2 for _, b in pairs)
    if sxx <= 1e-18 or syy <= 1e-18:
        return n, None
    return n, sxy / math.sqrt(sxx * syy)


def effective_n(x: Sequence[float | None], y: Sequence[float | None], k: int) -> float | None:
    """Bartlett's effective sample size of the raw correlation of x_t with y_{t+k}."""
    n, r = correlation(x, y, k)
    if r is None or n < 4:
        return None
    limit = min(10, n // 4)
    shared = sum(
        (correlation(x, x, j)[1] or 0.0) * (correlation(y, y, j)[1] or 0.0)
        for j in range(1, limit + 1)
    )
    return max(2.0, min(float(n), n / max(1e-9, 1.0 + 2.0 * shared)))
