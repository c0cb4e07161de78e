"""Rules about the north star itself: one of it, not revenue, an outcome, well described."""

from __future__ import annotations

from collections.abc import Iterator

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, Severity, Span
from nsmcode.rules.engine import Context, Rule, obj, tokens
from nsmcode.rules.helpers import (
    aggregated_columns,
    chain,
    has_phrase,
    identity_columns,
    revenue_word,
)


class NotExactlyOneNorthStar(Rule):
    """The project has exactly one metric with `role: north_star`.

    ## What it does
    Reports a project with no north star (at nsmcode.yaml), and every north star after the first
    one defined (at its `role`).

    ## Why is this bad?
    > If your company is tracking three or five “north stars,” you have no north star.
    >
    > The discipline is to pick one.
    >
    > — [One north star](../principles.md#one-north-star), quoting *North Star Metric*

    ## Example
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
      - name: weekly_active_accounts
        role: north_star
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
    ```
    """

    code = "NSM001"
    name = "north-star.not-exactly-one"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        stars = ctx.project.north_stars
        if not stars:
            yield self.finding(
                "the project has no north star",
                ctx.project.config_span(),
                "project",
                "give the one metric that best captures the value customers get `role: north_star`",
            )
            return
        first = stars[0]
        for extra in stars[1:]:
            yield self.finding(
                f"{extra.name!r} is a second north star; {first.name!r} already is one "
                f"(at {ctx.metric_span(first.name)})",
                ctx.metric_span(extra.name, "role"),
                obj("metric", extra.name),
                "keep one north star; make the others inputs (`role: input`) or plain metrics",
            )


class NorthStarIsRevenue(Rule):
    """The north star is not revenue: no financial source, currency column or revenue-like name.

    ## What it does
    Looks at the north star and every metric it is built from (through ratios, derived
    expressions, cumulatives ...) down to the sources they read, and reports a financial source
    (`financial: true`), an aggregated column with `semantic: currency`, or a revenue-like name
    (revenue, mrr, arr, gmv, amount, price, sales, income, arpu, billing, invoice) in a column it
    aggregates or a metric it is built from.

    ## Why is this bad?
    > Revenue is an output.
    >
    > A good NSM is a leading indicator: it moves before revenue does, and it predicts whether
    > revenue will continue to grow.
    >
    > — [Not revenue](../principles.md#not-revenue), quoting *North Star Metric*

    ## Example
    ```yaml
    metrics:
      - name: monthly_billings
        role: north_star
        source: invoices
        calculation: {type: sum, column: amount}
        grain: month
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
        grain: week
      - name: monthly_billings
        source: invoices
        calculation: {type: sum, column: amount}
        grain: month
    ```
    """

    code = "NSM002"
    name = "north-star.is-revenue"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for star in ctx.project.north_stars:
            reasons = list(self._reasons(ctx, star))
            if reasons:
                span = reasons[0][0]
                text = "; ".join(dict.fromkeys(r for _, r in reasons))
                yield self.finding(
                    f"north star {star.name!r} measures revenue: {text}",
                    span,
                    obj("metric", star.name),
                    "revenue is the consequence of value delivered: choose the customer outcome "
                    "that precedes it, and keep revenue as a plain metric (or analysis.outcome)",
                )

    def _reasons(self, ctx: Context, star: models.Metric) -> Iterator[tuple[Span, str]]:
        """(where, why) for each sign of revenue, in the north star or what it is built from.

        A sign in the north star itself points at the value; one further down points at the
        north star's `calculation`, the reference that pulls it in.
        """
        p = ctx.project
        for name in [star.name, *p.upstream(star.name)]:
            metric = p.metrics[name]
            own = name == star.name
            via = "" if own else f" (through {name!r})"

            def at(*path: str | int, _name: str = name, _own: bool = own) -> Span:
                if _own:
                    return ctx.metric_span(_name, *path)
                return ctx.metric_span(star.name, "calculation")

            source = p.sources.get(metric.source or "")
            if source is not None:
                if source.financial:
                    yield at("source"), f"it reads financial source {source.name!r}{via}"
                columns = p.columns(source.name)
                for path, column in aggregated_columns(metric.calculation):
                    col = columns.get(column)
                    where = f"{source.name}.{column}"
                    if col is not None and col.semantic is models.Semantic.CURRENCY:
                        yield (
                            at("calculation", *path),
                            f"it aggregates currency column {where}{via}",
                        )
                    elif word := revenue_word(column):
                        yield at("calculation", *path), f"it aggregates {where} ({word!r}){via}"
            if word := revenue_word(name):
                what = "its name" if own else f"it is built from {name!r}, whose name"
                yield at("name"), f"{what} says {word!r}"


ACTIVITY_HINT = (
    "measure the value the customer gets (e.g. accounts completing the key action in production), "
    "not the effort spent"
)


def activity_pattern(name: str) -> str | None:
    """Which activity pattern a name matches: things sent, calls made, logins, signups."""
    words = tokens(name)
    found = set(words)
    if found & {"sent", "sends", "send"}:
        return "things sent"
    if "made" in found and found & {"call", "calls"}:
        return "calls made"
    if found & {"login", "logins", "signin", "signins", "logon", "logons"} or any(
        has_phrase(words, a, b) for a in ("log", "sign") for b in ("in", "ins")
    ):
        return "logins"
    if found & {"signup", "signups", "registration", "registrations"} or any(
        has_phrase(words, "sign", b) for b in ("up", "ups")
    ):
        return "signups"
    return None


class NorthStarIsActivity(Rule):
    """The north star measures an outcome, not an input or an activity.

    ## What it does
    Reports a north star that declares `measures: activity`; whose name (or the source it counts,
    or the metric it accumulates) reads like an activity: things sent (`emails_sent`), calls
    made, logins, signups; or that counts "any event": all rows of a source, or distinct accounts
    or users with any row, with no qualifier and no filter saying which event delivers value.
    Page views are reported by NSM006 (vanity metrics).

    ## Why is this bad?
    > The NSM should always be an outcome.
    >
    > “Number of onboarding emails sent” is an input. “Number of users who complete onboarding” is
    > an outcome.
    >
    > — [An outcome, not an activity](../principles.md#an-outcome-not-an-activity),
    > quoting *North Star Metric*

    ## Example
    ```yaml
    metrics:
      - name: weekly_onboarding_emails_sent
        role: north_star
        measures: activity
        source: api_calls
        calculation: {type: count}
        qualifiers: [production_only]
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_accounts_in_production
        role: north_star
        measures: outcome
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id]}
        qualifiers: [production_only]
    ```
    """

    code = "NSM003"
    name = "north-star.is-activity"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for star in ctx.project.north_stars:
            reasons = list(self._reasons(ctx, star))
            if reasons:
                yield self.finding(
                    f"north star {star.name!r} measures activity, not an outcome: "
                    + "; ".join(dict.fromkeys(r for _, r in reasons)),
                    reasons[0][0],
                    obj("metric", star.name),
                    ACTIVITY_HINT,
                )

    def _reasons(self, ctx: Context, star: models.Metric) -> Iterator[tuple[Span, str]]:
        p = ctx.project
        if star.measures is models.Measures.ACTIVITY:
            yield ctx.metric_span(star.name, "measures"), "it declares `measures: activity`"
        for metric in chain(p, star):
            span = ctx.metric_span(star.name, "name" if metric is star else "calculation")
            if pattern := activity_pattern(metric.name):
                yield span, f"{metric.name!r} counts {pattern}"
            if metric.source and (pattern := activity_pattern(metric.source)):
                yield span, f"it counts rows of source {metric.source!r} ({pattern})"
        base = chain(p, star)[-1]
        if base.source and not base.qualifiers and not base.filter:
            calc = base.calculation
            span = ctx.metric_span(base.name, "calculation", "type")
            if base is not star:
                span = ctx.metric_span(star.name, "calculation")
            if isinstance(calc, models.Count):
                yield span, f"it counts every row of {base.source!r}, whatever the event"
            elif isinstance(calc, models.CountDistinct) and set(calc.columns) <= identity_columns(
                p, base.source
            ):
                who = ", ".join(calc.columns)
                yield span, f"it counts every {who} with any row in {base.source!r} (any event)"


class NorthStarWithoutGrainOrEntity(Rule):
    """The north star has a time grain and names the entity it is about.

    ## What it does
    Reports a north star without `grain` (day, week, month, quarter) or without `entity`
    (account, user, team ...).

    ## Why is this bad?
    > “What is the one number we are all trying to move, and did it go up last week?”
    >
    > — [Per period, about someone](../principles.md#per-period-about-someone),
    > quoting *North Star Metric*

    Without a grain there is no "last week" to compare with; without an entity nobody knows
    whose value is counted, so segmenting and retention analyses are impossible.

    ## Example
    ```yaml
    metrics:
      - name: active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
        grain: week
        entity: account
    ```
    """

    code = "NSM007"
    name = "north-star.no-grain-or-entity"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for star in ctx.project.north_stars:
            missing = [f for f in ("grain", "entity") if getattr(star, f) is None]
            if missing:
                yield self.finding(
                    f"north star {star.name!r} has no {' and no '.join(missing)}",
                    ctx.metric_span(star.name, "name"),
                    obj("metric", star.name),
                    "add "
                    + " and ".join(f"`{f}:`" for f in missing)
                    + " (e.g. `grain: week`, `entity: account`)",
                )


class NorthStarUndocumented(Rule):
    """The north star has a description and a value statement.

    ## What it does
    Reports a north star without a non-empty `description` (what is counted) or `value` (why the
    number going up means customers get more value).

    ## Why is this bad?
    > should be able to understand what the metric means and feel some connection to it.
    >
    > — [Understood by everyone](../principles.md#understood-by-everyone),
    > quoting *North Star Metric*

    ## Example
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        description: Distinct (account, endpoint) pairs called in production during the week.
        value: Teams that wire more of our API into production get more done and churn less.
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
    ```
    """

    code = "NSM008"
    name = "north-star.undocumented"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        labels = {"description": "description", "value": "value statement"}
        for star in ctx.project.north_stars:
            missing = [f for f in labels if not (getattr(star, f) or "").strip()]
            if missing:
                absent = " and no ".join(labels[f] for f in missing)
                yield self.finding(
                    f"north star {star.name!r} has no {absent}",
                    ctx.metric_span(star.name, "name"),
                    obj("metric", star.name),
                    "add `description:` (what is counted) and `value:` (why more of it means "
                    "customers get more value)",
                )


class NorthStarWithoutGuardrail(Rule):
    """The north star has at least one guardrail counter-metric.

    ## What it does
    Reports a north star that no metric with `role: guardrail` guards (`guards:` defaults to the
    north star).

    ## Why is this bad?
    > most of those metrics can improve while the business is actually in decline.
    >
    > — [Guarded](../principles.md#guarded), quoting *North Star Metric*

    The north star is no exception: a guardrail (error rate, churn, latency) shows when it grows
    at the customers' expense.

    ## Example
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_active_integration_points
        role: north_star
        source: api_calls
        calculation: {type: count_distinct, columns: [account_id, endpoint]}
      - name: weekly_server_errors
        role: guardrail
        source: api_calls
        calculation: {type: count}
        filter: status_code >= 500
    ```
    """

    code = "NSM009"
    name = "north-star.no-guardrail"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        star = ctx.north_star
        if star is not None and not ctx.project.guardrails_of(star.name):
            yield self.finding(
                f"north star {star.name!r} has no guardrail",
                ctx.metric_span(star.name, "name"),
                obj("metric", star.name),
                "add a counter-metric with `role: guardrail` (error rate, churn, latency) that "
                "shows when the north star grows at the customers' expense",
            )
