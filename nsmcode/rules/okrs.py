"""Rules about OKRs: key results are measurable, dated, consistent and ladder up to the NSM."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from nsmcode import models
from nsmcode.compile.funnel_ref import known
from nsmcode.diagnostics import Diagnostic, Severity
from nsmcode.rules.engine import Context, Rule, Threshold, obj


class KeyResultUnknownMetric(Rule):
    """Every key result points at a metric that exists.

    ## What it does
    Reports a key result whose `metric` names no metric of the project.

    ## Why is this bad?
    > OKRs can and should ladder up to the NSM
    >
    > — [OKRs ladder up](../principles.md#okrs-ladder-up), quoting *North Star Metric*

    A key result on a metric that does not exist can never be measured, so it never ladders.

    ## Example
    ```yaml
    okrs:
      - name: effortless_first_call
        objective: Make the first production call effortless
        period: 2026-Q4
        key_results:
          - metric: activation_rate
            baseline: 0.31
            target: 0.4
            direction: increase
            due: 2026-12-31
    ```

    Use instead:
    ```yaml
    metrics:
      - name: activation_rate
        role: input
        category: product
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
    okrs:
      - name: effortless_first_call
        objective: Make the first production call effortless
        period: 2026-Q4
        key_results:
          - metric: activation_rate
            baseline: 0.31
            target: 0.4
            direction: increase
            due: 2026-12-31
    ```
    """

    code = "NSM020"
    name = "okr.unknown-metric"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for okr in p.okrs.values():
            for i, kr in enumerate(okr.key_results):
                if known(p, kr.metric):
                    continue
                close = difflib.get_close_matches(kr.metric, list(p.metrics), n=1)
                yield self.finding(
                    f"key result {i + 1} of OKR {okr.name!r} refers to unknown metric "
                    f"{kr.metric!r}",
                    p.span("okr", okr.name, "key_results", i, "metric"),
                    obj("okr", okr.name),
                    f"did you mean {close[0]!r}?" if close else "define the metric first",
                )


class KeyResultIncomplete(Rule):
    """Every key result has a baseline, a target, a direction and a due date.

    ## What it does
    Reports a key result missing any of `baseline`, `target`, `direction` or `due`.

    ## Why is this bad?
    > It is specific, measurable, actionable, relevant to a business goal, and time-bound.
    >
    > Good KPIs tell you both where you are and where you need to be.
    >
    > — [Measurable targets](../principles.md#measurable-targets),
    > quoting *Key performance indicators*

    ## Example
    ```yaml
    okrs:
      - name: effortless_first_call
        objective: Make the first production call effortless
        period: 2026-Q4
        key_results:
          - {metric: weekly_active_accounts, target: 1200}
    ```

    Use instead:
    ```yaml
    okrs:
      - name: effortless_first_call
        objective: Make the first production call effortless
        period: 2026-Q4
        key_results:
          - metric: weekly_active_accounts
            baseline: 900
            target: 1200
            direction: increase
            due: 2026-12-31
    ```
    """

    code = "NSM021"
    name = "okr.key-result-incomplete"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for okr in p.okrs.values():
            for i, kr in enumerate(okr.key_results):
                missing = [
                    f for f in ("baseline", "target", "direction", "due") if getattr(kr, f) is None
                ]
                if missing:
                    yield self.finding(
                        f"key result {i + 1} of OKR {okr.name!r} ({kr.metric}) has no "
                        + ", no ".join(missing),
                        p.span("okr", okr.name, "key_results", i),
                        obj("okr", okr.name),
                        "add "
                        + ", ".join(f"`{f}:`" for f in missing)
                        + ": where you are, where you need to be, which way, and by when",
                    )


class KeyResultDueOutsidePeriod(Rule):
    """Every key result is due inside its OKR's period.

    ## What it does
    Reports a key result whose `due` date falls before the first or after the last day of the
    OKR's `period` (2026-Q4 is 2026-10-01 to 2026-12-31).

    ## Why is this bad?
    > OKRs are quarterly (or annual) goal-setting frameworks that set specific targets for
    > improvement.
    >
    > — [OKRs are time-boxed](../principles.md#okrs-are-time-boxed), quoting *North Star Metric*

    A key result due after its quarter is reviewed with the wrong quarter, or never.

    ## Example
    ```yaml
    okrs:
      - name: effortless_first_call
        objective: Make the first production call effortless
        period: 2026-Q4
        key_results:
          - metric: weekly_active_accounts
            baseline: 900
            target: 1200
            direction: increase
            due: 2027-01-31
    ```

    Use instead:
    ```yaml
    okrs:
      - name: effortless_first_call
        objective: Make the first production call effortless
        period: 2026-Q4
        key_results:
          - metric: weekly_active_accounts
            baseline: 900
            target: 1200
            direction: increase
            due: 2026-12-31
    ```
    """

    code = "NSM022"
    name = "okr.due-outside-period"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for okr in p.okrs.values():
            first, last = models.period_bounds(okr.period)
            for i, kr in enumerate(okr.key_results):
                if kr.due is not None and not first <= kr.due <= last:
                    yield self.finding(
                        f"key result {i + 1} of OKR {okr.name!r} is due {kr.due}, outside "
                        f"{okr.period} ({first} to {last})",
                        p.span("okr", okr.name, "key_results", i, "due"),
                        obj("okr", okr.name),
                        f"set `due:` between {first} and {last}, or move it to the OKR of its "
                        "period",
                    )


class KeyResultTargetContradictsDirection(Rule):
    """A key result's target lies in its direction from the baseline.

    ## What it does
    Reports a key result whose `target` is not above its `baseline` with `direction: increase`,
    or not below it with `direction: decrease`.

    ## Why is this bad?
    > Good KPIs tell you both where you are and where you need to be.
    >
    > — [Measurable targets](../principles.md#measurable-targets),
    > quoting *Key performance indicators*

    A target that is already met, or that lies the wrong way, is a typo or a goal that asks for
    nothing; progress towards it cannot be computed.

    ## Example
    ```yaml
    okrs:
      - name: reliable_api
        objective: Make the API boringly reliable
        period: 2026-Q4
        key_results:
          - metric: api_error_rate
            baseline: 0.02
            target: 0.05
            direction: decrease
            due: 2026-12-31
    ```

    Use instead:
    ```yaml
    okrs:
      - name: reliable_api
        objective: Make the API boringly reliable
        period: 2026-Q4
        key_results:
          - metric: api_error_rate
            baseline: 0.02
            target: 0.005
            direction: decrease
            due: 2026-12-31
    ```
    """

    code = "NSM023"
    name = "okr.target-contradicts-direction"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for okr in p.okrs.values():
            for i, kr in enumerate(okr.key_results):
                if kr.baseline is None or kr.target is None or kr.direction is None:
                    continue
                up = kr.direction is models.Direction.INCREASE
                if (kr.target > kr.baseline) if up else (kr.target < kr.baseline):
                    continue
                want = "above" if up else "below"
                yield self.finding(
                    f"key result {i + 1} of OKR {okr.name!r} wants to {kr.direction.value} "
                    f"{kr.metric} but its target {kr.target:g} is not {want} its baseline "
                    f"{kr.baseline:g}",
                    p.span("okr", okr.name, "key_results", i, "target"),
                    obj("okr", okr.name),
                    f"set a target {want} the baseline, or fix `direction:`",
                )


class KeyResultNotLaddering(Rule):
    """Every key result's metric ladders up to the north star through the metric tree.

    ## What it does
    Reports a key result on a metric that is not the north star and does not reach it through
    `drives:` / `guards:` or by being part of a metric that does.

    ## Why is this bad?
    > OKRs can and should ladder up to the NSM
    >
    > The NSM is the destination; OKRs are the route.
    >
    > — [OKRs ladder up](../principles.md#okrs-ladder-up), quoting *North Star Metric*

    ## Example
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
      - name: weekly_docs_readers
        source: docs_visits
        calculation: {type: count_distinct, columns: [visitor_id]}
    okrs:
      - name: great_docs
        objective: Docs developers love
        period: 2026-Q4
        key_results:
          - metric: weekly_docs_readers
            baseline: 4000
            target: 6000
            direction: increase
            due: 2026-12-31
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
      - name: weekly_docs_readers
        role: input
        category: dx
        source: docs_visits
        calculation: {type: count_distinct, columns: [visitor_id]}
    okrs:
      - name: great_docs
        objective: Docs developers love
        period: 2026-Q4
        key_results:
          - metric: weekly_docs_readers
            baseline: 4000
            target: 6000
            direction: increase
            due: 2026-12-31
    ```
    """

    code = "NSM024"
    name = "okr.not-laddering"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        star = ctx.north_star
        if star is None:
            return
        for okr in p.okrs.values():
            for i, kr in enumerate(okr.key_results):
                if kr.metric in p.metrics and kr.metric not in ctx.laddering:
                    yield self.finding(
                        f"key result {i + 1} of OKR {okr.name!r}: {kr.metric!r} does not ladder "
                        f"up to north star {star.name!r}",
                        p.span("okr", okr.name, "key_results", i, "metric"),
                        obj("okr", okr.name),
                        f"make {kr.metric!r} an input (or guardrail) on the tree, or pick a key "
                        "result on a metric that drives the north star",
                    )


class KeyResultCountOutOfRange(Rule):
    """Every objective has between 2 and 5 key results.

    ## What it does
    Reports an OKR with fewer than `min_key_results` or more than `max_key_results` key results.

    ## Why is this bad?
    > A goal-setting framework that pairs ambitious objectives with measurable key results to
    > track progress.
    >
    > — [OKRs are time-boxed](../principles.md#okrs-are-time-boxed),
    > quoting *Key performance indicators*

    One key result is a KPI with a slogan; more than five is a to-do list nobody can focus on.

    ## Example
    ```yaml
    okrs:
      - name: effortless_first_call
        objective: Make the first production call effortless
        period: 2026-Q4
        key_results:
          - metric: weekly_active_accounts
            baseline: 900
            target: 1200
            direction: increase
            due: 2026-12-31
    ```

    Use instead:
    ```yaml
    okrs:
      - name: effortless_first_call
        objective: Make the first production call effortless
        period: 2026-Q4
        key_results:
          - metric: weekly_active_accounts
            baseline: 900
            target: 1200
            direction: increase
            due: 2026-12-31
          - metric: weekly_new_accounts
            baseline: 300
            target: 380
            direction: increase
            due: 2026-12-31
    ```
    """

    code = "NSM025"
    name = "okr.key-result-count-out-of-range"
    severity = Severity.WARNING
    thresholds = (
        Threshold("min_key_results", 2, "Fewest key results an objective may have."),
        Threshold("max_key_results", 5, "Most key results an objective may have."),
    )

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        low, high = ctx.threshold("min_key_results"), ctx.threshold("max_key_results")
        for okr in p.okrs.values():
            count = len(okr.key_results)
            if low <= count <= high:
                continue
            yield self.finding(
                f"OKR {okr.name!r} has {count} key result{'s' if count != 1 else ''}; an "
                f"objective needs {low} to {high}",
                p.span("okr", okr.name, "key_results" if okr.key_results else "name"),
                obj("okr", okr.name),
                "add measurable key results" if count < low else "keep the ones that matter most",
            )


TASK_VERBS = frozenset(
    {
        "launch", "ship", "write", "build", "migrate", "hire", "release", "create",
        "implement", "design", "redesign", "rewrite", "refactor", "deploy", "publish", "deliver",
        "complete", "finish", "run", "hold", "host", "organize", "organise", "add", "introduce",
        "document", "start", "prepare", "conduct", "develop", "integrate", "set", "roll", "send",
        "kick", "plan", "define", "establish", "rebuild", "upgrade", "move", "deprecate",
    }
)  # fmt: skip
MEASURABLE = re.compile(
    r"\d|%|\b(increase|decrease|reduce|grow|raise|lift|cut|double|triple|halve|improve|drop|"
    r"lower|boost|reach|from|above|below|at least|at most)\w*\b",
    re.IGNORECASE,
)


class KeyResultIsTask(Rule):
    """A key result describes a measurable change, not a task to do.

    ## What it does
    Reports a key result whose `description` starts with a task verb (launch, ship, write,
    build, migrate, hire, release, create, implement, ...) and says nothing measurable: no
    number, no percentage, no "increase", "reduce", "from ... to", "reach".

    ## Why is this bad?
    > It is specific, measurable, actionable, relevant to a business goal, and time-bound.
    >
    > 'Improve customer satisfaction' is a goal. 'NPS score of 50+ by end of Q2' is a KPI.
    >
    > — [Measurable targets](../principles.md#measurable-targets),
    > quoting *Key performance indicators*

    Shipping is an initiative that may move a key result; "launched" can be true while nothing
    changed for a customer.

    ## Example
    ```yaml
    okrs:
      - name: effortless_first_call
        objective: Make the first production call effortless
        period: 2026-Q4
        key_results:
          - description: Launch the Python SDK
            metric: weekly_active_accounts
            baseline: 900
            target: 1200
            direction: increase
            due: 2026-12-31
    ```

    Use instead:
    ```yaml
    okrs:
      - name: effortless_first_call
        objective: Make the first production call effortless
        period: 2026-Q4
        key_results:
          - description: Grow weekly active accounts from 900 to 1200
            metric: weekly_active_accounts
            baseline: 900
            target: 1200
            direction: increase
            due: 2026-12-31
    ```
    """

    code = "NSM026"
    name = "okr.key-result-is-task"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for okr in p.okrs.values():
            for i, kr in enumerate(okr.key_results):
                text = (kr.description or "").strip()
                words = re.findall(r"[a-z]+", text.lower())
                if not words or words[0] not in TASK_VERBS or MEASURABLE.search(text):
                    continue
                yield self.finding(
                    f"key result {i + 1} of OKR {okr.name!r} reads like a task ({text!r}), "
                    "not a measurable change",
                    p.span("okr", okr.name, "key_results", i, "description"),
                    obj("okr", okr.name),
                    f"describe the change in {kr.metric} it should cause (e.g. 'grow "
                    f"{kr.metric} from <baseline> to <target>'); keep the task as an initiative",
                )
