"""Shared look-ups for rules: what a metric aggregates, which words its name is made of."""

from __future__ import annotations

from nsmcode import models
from nsmcode.project import Project
from nsmcode.rules.engine import tokens

REVENUE_WORDS = frozenset(
    {
        "revenue",
        "revenues",
        "mrr",
        "arr",
        "gmv",
        "amount",
        "amounts",
        "price",
        "prices",
        "pricing",
        "sales",
        "income",
        "arpu",
        "arpa",
        "billing",
        "billed",
        "invoice",
        "invoices",
        "invoiced",
    }
)


def aggregated_columns(calc: models.Calculation) -> list[tuple[tuple[str | int, ...], str]]:
    """(path inside `calculation`, column) for every column an aggregation reads."""
    if isinstance(calc, models.CountDistinct):
        return [(("columns", i), c) for i, c in enumerate(calc.columns)]
    column = getattr(calc, "column", None)  # sum, average, min, max, percentile, balance
    if isinstance(column, str):
        return [(("column",), column)]
    return []


def revenue_word(name: str) -> str | None:
    """The revenue-like word in a name (`monthly_mrr` -> 'mrr'), if any."""
    return next((t for t in tokens(name) if t in REVENUE_WORDS), None)


def has_phrase(words: list[str], *phrase: str) -> bool:
    """True when `phrase` appears as consecutive words (`page`, `views`)."""
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


def is_all_time(metric: models.Metric) -> bool:
    calc = metric.calculation
    return (
        isinstance(calc, models.Cumulative) and calc.window is None and calc.period_to_date is None
    )


def identity_columns(project: Project, source: str) -> set[str]:
    """Columns that only identify something: entity keys and `identifier` columns."""
    src = project.sources.get(source)
    if src is None:
        return set()
    keys = {e.column for e in src.entities}
    keys |= {c.name for c in src.columns if c.semantic is models.Semantic.IDENTIFIER}
    return keys


def chain(project: Project, metric: models.Metric) -> list[models.Metric]:
    """The metric and what it transforms one-to-one (cumulative, period-over-period) down to an
    aggregation: `integration_points_wow` -> [itself, `weekly_active_integration_points`]."""
    out = [metric]
    current = metric
    while isinstance(current.calculation, (models.Cumulative, models.PeriodOverPeriod)):
        nxt = project.metrics.get(current.calculation.metric)
        if nxt is None or any(m.name == nxt.name for m in out):
            break
        out.append(nxt)
        current = nxt
    return out
