"""The North Star rule pack: the discipline of the framework, checked by a machine.

`DEFAULT_RULES` is the explicit, ordered registry; `check_project` runs it over a resolved
`Project` and applies the project's configuration (thresholds, overrides, suppressions).
"""

from __future__ import annotations

from collections.abc import Sequence

from nsmcode.diagnostics import Diagnostic
from nsmcode.project import Project
from nsmcode.rules.config import (
    CONFIG_RULES,
    Outcome,
    apply_configuration,
    known_thresholds,
    resolve_thresholds,
)
from nsmcode.rules.engine import Context, Rule, Threshold
from nsmcode.rules.funnels import FunnelCountsTestTraffic, FunnelImplausibleOrder
from nsmcode.rules.gaming import NorthStarUnqualified, UsageCountsTestTraffic, VanityMetric
from nsmcode.rules.hygiene import OrphanMetric, UnusedQualifier, UnusedSource
from nsmcode.rules.inputs import InputCountOutOfRange, InputNotDrivingNorthStar, InputUncategorised
from nsmcode.rules.kpis import KpiCountOutOfRange, KpiIncomplete, KpiUnknownMetric
from nsmcode.rules.north_star import (
    NorthStarIsActivity,
    NorthStarIsRevenue,
    NorthStarUndocumented,
    NorthStarWithoutGrainOrEntity,
    NorthStarWithoutGuardrail,
    NotExactlyOneNorthStar,
)
from nsmcode.rules.okrs import (
    KeyResultCountOutOfRange,
    KeyResultDueOutsidePeriod,
    KeyResultIncomplete,
    KeyResultIsTask,
    KeyResultNotLaddering,
    KeyResultTargetContradictsDirection,
    KeyResultUnknownMetric,
)

DEFAULT_RULES: tuple[type[Rule], ...] = (
    NotExactlyOneNorthStar,
    NorthStarIsRevenue,
    NorthStarIsActivity,
    NorthStarUnqualified,
    UsageCountsTestTraffic,
    VanityMetric,
    NorthStarWithoutGrainOrEntity,
    NorthStarUndocumented,
    NorthStarWithoutGuardrail,
    InputCountOutOfRange,
    InputUncategorised,
    InputNotDrivingNorthStar,
    KeyResultUnknownMetric,
    KeyResultIncomplete,
    KeyResultDueOutsidePeriod,
    KeyResultTargetContradictsDirection,
    KeyResultNotLaddering,
    KeyResultCountOutOfRange,
    KeyResultIsTask,
    KpiCountOutOfRange,
    KpiIncomplete,
    KpiUnknownMetric,
    UnusedQualifier,
    UnusedSource,
    OrphanMetric,
    FunnelImplausibleOrder,
    FunnelCountsTestTraffic,
    *CONFIG_RULES,
)


def rule_for(code_or_name: str, rules: Sequence[type[Rule]] = DEFAULT_RULES) -> type[Rule] | None:
    """The rule with this code (`NSM002`, any case) or dotted name (`north-star.is-revenue`)."""
    wanted = code_or_name.strip()
    for rule in rules:
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    return None


def check_project(project: Project, rules: Sequence[type[Rule]] = DEFAULT_RULES) -> Outcome:
    """Run the rules over a project; return its findings after configuration, sorted."""
    chosen = tuple(rules)
    thresholds = resolve_thresholds(project, known_thresholds(chosen))
    ctx = Context(project, chosen, thresholds)
    findings = [finding for rule in chosen for finding in rule().check(ctx)]
    outcome = apply_configuration(project, findings, ctx.codes)
    if project.warnings:  # what loading skipped: said wherever findings are
        outcome.findings = sorted([*project.warnings, *outcome.findings], key=Diagnostic.sort_key)
    return outcome


__all__ = [
    "DEFAULT_RULES",
    "Context",
    "Outcome",
    "Rule",
    "Threshold",
    "check_project",
    "rule_for",
]
