"""Funnels: stages in an order events can happen in; no test traffic on the north star's path."""

from __future__ import annotations

from collections.abc import Iterator

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, Severity, Span
from nsmcode.project import Project
from nsmcode.rules.engine import Context, Rule, obj
from nsmcode.rules.gaming import TRAFFIC_SEMANTICS, unfiltered_traffic


def _step_span(p: Project, name: str, funnel: models.Funnel, i: int) -> Span:
    path: tuple[str | int, ...] = ("steps", i)
    if not isinstance(funnel.steps[i], str):
        path = (*path, "metric")
    return p.span("funnel", name, *path)


def _entity_tables(p: Project) -> set[tuple[str, str]]:
    """(source, entity) pairs where the source is the entity's own table: other sources join to
    it on the entity's key, so its time column is the entity's creation, once per entity."""
    out: set[tuple[str, str]] = set()
    for source in p.sources.values():
        for join in source.joins:
            target = p.sources.get(join.source)
            if target is None:
                continue
            for entity in target.entities:
                if entity.column == (join.key or join.column):
                    out.add((target.name, entity.name))
    return out


class FunnelImplausibleOrder(Rule):
    """A funnel's stages are in an order its entities can go through.

    ## What it does
    Reports a funnel that lists the same metric at two stages, and a stage counting the
    creation of the entity (the rows of the entity's own table, such as `accounts` for
    accounts: other sources join to it on the entity's key) after a stage measured at or after
    the anchor: an entity is created once, before anything it does, so that stage can only be
    reached at the previous stage's very second.

    ## Why is this bad?
    > Track from docs visit → signup → first API call → production usage → expansion
    >
    > — [Funnels follow the journey](../principles.md#funnels-follow-the-journey),
    > quoting *North Star Metric for Developer Tools*

    A funnel is read from top to bottom as the order of the journey. A stage out of that order
    shows a drop-off that no user experienced, and people fix the wrong step.

    ## Example
    ```yaml
    metrics:
      - name: signups
        source: accounts
        calculation: {type: count}
        qualifiers: [real_accounts]
      - name: calling_accounts
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
        qualifiers: [real_accounts]
    funnels:
      - name: activation
        entity: account
        steps: [calling_accounts, signups, calling_accounts]
    ```

    Use instead:
    ```yaml
    metrics:
      - name: signups
        source: accounts
        calculation: {type: count}
        qualifiers: [real_accounts]
      - name: calling_accounts
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
        qualifiers: [real_accounts]
    funnels:
      - name: activation
        entity: account
        steps: [signups, calling_accounts]
    ```
    """

    code = "NSM050"
    name = "funnel.implausible-order"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        tables = _entity_tables(p)
        for name, funnel in p.funnels.items():
            seen: dict[str, int] = {}
            timed = False  # has a stage before this one moved the clock past the anchor?
            for i, stage in enumerate(funnel.stages):
                entity = stage.entity or funnel.entity
                metric = p.metrics.get(stage.metric)
                if stage.metric in seen:
                    yield self.finding(
                        f"funnel {name!r}: step {i + 1} repeats {stage.metric!r} (step "
                        f"{seen[stage.metric] + 1})",
                        _step_span(p, name, funnel, i),
                        obj("funnel", name),
                        "give each stage its own event; a metric twice counts the same event twice",
                    )
                after = stage.after or funnel.after or (
                    "previous" if funnel.mode == "strict" else "anchor"
                )
                creation = metric is not None and (metric.source, entity) in tables
                if creation and timed and after == "previous" and not stage.any_time:
                    yield self.finding(
                        f"funnel {name!r}: step {i + 1} ({stage.metric!r}) counts the creation of "
                        f"the {entity}, which happens before the stage that precedes it",
                        _step_span(p, name, funnel, i),
                        obj("funnel", name),
                        "make the creation the funnel's `anchor` (or its first step), or mark a "
                        "stage that may happen before it `any_time: true`",
                    )
                seen.setdefault(stage.metric, i)
                timed = timed or not stage.any_time


class FunnelCountsTestTraffic(Rule):
    """A funnel on the north star's path excludes sandbox, test and internal traffic.

    ## What it does
    For a funnel that uses the north star, an input or a metric they are built from (or that a
    key result or KPI follows), checks the anchor's and every stage's metric as
    `usage.counts-test-traffic` checks usage metrics: when a source it reads (or joins) flags
    test traffic with `semantic: environment`, `test_flag` or `internal_flag`, one of the
    metric's qualifiers (or its `filter`) must reference that column.

    ## Why is this bad?
    > Counting test/sandbox API calls as real usage
    >
    > — [Production usage only](../principles.md#production-usage-only),
    > quoting *North Star Metric for Developer Tools*

    A funnel whose stages count test accounts or sandbox scripts shows conversion that no
    customer went through, on the very path the north star depends on. A stage that counts the
    sandbox on purpose (a developer's first call) says so with a suppression and its reason.

    ## Example
    ```yaml
    metrics:
      - name: weekly_active_accounts
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
        qualifiers: [production_only, real_accounts]
      - name: accounts_calling_api
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
        qualifiers: [real_accounts]
    funnels:
      - name: activation
        entity: account
        steps: [accounts_calling_api, weekly_active_accounts]
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_accounts
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
        qualifiers: [production_only, real_accounts]
      - name: accounts_calling_api
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
        qualifiers: [production_only, real_accounts]
    funnels:
      - name: activation
        entity: account
        steps: [accounts_calling_api, weekly_active_accounts]
    ```
    """

    code = "NSM051"
    name = "funnel.counts-test-traffic"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        from nsmcode.compile.funnel_ref import step_ref

        goals = [k.metric for t in p.teams.values() for k in t.kpis]
        goals += [kr.metric for o in p.okrs.values() for kr in o.key_results]
        followed = {ref.funnel for g in goals if (ref := step_ref(p, g)) is not None}
        for name, funnel in p.funnels.items():
            used = [funnel.anchor_metric, *funnel.step_metrics]
            if name not in followed and not any(m in ctx.laddering for m in used):
                continue
            places: list[tuple[str, tuple[str | int, ...]]] = []
            if funnel.anchor is not None:
                places.append((funnel.anchor, ("anchor",)))
            for i, step in enumerate(funnel.steps):
                path: tuple[str | int, ...] = ("steps", i)
                if not isinstance(step, str):
                    path = (*path, "metric")
                places.append((funnel.step_metrics[i], path))
            reported: set[str] = set()
            for metric_name, path in places:
                metric = p.metrics.get(metric_name)
                if metric is None or metric.source is None or metric_name in reported:
                    continue
                reported.add(metric_name)
                missing = unfiltered_traffic(ctx, metric, [])
                if not missing:
                    continue
                columns = ", ".join(f"{s}.{c.name}" for s, c in missing)
                kinds = " and ".join(
                    dict.fromkeys(TRAFFIC_SEMANTICS[c.semantic] for _, c in missing if c.semantic)
                )
                yield self.finding(
                    f"funnel {name!r} is on the north star's path, but {metric_name!r} counts "
                    f"{kinds}: no qualifier or filter uses {columns}",
                    p.span("funnel", name, *path),
                    obj("funnel", name),
                    "apply a qualifier on those columns to the metric, or suppress this finding "
                    "on the funnel with the reason that stage counts them on purpose",
                )
