"""What `analyze` compares, resolved from the project's `analysis:` section with located errors.

Codes: A001 no single north star, A002 no outcome declared, A003 unknown metric given on the
command line, A004 the outcome is the north star, A005 a retention setting that cannot work
(entity not declared, a metric that aggregates no rows), A006 a bad `--max-lag`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.project import Project

SCORED = ("count", "count_distinct", "sum")
"""Calculations whose per-entity value is a contribution to the total (what step 2 scores)."""
MAX_LAG_LIMIT = 52


@dataclass(frozen=True)
class Retention:
    """Step 2's setting: or why it cannot run (`skipped`)."""

    entity: str | None
    cohort: str | None
    activity: str | None
    skipped: str | None = None
    score: str | None = None
    """The metric whose rows score each entity: the north star, or the numerator of a ratio
    north star (a ratio has no rows of its own)."""


@dataclass(frozen=True)
class Setup:
    north_star: str
    outcome: str
    grain: models.Grain
    inputs: tuple[str, ...]
    retention: Retention
    max_lag: int


def resolve(project: Project, outcome: str | None = None, max_lag: int = 6) -> Setup:
    """The analysis to run; raise InputError (exit 2) when it cannot be set up at all."""
    config = project.config.analysis
    star = project.north_star
    if star is None:
        found = ", ".join(m.name for m in project.north_stars) or "none"
        raise _error(
            "A001",
            f"analyze needs exactly one north star metric (found: {found})",
            project.config_span(),
            "give one metric `role: north_star`; `nsmcode validate` lists the problem",
        )
    if not 1 <= max_lag <= MAX_LAG_LIMIT:
        raise _error(
            "A006",
            f"--max-lag must be between 1 and {MAX_LAG_LIMIT} periods, not {max_lag}",
            None,
            "the planted lead of most products is a few weeks: try --max-lag 6",
        )
    chosen = outcome or config.outcome
    if chosen is None:
        raise _error(
            "A002",
            "no outcome to compare the north star with",
            project.config_span("analysis"),
            "declare the lagging outcome in nsmcode.yaml: `analysis: {outcome: weekly_revenue}`"
            " (a revenue or retention metric), or pass --outcome METRIC",
        )
    if chosen not in project.metrics:
        close = difflib.get_close_matches(chosen, list(project.metrics), n=3)
        raise _error(
            "A003",
            f"unknown outcome metric {chosen!r}",
            None,
            f"did you mean {', '.join(close)}?" if close else "names are case-sensitive",
        )
    if chosen == star.name:
        raise _error(
            "A004",
            f"the outcome {chosen!r} is the north star itself",
            project.config_span("analysis", "outcome") if outcome is None else None,
            "choose the lagging result the north star should lead: revenue or retention",
        )
    inputs = tuple(
        m.name for m in project.inputs_of(star.name) if m.name not in (chosen, star.name)
    )
    return Setup(
        north_star=star.name,
        outcome=chosen,
        grain=star.grain or models.Grain.WEEK,
        inputs=inputs,
        retention=_retention(project, star),
        max_lag=max_lag,
    )


def _retention(project: Project, star: models.Metric) -> Retention:
    """Step 2's metrics; skipped when no entity is declared, an error when the declared setting
    cannot work (the user asked for it)."""
    config = project.config.analysis
    entity = config.retention_entity
    if entity is None:
        return Retention(
            None,
            None,
            None,
            "no entity to follow: nsmcode.yaml declares no `analysis.retention_entity`",
        )
    problems: list[Diagnostic] = []
    where = project.config_span("analysis", "retention_entity")
    scorer = _scorer(project, star)
    if scorer is None or scorer.source is None:
        problems.append(
            Diagnostic(
                "A005",
                f"analysis.retention_entity: the north star {star.name!r} is a "
                f"{star.calculation.type}; scoring each {entity} needs a count, count_distinct "
                "or sum of a source's rows (or a ratio whose numerator is one)",
                where,
                "remove `retention_entity` to skip this step",
            )
        )
    elif project.entity_column(scorer.source, entity) is None:
        whose = "the north star" if scorer is star else f"{scorer.name!r} (the numerator)"
        problems.append(
            Diagnostic(
                "A005",
                f"analysis.retention_entity: source {scorer.source!r} of {whose} declares no "
                f"entity {entity!r}",
                where,
                f"add `entities: [{{name: {entity}, column: ...}}]` to source {scorer.source!r}",
            )
        )
    score = scorer.name if scorer is not None else star.name
    chosen = {}
    for key in ("retention_cohort", "retention_activity"):
        name = getattr(config, key) or score
        chosen[key] = name
        metric = project.metrics[name]
        if name == score:
            continue  # checked above
        span = project.config_span("analysis", key)
        if metric.calculation.type not in models.AGGREGATIONS or metric.source is None:
            problems.append(
                Diagnostic(
                    "A005",
                    f"analysis.{key}: metric {name!r} is a {metric.calculation.type}; it must "
                    "aggregate the rows of a source (count, count_distinct, sum, ...)",
                    span,
                    "name the metric whose rows are the events, e.g. signups or invoices",
                )
            )
        elif project.entity_column(metric.source, entity) is None:
            problems.append(
                Diagnostic(
                    "A005",
                    f"analysis.{key}: source {metric.source!r} of metric {name!r} declares no "
                    f"entity {entity!r}",
                    span,
                    f"add `entities: [{{name: {entity}, column: ...}}]` to source "
                    f"{metric.source!r}, or choose another metric",
                )
            )
    if problems:
        raise InputError(problems)
    return Retention(entity, chosen["retention_cohort"], chosen["retention_activity"], None, score)


def _scorer(project: Project, star: models.Metric) -> models.Metric | None:
    """The metric whose rows score each entity: the north star when it sums or counts rows;
    for a ratio north star (features per active account), its numerator when that does."""
    if star.calculation.type in SCORED:
        return star
    if isinstance(star.calculation, models.Ratio):
        numerator = project.metrics.get(star.calculation.numerator)
        if numerator is not None and numerator.calculation.type in SCORED:
            return numerator
    return None


def _error(code: str, message: str, span: Span | None, hint: str) -> InputError:
    return InputError([Diagnostic(code, message, span, hint)])
