"""Rules against numbers that can grow without value: no qualifier, test traffic, vanity."""

from __future__ import annotations

from collections.abc import Iterator

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, Severity, Span
from nsmcode.rules.engine import Context, Rule, columns_in, obj, tokens
from nsmcode.rules.helpers import has_phrase, is_all_time

USAGE_ROLES = (models.Role.NORTH_STAR, models.Role.INPUT)
TRAFFIC_SEMANTICS = {
    models.Semantic.ENVIRONMENT: "sandbox/test environments",
    models.Semantic.TEST_FLAG: "test accounts",
    models.Semantic.INTERNAL_FLAG: "internal accounts",
}


class NorthStarUnqualified(Rule):
    """The north star applies at least one anti-gaming qualifier, with a reason.

    ## What it does
    Reports a north star with no `qualifiers` (nor, for a north star built from other metrics,
    any qualifier on the metrics it is built from), or whose qualifiers have a blank `reason`.
    A bare `filter:` does not count: a qualifier is named, reusable and says why it exists.

    ## Why is this bad?
    > Could a team easily inflate this metric without actually delivering more value?
    >
    > — [Hard to game](../principles.md#hard-to-game), quoting *North Star Metric*

    ## Example
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
        filter: environment = 'production'
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
        qualifiers: [production_only]
    ```
    """

    code = "NSM004"
    name = "north-star.unqualified"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for star in p.north_stars:
            names = [star.name]
            if star.source is None:
                names += p.upstream(star.name)
            used = [q for n in names for q in p.metrics[n].qualifiers if q in p.qualifiers]
            reasoned = [q for q in used if p.qualifiers[q].reason.strip()]
            if reasoned:
                continue
            if used:
                message = f"the qualifiers of north star {star.name!r} give no reason"
                span = p.span("qualifier", used[0], "reason")
            else:
                message = f"north star {star.name!r} has no anti-gaming qualifier"
                written = "qualifiers" in star.model_fields_set
                span = ctx.metric_span(star.name, "qualifiers" if written else "name")
            yield self.finding(
                message,
                span,
                obj("metric", star.name),
                "add `qualifiers:` naming a qualifier whose `reason` says what gaming or noise it "
                "keeps out (e.g. production calls only, no test accounts)",
            )


class UsageCountsTestTraffic(Rule):
    """Usage metrics exclude sandbox, test and internal traffic their sources flag.

    ## What it does
    For the north star and every input, and every metric they are built from, looks at each
    source aggregated and the sources it joins to. When one of them declares a column with
    `semantic: environment`, `test_flag` or `internal_flag`, one of the metric's qualifiers (or
    its `filter`) must reference that column; otherwise the metric counts sandbox calls, test
    accounts or employees as customer value.

    ## Why is this bad?
    > Counting test/sandbox API calls as real usage
    >
    > Production usage predicts retention far better than trial usage.
    >
    > — [Production usage only](../principles.md#production-usage-only),
    > quoting *North Star Metric for Developer Tools*

    ## Example
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
        qualifiers: [production_only]
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
        qualifiers: [production_only, real_accounts]
    ```
    """

    code = "NSM005"
    name = "usage.counts-test-traffic"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for usage in p.metrics.values():
            if usage.role not in USAGE_ROLES:
                continue
            extra = ctx.conditions(usage) if usage.source is None else []
            for name in [usage.name, *p.upstream(usage.name)]:
                metric = p.metrics[name]
                if metric.source is None:
                    continue
                missing = unfiltered_traffic(ctx, metric, extra)
                if missing:
                    yield self._finding(ctx, usage, metric, missing)

    def _finding(
        self,
        ctx: Context,
        usage: models.Metric,
        metric: models.Metric,
        missing: list[tuple[str, models.Column]],
    ) -> Diagnostic:
        columns = ", ".join(f"{s}.{c.name}" for s, c in missing)
        kinds = " and ".join(
            dict.fromkeys(TRAFFIC_SEMANTICS[c.semantic] for _, c in missing if c.semantic)
        )
        role = usage.role.value.replace("_", " ")
        where: Span = ctx.metric_span(metric.name, "qualifiers" if metric.qualifiers else "source")
        built = "" if metric is usage else f", through {metric.name!r},"
        return self.finding(
            f"{role} {usage.name!r}{built} counts {kinds}: no qualifier or filter uses {columns}",
            where,
            obj("metric", usage.name),
            "apply a qualifier on those columns (e.g. `environment = 'production'`, "
            "`NOT accounts.is_test`) so only real customer usage is counted",
        )


def unfiltered_traffic(
    ctx: Context, metric: models.Metric, extra: list[str]
) -> list[tuple[str, models.Column]]:
    """(source, column) pairs flagged as test traffic that none of the metric's conditions (nor
    `extra`) references."""
    p = ctx.project
    referenced: set[tuple[str | None, str]] = set()
    for condition in [*ctx.conditions(metric), *extra]:
        referenced |= columns_in(condition)
    out: list[tuple[str, models.Column]] = []
    for source in p.reachable_sources(metric.source or ""):
        for column in p.sources[source].columns:
            if column.semantic not in TRAFFIC_SEMANTICS:
                continue
            name = column.name.lower()
            if (None, name) not in referenced and (source.lower(), name) not in referenced:
                out.append((source, column))
    return out


def vanity_pattern(name: str) -> str | None:
    """Which vanity pattern a name matches: downloads, page views, registered users."""
    words = tokens(name)
    found = set(words)
    if found & {"download", "downloads", "installs"}:
        return "downloads"
    if found & {"pageview", "pageviews"} or has_phrase(words, "page", "views"):
        return "page views"
    if "registered" in found or (
        "total" in found and found & {"users", "accounts", "signups", "customers", "registrations"}
    ):
        return "registered users"
    return None


class VanityMetric(Rule):
    """Neither the north star nor an input is a vanity metric.

    ## What it does
    Reports a north star or input that is (or is built from) an all-time cumulative total (a
    `cumulative` calculation with neither `window` nor `period_to_date`), or whose name reads as
    downloads, page views or registered users.

    ## Why is this bad?
    > Total registered users, total app downloads, and total page views are classic vanity
    > metrics.
    >
    > They can grow while real engagement and retention collapse.
    >
    > — [No vanity metrics](../principles.md#no-vanity-metrics), quoting *North Star Metric*

    An all-time total never goes down: it grows while every customer leaves.

    ## Example
    ```yaml
    metrics:
      - name: integration_points
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
        qualifiers: [production_only, real_accounts]
      - name: total_integration_points
        role: north_star
        calculation: {type: cumulative, metric: integration_points}
    ```

    Use instead:
    ```yaml
    metrics:
      - name: integration_points
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
        qualifiers: [production_only, real_accounts]
      - name: integration_points_28d
        role: north_star
        calculation: {type: cumulative, metric: integration_points, window: 28 days}
    ```
    """

    code = "NSM006"
    name = "usage.is-vanity"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for metric in p.metrics.values():
            if metric.role not in USAGE_ROLES:
                continue
            role = metric.role.value.replace("_", " ")
            reasons: list[tuple[Span, str]] = []
            if pattern := vanity_pattern(metric.name):
                reasons.append(
                    (ctx.metric_span(metric.name, "name"), f"its name reads as {pattern}")
                )
            for name in [metric.name, *p.upstream(metric.name)]:
                if is_all_time(p.metrics[name]):
                    what = "it is" if name == metric.name else f"it is built from {name!r},"
                    reasons.append(
                        (
                            ctx.metric_span(metric.name, "calculation"),
                            f"{what} an all-time cumulative total",
                        )
                    )
            if reasons:
                yield self.finding(
                    f"{role} {metric.name!r} is a vanity metric: "
                    + "; ".join(r for _, r in reasons),
                    reasons[0][0],
                    obj("metric", metric.name),
                    "measure engaged use within a period (weekly active ..., a rolling `window:` "
                    "or `period_to_date:`), not totals that only grow",
                )
