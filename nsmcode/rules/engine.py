"""The rule engine: what a rule is, what it sees, and running a set of rules over a project.

A rule is a small class with a stable code, a dotted name that describes the problem, a default
severity and a docstring that is its documentation (rendered to docs/rules/ and by
`nsmcode rules CODE`). Its `check()` reads the resolved `Project` and yields located findings.
Configuration (severity overrides, per-definition suppressions, thresholds) is applied by
`nsmcode.rules.config`, never by the rules themselves.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import ClassVar

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, Severity, Span
from nsmcode.project import Project


@dataclass(frozen=True)
class Threshold:
    """A number a rule uses, configurable under `rules.thresholds` in nsmcode.yaml."""

    key: str
    default: int
    description: str


class Rule:
    """Base class of every rule; subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    thresholds: ClassVar[tuple[Threshold, ...]] = ()

    @classmethod
    def doc(cls) -> str:
        """The rule's documentation: its docstring, dedented."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """The docstring's first line: one sentence saying what the rule wants."""
        return cls.doc().splitlines()[0] if cls.doc() else cls.name

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def finding(self, message: str, span: Span, obj: str, hint: str | None = None) -> Diagnostic:
        return Diagnostic(self.code, message, span, hint, self.severity, obj, self.name)


@dataclass
class Context:
    """What a rule sees: the project and the thresholds in force."""

    project: Project
    rules: tuple[type[Rule], ...] = ()
    """Every rule that runs, to check configuration against."""
    thresholds: Mapping[str, int] = field(default_factory=dict)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.rules)

    def threshold(self, key: str) -> int:
        return self.thresholds[key]

    @property
    def north_star(self) -> models.Metric | None:
        """The north star when there is exactly one; rules about the tree need it."""
        return self.project.north_star

    @cached_property
    def laddering(self) -> frozenset[str]:
        """Metrics that ladder up to the north star: the north star, what drives or guards a
        metric that does, and what such a metric is built from (one walk, not one per metric)."""
        p = self.project
        star = self.north_star
        if star is None:
            return frozenset()
        children: dict[str, list[str]] = {}
        for name in p.metrics:
            parent = p.parent(name)
            if parent is not None:
                children.setdefault(parent, []).append(name)
        seen = {star.name}
        todo = [star.name]
        while todo:
            current = todo.pop()
            for below in [*children.get(current, ()), *p.dependencies(current)]:
                if below in p.metrics and below not in seen:
                    seen.add(below)
                    todo.append(below)
        return frozenset(seen)

    def metric_span(self, name: str, *path: str | int) -> Span:
        return self.project.span("metric", name, *path)

    def conditions(self, metric: models.Metric) -> list[str]:
        """The SQL conditions a metric filters with: its qualifiers' and its own filter."""
        out = [
            condition
            for q in metric.qualifiers
            if q in self.project.qualifiers
            and (condition := self.project.qualifiers[q].condition) is not None
        ]
        if metric.filter:
            out.append(metric.filter)
        return out


def obj(kind: str, name: str) -> str:
    """The stable identity of a definition in findings, suppressions and baselines."""
    return f"{kind}:{name}"


def tokens(name: str) -> list[str]:
    """`weekly_page_views` -> ['weekly', 'page', 'views']: names are matched word by word."""
    return [t for t in name.lower().replace("-", "_").split("_") if t]


@lru_cache(maxsize=4096)
def columns_in(condition: str) -> frozenset[tuple[str | None, str]]:
    """(table, column) pairs a SQL condition references; empty when it does not parse.
    Cached: the same qualifier condition is read for every metric that applies it."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(condition)
    except (sqlglot.errors.SqlglotError, RecursionError):  # TokenError too; deep nesting
        return frozenset()
    return frozenset((c.table.lower() or None, c.name.lower()) for c in tree.find_all(exp.Column))
