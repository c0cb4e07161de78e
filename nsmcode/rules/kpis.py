"""Rules about team and company KPIs: a focused set, each with a target and a date."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from nsmcode.compile.funnel_ref import known
from nsmcode.diagnostics import Diagnostic, Severity
from nsmcode.rules.engine import Context, Rule, Threshold, obj


class KpiCountOutOfRange(Rule):
    """A team tracks 5 to 10 KPIs; the company (`company: true`) 5 to 8.

    ## What it does
    Reports a team whose number of `kpis` is outside `min_team_kpis`..`max_team_kpis`, or, for
    the company-level team (`company: true`), outside `min_company_kpis`..`max_company_kpis`.

    ## Why is this bad?
    > 5-10 for a team, 5-8 for the company. More than that and the signal gets lost in the noise.
    >
    > If it does not drive action, it is a metric, not a KPI.
    >
    > — [Few KPIs](../principles.md#few-kpis), quoting *Key performance indicators*

    ## Example
    ```yaml
    teams:
      - name: dx
        kpis:
          - {metric: weekly_docs_readers, target: 6000, direction: increase, due: 2026-12-31}
    ```

    Use instead:
    ```yaml
    teams:
      - name: dx
        kpis:
          - {metric: weekly_docs_readers, target: 6000, direction: increase, due: 2026-12-31}
          - {metric: docs_to_signup_rate, target: 0.08, direction: increase, due: 2026-12-31}
          - {metric: weekly_new_accounts, target: 380, direction: increase, due: 2026-12-31}
          - {metric: weekly_active_accounts, target: 1200, direction: increase, due: 2026-12-31}
          - {metric: weekly_sdk_errors, target: 40, direction: decrease, due: 2026-12-31}
    ```
    """

    code = "NSM030"
    name = "kpi.count-out-of-range"
    severity = Severity.WARNING
    thresholds = (
        Threshold("min_team_kpis", 5, "Fewest KPIs a team may track."),
        Threshold("max_team_kpis", 10, "Most KPIs a team may track."),
        Threshold("min_company_kpis", 5, "Fewest KPIs the company (`company: true`) may track."),
        Threshold("max_company_kpis", 8, "Most KPIs the company (`company: true`) may track."),
    )

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for team in p.teams.values():
            scope = "company" if team.company else "team"
            low = ctx.threshold(f"min_{scope}_kpis")
            high = ctx.threshold(f"max_{scope}_kpis")
            count = len(team.kpis)
            if low <= count <= high:
                continue
            who = "the company" if team.company else f"team {team.name!r}"
            yield self.finding(
                f"{who} tracks {count} KPI{'s' if count != 1 else ''}; a {scope} needs "
                f"{low} to {high}",
                p.span("team", team.name, "kpis" if team.kpis else "name"),
                obj("team", team.name),
                "add the numbers that tell whether the team is healthy"
                if count < low
                else "keep the KPIs that drive action; the rest stay metrics for deep dives",
            )


class KpiIncomplete(Rule):
    """Every KPI has a target, a direction and a due date.

    ## What it does
    Reports a KPI missing any of `target`, `direction` or `due`.

    ## Why is this bad?
    > It is specific, measurable, actionable, relevant to a business goal, and time-bound.
    >
    > Good KPIs tell you both where you are and where you need to be.
    >
    > — [Measurable targets](../principles.md#measurable-targets),
    > quoting *Key performance indicators*

    ## Example
    ```yaml
    teams:
      - name: dx
        kpis:
          - {metric: weekly_docs_readers}
    ```

    Use instead:
    ```yaml
    teams:
      - name: dx
        kpis:
          - {metric: weekly_docs_readers, target: 6000, direction: increase, due: 2026-12-31}
    ```
    """

    code = "NSM031"
    name = "kpi.incomplete"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for team in p.teams.values():
            for i, kpi in enumerate(team.kpis):
                missing = [f for f in ("target", "direction", "due") if getattr(kpi, f) is None]
                if missing:
                    yield self.finding(
                        f"KPI {kpi.metric!r} of team {team.name!r} has no {', no '.join(missing)}",
                        p.span("team", team.name, "kpis", i),
                        obj("team", team.name),
                        "add "
                        + ", ".join(f"`{f}:`" for f in missing)
                        + ": a KPI says where the number needs to be, which way, and by when",
                    )


class KpiUnknownMetric(Rule):
    """Every KPI points at a metric that exists.

    ## What it does
    Reports a KPI whose `metric` names no metric of the project.

    ## Why is this bad?
    > Good KPIs are actionable, measurable, and aligned with business goals.
    >
    > — [KPIs are chosen metrics](../principles.md#kpis-are-chosen-metrics),
    > quoting *Key performance indicators*

    A KPI on an undefined metric cannot be measured.

    ## Example
    ```yaml
    teams:
      - name: dx
        kpis:
          - {metric: weekly_doc_readers, target: 6000, direction: increase, due: 2026-12-31}
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

    code = "NSM032"
    name = "kpi.unknown-metric"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        for team in p.teams.values():
            for i, kpi in enumerate(team.kpis):
                if known(p, kpi.metric):
                    continue
                close = difflib.get_close_matches(kpi.metric, list(p.metrics), n=1)
                yield self.finding(
                    f"KPI of team {team.name!r} refers to unknown metric {kpi.metric!r}",
                    p.span("team", team.name, "kpis", i, "metric"),
                    obj("team", team.name),
                    f"did you mean {close[0]!r}?" if close else "define the metric first",
                )
