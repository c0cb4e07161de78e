"""Rules about the input metrics: how many, which lever each is, and that they reach the NSM."""

from __future__ import annotations

from collections.abc import Iterator

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, Severity
from nsmcode.rules.engine import Context, Rule, Threshold, obj


class InputCountOutOfRange(Rule):
    """The north star has between 3 and 5 input metrics.

    ## What it does
    Counts the metrics with `role: input` that drive the north star directly (`drives:` defaults
    to the north star) and reports fewer than `min_inputs` or more than `max_inputs`.

    ## Why is this bad?
    > Break into DX inputs (docs, SDKs), product inputs, and growth inputs.
    >
    > — [Inputs by lever](../principles.md#inputs-by-lever),
    > quoting *North Star Metric for Developer Tools*

    > Teams should be able to take concrete actions that move the NSM.
    >
    > — [Actionable](../principles.md#actionable), quoting *North Star Metric*

    Too few inputs leave teams without a lever they own; too many dilute the tree into a
    dashboard.

    ## Example
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
      - name: weekly_active_accounts
        role: input
        category: product
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
      - name: weekly_active_accounts
        role: input
        category: product
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
      - name: weekly_new_accounts
        role: input
        category: growth
        source: accounts
        calculation: {type: count}
      - name: weekly_docs_readers
        role: input
        category: dx
        source: docs_visits
        calculation: {type: count_distinct, columns: [visitor_id]}
    ```
    """

    code = "NSM010"
    name = "inputs.count-out-of-range"
    severity = Severity.WARNING
    thresholds = (
        Threshold("min_inputs", 3, "Fewest inputs the north star may have."),
        Threshold("max_inputs", 5, "Most inputs the north star may have."),
    )

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        star = ctx.north_star
        if star is None:
            return
        inputs = ctx.project.inputs_of(star.name)
        low, high = ctx.threshold("min_inputs"), ctx.threshold("max_inputs")
        if low <= len(inputs) <= high:
            return
        listed = f" ({', '.join(m.name for m in inputs)})" if inputs else ""
        count = f"{len(inputs)} input{'s' if len(inputs) != 1 else ''}"
        yield self.finding(
            f"north star {star.name!r} has {count}{listed}; it needs {low} to {high}",
            ctx.metric_span(star.name, "name"),
            obj("metric", star.name),
            "give the levers teams pull `role: input` (with a `category`)"
            if len(inputs) < low
            else "keep the strongest levers as inputs; make the rest plain metrics or KPIs",
        )


class InputUncategorised(Rule):
    """Every input metric says which lever it is: `category: dx`, `product` or `growth`.

    ## What it does
    Reports a metric with `role: input` and no `category`.

    ## Why is this bad?
    > Break into DX inputs (docs, SDKs), product inputs, and growth inputs.
    >
    > — [Inputs by lever](../principles.md#inputs-by-lever),
    > quoting *North Star Metric for Developer Tools*

    The category says which team owns the lever; an uncategorised input is nobody's.

    ## Example
    ```yaml
    metrics:
      - name: weekly_active_accounts
        role: input
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_accounts
        role: input
        category: product
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
    ```
    """

    code = "NSM011"
    name = "inputs.uncategorised"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for metric in ctx.project.metrics.values():
            if metric.role is models.Role.INPUT and metric.category is None:
                yield self.finding(
                    f"input {metric.name!r} has no category",
                    ctx.metric_span(metric.name, "role"),
                    obj("metric", metric.name),
                    "add `category: dx`, `product` or `growth`: the lever it is and who owns it",
                )


class InputNotDrivingNorthStar(Rule):
    """Every input drives the north star, directly or through other inputs.

    ## What it does
    Follows `drives:` from each input (and `guards:` from each guardrail) up the tree and
    reports one that never reaches the north star: it drives a plain metric that is not part of
    the tree, or inputs drive each other in a loop.

    ## Why is this bad?
    > Teams should be able to take concrete actions that move the NSM.
    >
    > An NSM that no one knows how to influence is useless as an operational tool.
    >
    > — [Actionable](../principles.md#actionable), quoting *North Star Metric*

    An input that does not lead to the north star is effort the north star never sees.

    ## Example
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
      - name: weekly_new_accounts
        source: accounts
        calculation: {type: count}
      - name: weekly_docs_readers
        role: input
        category: dx
        drives: weekly_new_accounts
        source: docs_visits
        calculation: {type: count_distinct, columns: [visitor_id]}
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
      - name: weekly_new_accounts
        role: input
        category: growth
        source: accounts
        calculation: {type: count}
      - name: weekly_docs_readers
        role: input
        category: dx
        drives: weekly_new_accounts
        source: docs_visits
        calculation: {type: count_distinct, columns: [visitor_id]}
    ```
    """

    code = "NSM012"
    name = "inputs.not-driving-north-star"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        star = ctx.north_star
        if star is None:
            return
        for metric in p.metrics.values():
            if metric.role not in (models.Role.INPUT, models.Role.GUARDRAIL):
                continue
            if metric.name in ctx.laddering:
                continue
            field = "drives" if metric.role is models.Role.INPUT else "guards"
            target = getattr(metric, field)
            role = metric.role.value
            yield self.finding(
                f"{role} {metric.name!r} {field} {target!r}, which does not lead to north star "
                f"{star.name!r}",
                ctx.metric_span(metric.name, field if target else "role"),
                obj("metric", metric.name),
                f"point `{field}:` at the north star or at an input on its tree",
            )
