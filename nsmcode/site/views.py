"""What each page shows, gathered from the project once, before any template runs.

Templates only lay things out; every decision (what a metric's neighbours are, which findings
belong to it, how a value is formatted) is made here, in typed Python, where it can be tested.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from nsmcode import models
from nsmcode.compile import calendars
from nsmcode.diagnostics import Diagnostic
from nsmcode.project import Project
from nsmcode.run import status
from nsmcode.site import charts, fmt, markdown, prose
from nsmcode.site.lineage import Lineage

if TYPE_CHECKING:
    from nsmcode.analyze.chart import SiteAnalysis

DIALECT_LABELS = {
    "duckdb": "DuckDB",
    "postgres": "PostgreSQL",
    "snowflake": "Snowflake",
    "bigquery": "BigQuery",
    "redshift": "Redshift",
    "databricks": "Databricks",
    "spark": "Spark SQL",
    "trino": "Trino",
    "clickhouse": "ClickHouse",
    "mysql": "MySQL",
    "sqlite": "SQLite",
    "tsql": "SQL Server",
}

GROUPS = (
    ("north_star", "North Star"),
    ("dx", "DX inputs"),
    ("product", "Product inputs"),
    ("growth", "Growth inputs"),
    ("input", "Other inputs"),
    ("guardrail", "Guardrails"),
    ("kpi", "KPI metrics"),
    ("plain", "Supporting metrics"),
)


def metric_url(name: str) -> str:
    return f"metrics/{name}.html"


def rule_url(code: str) -> str:
    return f"rules/{code}.html"


def group_of(metric: models.Metric) -> str:
    if metric.role is models.Role.INPUT:
        return metric.category.value if metric.category else "input"
    return str(metric.role.value)


def sort_metrics(metrics: list[models.Metric]) -> list[models.Metric]:
    return sorted(metrics, key=lambda m: (prose.title(m).lower(), m.name))


# ------------------------------------------------------------------------------------------------
# Inputs from other parts of nsmcode (rules, compiler, engine), in plain shapes


@dataclass(frozen=True)
class RuleDoc:
    code: str
    name: str
    severity: str
    summary: str
    body: str
    """The documentation after the summary line, in the markdown subset of `markdown.py`."""
    thresholds: tuple[tuple[str, int, str], ...] = ()


@dataclass(frozen=True)
class Data:
    """Values from the project's connection: each metric's complete periods, oldest first."""

    as_of: dt.date
    series: dict[str, list[tuple[dt.date, float | None]]]


@dataclass(frozen=True)
class SqlResult:
    dialect: str
    sql: str | None
    problems: tuple[Diagnostic, ...] = ()
    columns: tuple[str, ...] = ()
    """The columns the query returns, in order (the same in every dialect)."""


# ------------------------------------------------------------------------------------------------
# Views


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    hint: str | None
    where: str | None
    rule: str | None  # URL (from the site root) of the rule's page, when the site documents it
    obj: str | None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    body: Markup
    findings: tuple[Finding, ...]
    thresholds: tuple[tuple[str, int, str], ...]


@dataclass(frozen=True)
class SqlTab:
    dialect: str
    label: str
    sql: str | None
    problems: tuple[Finding, ...]
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Values:
    """A metric's recent values, formatted for reading."""

    current: str
    period: dt.date
    change: str | None
    change_direction: str  # "up" | "down" | "flat"
    change_tone: str  # "good" | "bad" | "neutral": up is good unless the metric should go down
    spark: charts.Sparkline | None
    spark_wide: charts.Sparkline | None
    first: dt.date
    count: int
    raw_current: float | None
    share: bool
    period_label: str


@dataclass(frozen=True)
class Target:
    """A KPI or key result with its metric's progress."""

    metric: models.Metric | None
    metric_name: str
    description: str | None
    baseline: str
    target: str
    direction: str | None
    due: dt.date | None
    values: Values | None
    progress: charts.Progress | None
    owner_title: str
    owner_href: str
    kind: str  # "KPI" | "Key result"


@dataclass
class Site:
    project: Project
    title: str
    findings: list[Finding]
    rules: list[Rule]
    by_obj: dict[str, list[Finding]]
    values: dict[str, Values]
    sql: dict[str, list[SqlTab]]
    data: Data | None = None
    analysis: SiteAnalysis | None = None
    """`nsmcode analyze` on the data (nsmcode.analyze.chart), when the project declares it."""
    funnels: dict[str, Any] = field(default_factory=dict)
    """Funnel pages by name (nsmcode.site.funnels.FunnelView)."""
    retention: dict[str, Any] = field(default_factory=dict)
    """Cohort pages of retention metrics by name (nsmcode.site.retention.RetentionView)."""

    @property
    def with_data(self) -> bool:
        return self.data is not None

    @cached_property
    def lineage(self) -> Lineage:
        """Built from / used by, metric filters included."""
        return Lineage(self.project)

    @property
    def today(self) -> dt.date | None:
        return self.data.as_of if self.data else None

    def metric(self, name: str) -> models.Metric | None:
        return self.project.metrics.get(name)

    def title_of(self, name: str) -> str:
        metric = self.metric(name)
        return prose.title(metric) if metric else name

    def groups(self) -> list[tuple[str, str, list[models.Metric]]]:
        out = []
        for key, label in GROUPS:
            members = [m for m in self.project.metrics.values() if group_of(m) == key]
            if members:
                out.append((key, label, sort_metrics(members)))
        return out

    def metrics_on_source(self, source: str) -> list[str]:
        return sorted(n for n, m in self.project.metrics.items() if m.source == source)

    def metrics_using_qualifier(self, qualifier: str) -> list[str]:
        return sorted(n for n, m in self.project.metrics.items() if qualifier in m.qualifiers)

    def findings_for(self, kind: str, name: str) -> list[Finding]:
        return self.by_obj.get(f"{kind}:{name}", [])

    def location(self, kind: str, name: str) -> str:
        span = self.project.span(kind, name)
        return f"{relative_file(self.project, span.file)}:{span.line}"

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] = out.get(f.severity, 0) + 1
        return out

    def describe(self, metric: models.Metric, root: str) -> Markup:
        return prose.describe(self.project, metric, self.linker(root))

    def metric_filter(self, spec: models.MetricFilter, root: str) -> Markup:
        return prose.metric_filter(spec, self.linker(root))

    def calendar_facts(self) -> list[tuple[str, str]]:
        return prose.calendar_facts(self.project.config.calendar)

    def grain_text(self, metric: models.Metric) -> str:
        return prose.grain_text(self.project, prose.grain_of(metric))

    def linker(self, root: str) -> Callable[[str], Markup]:
        def link(name: str) -> Markup:
            if name not in self.project.metrics:
                return Markup("<code>{}</code>").format(name)
            return Markup('<a href="{}">{}</a>').format(
                root + metric_url(name), self.title_of(name)
            )

        return link

    def targets_for_metric(self, name: str) -> list[Target]:
        out = [self.kpi_target(team, kpi) for team, kpi in self.project.kpis_for(name)]
        out += [self.kr_target(okr, kr) for okr, kr in self.project.key_results_for(name)]
        return out

    def _goal(self, goal: status.Goal) -> tuple[Values | None, charts.Progress | None]:
        if self.data is None:
            return None, None
        if goal.metric not in self.project.metrics:  # a funnel stage, or reported by the rules
            from nsmcode.site.funnels import stage_goal

            return stage_goal(self, goal)
        metric = self.project.metrics[goal.metric]
        result = status.evaluate(
            goal, self.data.series.get(goal.metric, []), prose.grain_of(metric), self.data.as_of
        )
        return self.values.get(goal.metric), charts.progress(result.progress, result.status)

    def kpi_target(self, team: models.Team, kpi: models.Kpi) -> Target:
        metric = self.metric(kpi.metric)
        values, prog = self._goal(status.kpis([team.model_copy(update={"kpis": (kpi,)})])[0])
        return Target(
            metric,
            kpi.metric,
            None,
            fmt.target(kpi.baseline, metric),
            fmt.target(kpi.target, metric),
            kpi.direction.value if kpi.direction else None,
            kpi.due,
            values,
            prog,
            team_title(team),
            f"kpis.html#team-{team.name}",
            "KPI",
        )

    def kr_target(self, okr: models.Okr, kr: models.KeyResult) -> Target:
        metric = self.metric(kr.metric)
        goal = status.key_results([okr.model_copy(update={"key_results": (kr,)})])[0]
        values, prog = self._goal(goal)
        return Target(
            metric,
            kr.metric,
            kr.description,
            fmt.target(kr.baseline, metric),
            fmt.target(kr.target, metric),
            kr.direction.value if kr.direction else None,
            kr.due,
            values,
            prog,
            okr.objective,
            f"okrs.html#okr-{okr.name}",
            "Key result",
        )


def team_title(team: models.Team) -> str:
    """`DX team`; the company-level set reads `Company-wide`."""
    if team.company:
        return "Company-wide" if team.name == "company" else f"{prose.words(team.name)} (company)"
    return f"{prose.words(team.name)} team"


def relative_file(project: Project, file: str) -> str:
    """A definition file's path relative to the project root, so output never depends on cwd."""
    path = Path(file)
    if not path.is_absolute():
        path = Path.cwd() / path
    try:
        return Path(os.path.relpath(path.resolve(), project.root.resolve())).as_posix()
    except ValueError:
        return path.name


# ------------------------------------------------------------------------------------------------
# Building the views


def finding_view(project: Project, diag: Diagnostic, documented: set[str]) -> Finding:
    where = None
    if diag.span is not None:
        where = f"{relative_file(project, diag.span.file)}:{diag.span.line}:{diag.span.col}"
    return Finding(
        diag.code,
        diag.severity.value,
        diag.message,
        diag.hint,
        where,
        rule_url(diag.code) if diag.code in documented else None,
        diag.obj,
    )


def rule_views(rules: list[RuleDoc], findings: list[Finding]) -> list[Rule]:
    out = []
    for rule in sorted(rules, key=lambda r: r.code):
        mine = tuple(f for f in findings if f.code == rule.code)
        out.append(
            Rule(
                rule.code,
                rule.name,
                rule.severity,
                rule.summary,
                markdown.render(rule.body, heading_offset=0),
                mine,
                rule.thresholds,
            )
        )
    return out


POINTS = {"hour": 48, "day": 56, "week": 16, "month": 8, "quarter": 6}
POINTS |= {"year": 5, "fiscal_quarter": 6, "fiscal_year": 5}


def wanted_direction(project: Project, metric: models.Metric) -> models.Direction | None:
    """Which way is better: the metric's own target, else what its KPIs and key results want."""
    if metric.target is not None:
        return metric.target.direction
    goals = [k.direction for _, k in project.kpis_for(metric.name)]
    goals += [kr.direction for _, kr in project.key_results_for(metric.name)]
    wanted = {d for d in goals if d is not None}
    return wanted.pop() if len(wanted) == 1 else None


def values_view(
    metric: models.Metric,
    series: list[tuple[dt.date, float | None]],
    better: models.Direction | None = None,
    calendar: models.Calendar = calendars.DEFAULT,
) -> Values | None:
    """The latest complete period's value, its change and a sparkline of the recent periods."""
    pairs = list(series)
    while pairs and pairs[-1][1] is None:
        pairs.pop()
    if not pairs:
        return None
    grain = prose.grain_of(metric)
    recent = pairs[-POINTS[grain.value] :]
    numbers = [v for _, v in recent if v is not None]
    share = fmt.is_share(metric, numbers)
    period, current = recent[-1]
    previous = recent[-2][1] if len(recent) > 1 else None
    change = None
    direction = "flat"
    if current is not None and previous is not None:
        delta = current - previous
        direction = "up" if delta > 0 else "down" if delta < 0 else "flat"
        if share:
            change = fmt.points(delta * 100)
        elif previous:
            change = fmt.number(delta / abs(previous), share=True, signed=True)
    tone = "neutral"
    if better is not None and direction != "flat":
        up_is_good = better is models.Direction.INCREASE
        tone = "good" if (direction == "up") == up_is_good else "bad"
    return Values(
        fmt.number(current, share=share),
        period,
        change,
        direction,
        tone,
        charts.sparkline([v for _, v in recent]),
        charts.sparkline([v for _, v in recent], width=320, height=64),
        recent[0][0],
        len(recent),
        current,
        share,
        period_label(period, grain, calendar),
    )


def period_label(
    period: dt.date, grain: models.Grain, calendar: models.Calendar = calendars.DEFAULT
) -> str:
    if grain is models.Grain.HOUR:
        return period.strftime("%d %b %Y %H:00")
    if grain is models.Grain.DAY:
        return period.strftime("%d %b %Y")
    if grain is models.Grain.WEEK:
        return "week of " + period.strftime("%d %b %Y")
    if grain is models.Grain.MONTH:
        return period.strftime("%B %Y")
    return calendars.label(period, grain, calendar)  # 2026-Q2, 2026, FY2027-Q1, FY2027


def sql_tabs(project: Project, results: list[SqlResult], documented: set[str]) -> list[SqlTab]:
    return [
        SqlTab(
            r.dialect,
            DIALECT_LABELS.get(r.dialect, r.dialect),
            r.sql,
            tuple(finding_view(project, d, documented) for d in r.problems),
            r.columns,
        )
        for r in results
    ]


def make_site(
    project: Project,
    *,
    diagnostics: list[Diagnostic],
    rules: list[RuleDoc],
    sql: dict[str, list[SqlResult]],
    data: Data | None = None,
    analysis: SiteAnalysis | None = None,
    funnels: dict[str, Any] | None = None,
    retention: dict[str, Any] | None = None,
) -> Site:
    documented = {r.code for r in rules}
    findings = [
        finding_view(project, d, documented)
        for d in sorted(diagnostics, key=lambda d: (d.sort_key(), d.obj or ""))
    ]
    by_obj: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.obj:
            by_obj.setdefault(finding.obj, []).append(finding)
    values: dict[str, Values] = {}
    for name, series in sorted(data.series.items() if data else []):
        metric = project.metrics.get(name)
        view = (
            values_view(
                metric, series, wanted_direction(project, metric), project.config.calendar
            )
            if metric
            else None
        )
        if view is not None:
            values[name] = view
    return Site(
        project=project,
        title=project.config.name,
        findings=findings,
        rules=rule_views(rules, findings),
        by_obj=by_obj,
        values=values,
        sql={name: sql_tabs(project, r, documented) for name, r in sorted(sql.items())},
        data=data,
        analysis=analysis,
        funnels=funnels or {},
        retention=retention or {},
    )
