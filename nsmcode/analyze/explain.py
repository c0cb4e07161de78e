"""Plain words for what each step found and what it means (and what it does not prove)."""

from __future__ import annotations

from collections.abc import Sequence

from nsmcode import models
from nsmcode.analyze.result import bucket_label, plural
from nsmcode.analyze.stats import (
    MIN_BUCKET,
    MIN_PAIRS,
    Bucket,
    LagPoint,
    LagVerdict,
    RetentionVerdict,
)


def periods(count: int, grain: str) -> str:
    unit = grain.replace("_", " ")  # day, week, ..., fiscal quarter
    return f"{count} {unit}{'' if abs(count) == 1 else 's'}"


def _r(point: LagPoint) -> str:
    return f"r = {point.r:.2f}" if point.r is not None else "r undefined"


def _bound(point: LagPoint) -> str:
    return f"±{point.bound:.2f}" if point.bound is not None else "no bound"


# ------------------------------------------------------------------------------------------------
# Step 1 and 3: lags


def lead_summary(leader: str, follower: str, verdict: LagVerdict, grain: str) -> str:
    best, reverse = verdict.best, verdict.reverse
    if verdict.status == "insufficient" or best is None:
        return (
            f"Not enough history: no positive lag has {MIN_PAIRS} {grain}s where both {leader} "
            f"and {follower} changed from a positive value."
        )
    test = verdict.test
    if verdict.reason == "within_noise":
        return (
            f"No lead found: once each series' own trend and momentum are removed, the "
            f"strongest positive lag ({periods(best.lag, grain)}, {_test_r(verdict)}) stays "
            f"within what unrelated series reach{_threshold(verdict)}."
        )
    if verdict.reason == "reverse" and reverse is not None:
        return (
            f"{follower} moves first: its changes precede {leader}'s by "
            f"{periods(-reverse.lag, grain)} ({_r(reverse)}), at least as strongly as "
            f"{leader} leads it ({_r(best)} at {periods(best.lag, grain)})."
        )
    tail = ""
    if reverse is not None and test is not None and test.reverse_r is not None:
        tail = (
            f"; the strongest reverse lag, {periods(reverse.lag, grain)}, has "
            f"r = {test.reverse_r:.2f} once cleaned"
        )
    n_eff = f"; about {test.n_eff:.0f} independent {grain}s" if test and test.n_eff else ""
    return (
        f"{leader} leads {follower} by {periods(best.lag, grain)} ({_r(best)}; "
        f"{_test_r(verdict)} once trend and momentum are removed, above what unrelated series "
        f"reach{_threshold(verdict)}{n_eff}{tail})."
    )


def _test_r(verdict: LagVerdict) -> str:
    test = verdict.test
    return f"r = {test.r:.2f}" if test is not None and test.r is not None else "r undefined"


def _threshold(verdict: LagVerdict) -> str:
    """`` (r = 0.45 for the best of 6 lags at 5%, p = 0.20)``"""
    test = verdict.test
    if test is None or test.threshold is None or test.p is None:
        return ""
    return (
        f" (r = {test.threshold:.2f} for the best of {test.lags} lags at 5%, "
        f"p = {test.p:.3f})"
    )


def lead_explanation(
    leader: str,
    follower: str,
    verdict: LagVerdict,
    grain: str,
    max_lag: int,
    *,
    outcome_step: bool,
) -> tuple[str, ...]:
    best, concurrent = verdict.best, verdict.concurrent
    method = (
        f"Each {grain}'s change is measured as ln(this {grain} / the previous {grain}), so two "
        f"metrics that merely both grow steadily do not look related: only their ups and downs "
        f"are compared. For each lag k from -{max_lag} to {max_lag}, {leader}'s change in "
        f"{grain} t is paired with {follower}'s change in {grain} t + k; r is their correlation "
        f"over n such pairs. Metrics have momentum (a good {grain} tends to follow a good "
        f"{grain}), so raw correlations of unrelated metrics often leave the ±2/√n band, which "
        f"holds for independent data only. The verdict therefore first removes each series' "
        f"own trend, momentum and cycles (pre-whitening: each log level is fitted on a trend "
        f"and its own previous {grain}s), then asks whether the best positive lag of the "
        f"cleaned series beats what the best of that many lags reaches in 5% of unrelated "
        f"series. Lags with fewer than {MIN_PAIRS} pairs are not read. A shared slowdown or "
        f"speed-up still correlates at every lag, which is why {leader} must also beat every "
        f"negative lag, where {follower} would be moving first."
    )
    out = [method]
    if verdict.status == "pass" and best is not None:
        if outcome_step:
            out.append(
                f"Changes in {leader} show up in {follower} about {periods(best.lag, grain)} "
                f"later, and {follower} does not move first. That is what a north star should "
                f"do: a rise today predicts the outcome {periods(best.lag, grain)} from now, "
                "early enough to act on."
            )
        else:
            out.append(
                f"Changes in {leader} show up in {follower} about {periods(best.lag, grain)} "
                "later: evidence that this input is a lever on the north star."
            )
        out.append(
            "Moving first is not proof of driving: a shared cause (a launch, a season, a price "
            f"change) can reach {leader} before it reaches {follower}."
        )
        if concurrent is not None and concurrent.r is not None and concurrent.r > (best.r or 0):
            out.append(
                f"The link is strongest within the same {grain} ({_r(concurrent)}): part of "
                "the movement is shared rather than one metric running ahead of the other."
            )
    elif verdict.reason == "reverse":
        out.append(
            f"{follower} changing before {leader} suggests {leader} reacts to {follower} "
            f"rather than predicting it"
            + (
                ": as a north star it would tell you what already happened."
                if outcome_step
                else "."
            )
        )
    elif verdict.reason == "within_noise":
        out.append(
            f"In this data {leader} does not predict {follower}. It may drive it more slowly "
            f"than {periods(max_lag, grain)} (try a larger --max-lag), the history may be too "
            f"short or too noisy, or "
            + (
                "the north star may not capture the value that customers pay for."
                if outcome_step
                else "the input may not move the north star."
            )
        )
    else:
        out.append(
            f"Lags need at least {MIN_PAIRS} pairs of {grain}s with positive values on both "
            f"sides; with a lag of k that takes {MIN_PAIRS} + k + 1 {grain}s of history. "
            "Run the analysis again when more has accumulated."
        )
    return tuple(out)


# ------------------------------------------------------------------------------------------------
# Step 2: retention


def counted(star: models.Metric) -> str:
    """What the north star counts, per entity, in words."""
    calc = star.calculation
    if isinstance(calc, models.CountDistinct):
        what = calc.columns[0] if len(calc.columns) == 1 else f"({', '.join(calc.columns)})"
        return f"the number of distinct {what} among its {star.name} rows"
    if isinstance(calc, models.Sum):
        return f"the sum of {calc.column} over its {star.name} rows"
    return f"its {star.name} rows"


def retention_summary(verdict: RetentionVerdict, entity: str) -> str:
    top, bottom = verdict.top, verdict.bottom
    if verdict.status == "insufficient" or top is None or bottom is None:
        return (
            f"Not enough {plural(entity)} to compare: the compared buckets need {MIN_BUCKET} "
            "each, and "
            "scores must differ enough to split into quartiles."
        )
    z = f"z = {verdict.z:.2f}" if verdict.z is not None else "z undefined"
    rates = (
        f"{bucket_label(bottom)} {bottom.rate:.0%} ({bottom.entities}) vs "
        f"{bucket_label(top)} {top.rate:.0%} ({top.entities})"
    )
    if verdict.reason == "rises":
        return f"Retention rises with the north-star score: {rates}, {z}."
    if verdict.reason == "not_rising":
        return f"Retention does not rise with the north-star score: {rates}, {z}."
    if top.rate == bottom.rate:
        return f"Retention is the same at every score: {rates}, {z}."
    return f"Retention rises, but not beyond chance: {rates}, {z} (needs > 1.96)."


def retention_explanation(
    verdict: RetentionVerdict,
    buckets: Sequence[Bucket],
    star: models.Metric,
    entity: str,
    cohort: str,
    activity: str,
    score_days: int,
    later: tuple[int, int],
) -> tuple[str, ...]:
    observed = sum(b.entities for b in buckets)
    start = f"first {cohort} event"
    method = (
        f"Each {entity} is followed from its {start}. Its score is {counted(star)} in its first "
        f"{score_days} days; {plural(entity)} with none form their own bucket, the rest are "
        "split into "
        f"quartiles of the score (tied scores share a quartile, so some may be empty). It counts "
        f"as retained when it has a {activity} event {later[0] + 1}-{later[1]} days after the "
        f"start. Only the {observed} {plural(entity)} whose {later[1]} days are over are "
        "compared; the "
        "top quartile is compared with the bottom one by a two-proportion z-test (|z| > 1.96: "
        "unlikely to be chance)."
    )
    out = [method]
    top_rate = verdict.top.rate if verdict.top else 0.0
    bottom_rate = verdict.bottom.rate if verdict.bottom else 0.0
    if verdict.status == "pass":
        out.append(
            f"{entity.capitalize()}s that do more of what the north star counts in their first "
            f"{score_days} days are more often still there two months later: the metric "
            "captures value that keeps customers, which is what a north star should do."
        )
    elif verdict.reason == "not_rising":
        dips = ", ".join(f"Q{a} to Q{b}" if a else f"none to Q{b}" for a, b in verdict.drops)
        out.append(
            "Higher early scores do not go with better retention"
            + (f" (retention falls from {dips})" if dips else "")
            + ": in this data the north star does not separate the customers who stay from "
            "those who leave."
        )
    elif verdict.reason == "not_significant" and top_rate > bottom_rate:
        out.append(
            "The top quartile retains better, but the gap is within what chance gives with this "
            f"many {plural(entity)}; more history (or a wider difference) is needed to be sure."
        )
    elif verdict.reason == "not_significant":
        out.append(
            f"{entity.capitalize()}s retain alike whatever their early score: in this data the "
            "north star does not separate the customers who stay from those who leave."
        )
    else:
        out.append(f"Too few {plural(entity)} have been followed long enough to compare groups.")
    out.append(
        f"This compares groups; it does not show that raising one {entity}'s score would keep "
        f"it: {plural(entity)} that do more may also be larger or more committed from the start."
    )
    return tuple(out)


def retention_skipped(reason: str) -> tuple[str, tuple[str, ...]]:
    return (
        f"Skipped: {reason}.",
        (
            "This step compares how entities with high and low early north-star activity "
            "retain; declare `analysis: {retention_entity: ...}` in nsmcode.yaml to run it.",
        ),
    )


# ------------------------------------------------------------------------------------------------
# Step 3: inputs


def inputs_summary(leading: Sequence[str], total: int, skipped: int) -> str:
    if total == 0 and skipped == 0:
        return "The north star has no input metrics to rank."
    tail = f" ({skipped} could not be analysed)" if skipped else ""
    if not leading:
        return f"None of the {total} inputs leads the north star in this data{tail}."
    verb = "leads" if len(leading) == 1 else "lead"
    return f"{len(leading)} of {total} inputs {verb} the north star: {', '.join(leading)}{tail}."


def inputs_explanation(grain: str) -> tuple[str, ...]:
    return (
        f"Each input is checked like the north star against the outcome: is an input's change "
        f"in {grain} t followed by a change of the north star k {grain}s later, more strongly "
        "than the other way round? Inputs are ranked by that leading correlation.",
        "Inputs that lead are the levers with evidence behind them. An input that does not may "
        "still matter (its effect may be slower, spread out, or too small to see in this much "
        "history), and one that leads may share a cause with the north star rather than drive "
        "it.",
    )
