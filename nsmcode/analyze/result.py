"""What `analyze` found: plain dataclasses with a JSON-able `to_dict()` (for `--format json` and
the docs site's charts). Every check carries its numbers, a status, a one-line summary and a few
sentences that say in plain words what was found and what it means."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from nsmcode.analyze.stats import Bucket, LagPoint, LagVerdict, RetentionVerdict, Status

RESULT_VERSION = 1
CAUSATION = (
    "Correlation is not causation: a launch, a season or a price change can move several "
    "metrics at once. A pass is evidence worth acting on, not proof; an experiment that moves "
    "the north star and watches the outcome is the real test."
)


@dataclass(frozen=True)
class LeadCheck:
    """Does `leader` move before `follower`? (step 1, and each input in step 3)"""

    leader: str
    follower: str
    points: tuple[LagPoint, ...]
    verdict: LagVerdict
    summary: str
    explanation: tuple[str, ...]

    @property
    def status(self) -> Status:
        return self.verdict.status

    def to_dict(self) -> dict[str, Any]:
        best, reverse, concurrent = (
            self.verdict.best,
            self.verdict.reverse,
            self.verdict.concurrent,
        )
        return {
            "status": self.status,
            "reason": self.verdict.reason,
            "leader": self.leader,
            "follower": self.follower,
            "lead": best.lag if best and self.status == "pass" else None,
            "best": _point(best),
            "reverse": _point(reverse),
            "concurrent": _point(concurrent),
            "lags": [_point(p) for p in self.points],
            "test": _test(self.verdict),
            "summary": self.summary,
            "explanation": list(self.explanation),
        }


@dataclass(frozen=True)
class RetentionCheck:
    """Do entities that score high on the north star early retain better later? (step 2)"""

    status: Status
    entity: str | None
    cohort: str | None
    activity: str | None
    score_days: int
    later_days: tuple[int, int]
    buckets: tuple[Bucket, ...]
    verdict: RetentionVerdict | None
    summary: str
    explanation: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        verdict = self.verdict
        return {
            "status": self.status,
            "reason": verdict.reason if verdict else "skipped",
            "entity": self.entity,
            "entities": plural(self.entity) if self.entity else None,
            "cohort": self.cohort,
            "activity": self.activity,
            "score_days": self.score_days,
            "later_days": list(self.later_days),
            "buckets": [_bucket(b) for b in self.buckets],
            "top": verdict.top.bucket if verdict and verdict.top else None,
            "bottom": verdict.bottom.bucket if verdict and verdict.bottom else None,
            "z": verdict.z if verdict else None,
            "drops": [list(d) for d in verdict.drops] if verdict else [],
            "summary": self.summary,
            "explanation": list(self.explanation),
        }


@dataclass(frozen=True)
class InputsCheck:
    """Which inputs move the north star? (step 3: a ranking, not a pass/fail gate)"""

    ranking: tuple[LeadCheck, ...]
    skipped: tuple[tuple[str, str], ...]
    """(input, why it could not be analysed)."""
    summary: str
    explanation: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ranking": [{"input": c.leader, **c.to_dict()} for c in self.ranking],
            "skipped": [{"input": name, "reason": why} for name, why in self.skipped],
            "summary": self.summary,
            "explanation": list(self.explanation),
        }


@dataclass(frozen=True)
class Series:
    """The compared metrics per period, as the lag query computed them (for charts)."""

    periods: tuple[dt.date, ...]
    values: dict[str, tuple[float | None, ...]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "periods": [p.isoformat() for p in self.periods],
            "values": {name: list(v) for name, v in self.values.items()},
        }


@dataclass(frozen=True)
class AnalysisReport:
    project: str
    connection: str
    dialect: str
    north_star: str
    outcome: str
    grain: str
    max_lag: int
    lead: LeadCheck
    retention: RetentionCheck
    inputs: InputsCheck
    series: Series

    @property
    def status(self) -> Status:
        """pass when the lead passes and retention passes or does not apply; fail when either
        fails; insufficient otherwise (not enough data to say)."""
        statuses = {self.lead.status, self.retention.status} - {"skipped"}
        if "fail" in statuses:
            return "fail"
        if statuses == {"pass"}:
            return "pass"
        return "insufficient"

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def verdict(self) -> str:
        """The whole analysis in one line (after "Result: PASS:" in text, first on the site)."""
        from nsmcode.analyze.explain import periods

        if self.status == "pass":
            lead = self.lead.verdict.best
            assert lead is not None
            who = plural(self.retention.entity or "entity")
            retained = (
                "" if self.retention.status == "skipped" else f", and {who} that score high "
                "retain better"
            )
            return (
                f"{self.north_star} behaves like a leading indicator of {self.outcome} "
                f"({periods(lead.lag, self.grain)} ahead){retained}."
            )
        if self.status == "fail":
            return f"the data does not support {self.north_star} as a leading indicator."
        return "not enough data to decide yet."

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": RESULT_VERSION,
            "project": self.project,
            "connection": self.connection,
            "dialect": self.dialect,
            "north_star": self.north_star,
            "outcome": self.outcome,
            "grain": self.grain,
            "max_lag": self.max_lag,
            "status": self.status,
            "verdict": self.verdict(),
            "lead": self.lead.to_dict(),
            "retention": self.retention.to_dict(),
            "inputs": self.inputs.to_dict(),
            "series": self.series.to_dict(),
            "caveat": CAUSATION,
        }


def _test(verdict: LagVerdict) -> dict[str, Any] | None:
    """The calibrated test that decided: pre-whitened r, its threshold, p, effective n."""
    test = verdict.test
    if test is None:
        return None
    return {
        "order": test.order,
        "lags": test.lags,
        "best": test.best,
        "r": test.r,
        "n": test.n,
        "threshold": test.threshold,
        "p": test.p,
        "reverse": test.reverse,
        "reverse_p": test.reverse_p,
        "n_eff": test.n_eff,
        "points": [{"lag": k, "n": n, "r": r} for k, n, r in test.points],
    }


def _point(point: LagPoint | None) -> dict[str, Any] | None:
    if point is None:
        return None
    return {
        "lag": point.lag,
        "n": point.n,
        "r": point.r,
        "bound": point.bound,
        "enough": point.enough,
    }


def _bucket(bucket: Bucket) -> dict[str, Any]:
    return {
        "bucket": bucket.bucket,
        "label": bucket_label(bucket),
        "entities": bucket.entities,
        "retained": bucket.retained,
        "rate": bucket.rate if bucket.entities else None,
        "low": bucket.low,
        "high": bucket.high,
    }


def plural(word: str) -> str:
    """An entity name in the plural: account -> accounts, entity -> entities, box -> boxes."""
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def bucket_label(bucket: Bucket) -> str:
    if bucket.bucket == 0:
        return "none"
    name = f"Q{bucket.bucket}"
    if bucket.low is None or bucket.high is None:
        return name
    low, high = number(bucket.low), number(bucket.high)
    return f"{name} ({low})" if low == high else f"{name} ({low}-{high})"


def number(value: float) -> str:
    """A score for people: integers without decimals, others with at most two."""
    return str(int(value)) if float(value).is_integer() else f"{value:,.2f}"
