"""Graph hygiene: qualifiers, sources and metrics that nothing uses."""

from __future__ import annotations

from collections.abc import Iterator

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, Severity
from nsmcode.rules.engine import Context, Rule, obj


class UnusedQualifier(Rule):
    """Every qualifier is applied by at least one metric.

    ## What it does
    Reports a qualifier that no metric lists under `qualifiers`.

    ## Why is this bad?
    > An NSM that can be inflated through superficial actions (e.g., “total accounts created”
    > includes spam accounts and dormant users) will mislead the company over time.
    >
    > — [Hard to game](../principles.md#hard-to-game), quoting *North Star Metric*

    An anti-gaming filter that is defined but applied nowhere usually means a metric forgot it;
    otherwise it is dead code that readers of the docs mistake for a rule in force.

    ## Example
    ```yaml
    qualifiers:
      - name: successful_calls
        condition: status_code < 500
        reason: Failed calls deliver no value.
    ```

    Use instead:
    ```yaml
    qualifiers:
      - name: successful_calls
        condition: status_code < 500
        reason: Failed calls deliver no value.
    metrics:
      - name: weekly_successful_calls
        source: api_calls
        calculation: {type: count}
        qualifiers: [successful_calls]
    ```
    """

    code = "NSM040"
    name = "hygiene.unused-qualifier"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        used = {q for m in p.metrics.values() for q in m.qualifiers}
        for name in p.qualifiers:
            if name not in used:
                yield self.finding(
                    f"qualifier {name!r} is not applied by any metric",
                    p.span("qualifier", name, "name"),
                    obj("qualifier", name),
                    "add it to the `qualifiers:` of the metrics it protects, or delete it",
                )


class UnusedSource(Rule):
    """Every source is read by a metric, directly or through a join.

    ## What it does
    Reports a source that no metric aggregates and that no such source joins to.

    ## Why is this bad?
    > Not every metric is a KPI.
    >
    > — [KPIs are chosen metrics](../principles.md#kpis-are-chosen-metrics),
    > quoting *Key performance indicators*

    A metrics project declares the data its metrics need, not the warehouse: an unused source
    is documentation nobody checks, and drifts from the table it describes.

    ## Example
    ```yaml
    sources:
      - name: support_tickets
        table: support_tickets
        columns:
          - {name: ticket_id, type: string, semantic: identifier}
    ```

    Use instead:
    ```yaml
    sources:
      - name: support_tickets
        table: support_tickets
        columns:
          - {name: ticket_id, type: string, semantic: identifier}
    metrics:
      - name: support_tickets_opened
        source: support_tickets
        calculation: {type: count}
    ```
    """

    code = "NSM041"
    name = "hygiene.unused-source"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        used = {s for m in p.metrics.values() if m.source for s in p.reachable_sources(m.source)}
        for name in p.sources:
            if name not in used:
                yield self.finding(
                    f"source {name!r} is not read by any metric",
                    p.span("source", name, "name"),
                    obj("source", name),
                    "define the metric that needs it, or delete the source",
                )


TREE_ROLES = (models.Role.NORTH_STAR, models.Role.INPUT, models.Role.GUARDRAIL)


class OrphanMetric(Rule):
    """Every metric is part of the tree or used by something.

    ## What it does
    Reports (as information) a metric that does not ladder up to the north star and that no
    KPI, key result, funnel, other metric or `analysis.outcome` uses. North stars, inputs and
    guardrails are left to the other rules.

    ## Why is this bad?
    > The North Star Metric cuts through this noise by anchoring the entire company on the one
    > number that truly reflects value creation.
    >
    > — [One north star](../principles.md#one-north-star), quoting *North Star Metric*

    A metric connected to nothing is noise: either it belongs in the tree (an input, a KPI) or
    it can go.

    ## Example
    ```yaml
    metrics:
      - name: weekly_docs_readers
        source: docs_visits
        calculation: {type: count_distinct, columns: [visitor_id]}
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_docs_readers
        source: docs_visits
        calculation: {type: count_distinct, columns: [visitor_id]}
    teams:
      - name: dx
        kpis:
          - {metric: weekly_docs_readers, target: 6000, direction: increase, due: 2026-12-31}
    ```
    """

    code = "NSM042"
    name = "hygiene.orphan-metric"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        used = {m for f in p.funnels.values() for m in (f.anchor_metric, *f.step_metrics)}
        used |= {dep for name in p.metrics for dep in p.dependencies(name)}
        used |= {f for name in p.metrics for f in p.filtered_by(name)}  # a metric filter's
        used |= {k.metric for t in p.teams.values() for k in t.kpis}
        used |= {kr.metric for o in p.okrs.values() for kr in o.key_results}
        if p.config.analysis.outcome:
            used.add(p.config.analysis.outcome)
        for name, metric in p.metrics.items():
            if metric.role in TREE_ROLES or name in used or name in ctx.laddering:
                continue
            yield self.finding(
                f"metric {name!r} is not connected to the north star and nothing uses it",
                ctx.metric_span(name, "name"),
                obj("metric", name),
                "make it an input, guardrail or KPI, use it in a funnel or OKR, or delete it",
            )
