"""Every refusal of the compiler and the query planner, found in one pass that `validate`, `compile`
and `query` share, so that `validate` speaks for the compiler.

    diagnose(project, targets) -> every C0xx diagnostic of every metric, for every target
    Diagnosis.problems(names, target) -> what compiling these metrics for `target` refuses

Cheap by design: each metric is planned once, dialect-free (the planner caches checked
conditions and values, so a qualifier shared by a thousand metrics is checked once); then per
target only what differs between targets is checked: the plan's features against the target's
capabilities, and each condition rendered alone (never the whole query) in the target's dialect.
Every problem is collected, not only the first: each qualifier and filter is checked on its own
before the metric is planned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.errors import ErrorLevel, UnsupportedError

from nsmcode.compile import entity_filters
from nsmcode.compile.checks import Checked, offset_of
from nsmcode.compile.errors import CompileError
from nsmcode.compile.located import inside
from nsmcode.compile.plan import Condition, Plan, leaves, rows_of
from nsmcode.compile.types import aggregation_problem, condition_problems
from nsmcode.diagnostics import Diagnostic, Span

if TYPE_CHECKING:
    from nsmcode.compile import _Compiler
    from nsmcode.compile.targets import Target
    from nsmcode.project import Project


def diagnose(project: Project, targets: Sequence[str] | None = None) -> list[Diagnostic]:
    """Every diagnostic compiling the project's metrics for `targets` (default: every dialect
    compile writes or query runs in, `checked_dialects`) would raise, each once, sorted."""
    from nsmcode.compile import _Compiler
    from nsmcode.compile.targets import TARGETS

    diagnosis = _Compiler.of(project).diagnosis
    chosen = [TARGETS[t] for t in (targets or project.config.checked_dialects) if t in TARGETS]
    found: dict[Diagnostic, None] = dict.fromkeys(file_name_problems(project))
    used: dict[tuple[str, frozenset[str]], Condition] = {}
    for name in project.metrics:
        problems = diagnosis.metric(name)
        found.update(dict.fromkeys(problems))
        if not problems:
            used.update(diagnosis.used(name))
    # per target, each condition once: what a target refuses never depends on the metric
    for target in chosen:
        for condition in used.values():
            found.update(dict.fromkeys(diagnosis.on_target(condition, target)))
    return sorted(found, key=Diagnostic.sort_key)


def file_name_problems(project: Project) -> list[Diagnostic]:
    """C101: metric names that differ only in case would share a compiled file on macOS and
    Windows."""
    seen: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for name in sorted(project.metrics):
        other = seen.setdefault(name.lower(), name)
        if other != name:
            problems.append(
                Diagnostic(
                    "C101",
                    f"metrics {other!r} and {name!r} differ only in letter case: their SQL files "
                    "would overwrite each other on case-insensitive file systems",
                    project.span("metric", name, "name"),
                    "rename one of them",
                )
            )
    return problems


class Diagnosis:
    """Per-project memo of the problems of each metric (dialect-free) and of each metric on
    each target. Lives on the project's compiler, beside the planner whose caches it reuses."""

    def __init__(self, compiler: _Compiler) -> None:
        self.compiler = compiler
        self.project = compiler.project
        self._metrics: dict[str, tuple[Diagnostic, ...]] = {}
        self._used: dict[str, dict[tuple[str, frozenset[str]], Condition]] = {}
        self._conditions: dict[str, tuple[Diagnostic, ...]] = {}
        self._rendered: dict[tuple[str, frozenset[str], str], tuple[Diagnostic, ...]] = {}

    def problems(self, names: Iterable[str], target: Target) -> list[Diagnostic]:
        """What compiling `names` for `target` refuses (empty: it compiles)."""
        found: dict[Diagnostic, None] = {}
        for name in names:
            if name not in self.project.metrics:
                continue  # the planner reports an unknown name (C001)
            problems = self.metric(name) or self.target(name, target)
            found.update(dict.fromkeys(problems))
        return list(found)

    # -- dialect-free -----------------------------------------------------------------------------

    def metric(self, name: str) -> tuple[Diagnostic, ...]:
        if name not in self._metrics:
            self._metrics[name] = tuple(dict.fromkeys(self._metric(name)))
        return self._metrics[name]

    def _metric(self, name: str) -> list[Diagnostic]:
        planner = self.compiler.planner
        metric = self.project.metrics[name]
        found: list[Diagnostic] = []
        if metric.source is not None and metric.source in self.project.sources:
            source = metric.source
            for qualifier in metric.qualifiers:
                if qualifier in self.project.qualifiers:
                    found += self._condition("qualifier", qualifier, source)
            if metric.filter:
                found += self._condition("filter", name, source)
            column = self.project.span("metric", name, "calculation", "column")
            wrong = aggregation_problem(metric, self._column_type, column)
            if wrong is not None:
                found.append(wrong)
            found += self._relations(source)
        for built_on in self.project.dependencies(name):  # a ratio of a broken metric is broken
            if built_on in self.project.metrics:
                found += self.metric(built_on)
        for read in entity_filters.referenced(self.project, metric):  # so is a metric filter's
            found += self.metric(read)
        try:
            plan = planner.plan([name], None, (), None, None, named=False)
            if metric.segments:
                planner.plan([name], None, tuple(metric.segments), None, None, named=False)
        except CompileError as error:
            return found + error.diagnostics
        self._used[name] = _conditions(plan)
        return found

    def _condition(self, kind: str, name: str, source: str) -> tuple[Diagnostic, ...]:
        """The problems of one condition (parse, allow-list, columns, types), once each."""
        key = f"{kind}:{name}:{source}"
        if key not in self._conditions:
            planner = self.compiler.planner
            try:
                if kind == "qualifier":
                    condition = planner._qualifier(name, source)
                else:
                    condition = planner._filter(self.project.metrics[name], source)
            except CompileError as error:
                self._conditions[key] = tuple(error.diagnostics)
            else:
                self._conditions[key] = tuple(
                    condition_problems(
                        condition.checked,
                        self._column_type,
                        what=_what(condition),
                        span=condition.span,
                        dialect=self.project.config.dialect,
                    )
                )
        return self._conditions[key]

    def _column_type(self, source: str, column: str) -> str | None:
        declared = self.project.columns(source).get(column)
        return declared.type.value if declared is not None else None

    def _relations(self, source: str) -> tuple[Diagnostic, ...]:
        """A source's table or select and those of the sources it joins (C010, C012)."""
        key = f"source:{source}"
        if key not in self._conditions:
            found: list[Diagnostic] = []
            for name in self.project.reachable_sources(source):
                try:
                    self.compiler.sources.relation(name)
                except CompileError as error:
                    found += error.diagnostics
            self._conditions[key] = tuple(found)
        return self._conditions[key]

    # -- per target -----------------------------------------------------------------------------

    def used(self, name: str) -> dict[tuple[str, frozenset[str]], Condition]:
        """The conditions metric `name` applies (after `metric(name)` found nothing)."""
        return self._used.get(name, {})

    def target(self, name: str, target: Target) -> tuple[Diagnostic, ...]:
        """What `target` cannot express of metric `name` (C040); call after `metric(name)` found
        nothing."""
        found: dict[Diagnostic, None] = {}
        for condition in self.used(name).values():
            found.update(dict.fromkeys(self.on_target(condition, target)))
        return tuple(found)

    def on_target(self, condition: Condition, target: Target) -> tuple[Diagnostic, ...]:
        key = (condition.key, condition.checked.sources, target.name)
        if key not in self._rendered:
            dialect = self.project.config.dialect
            self._rendered[key] = tuple(_capabilities(condition, target, dialect))
        return self._rendered[key]


def _conditions(plan: Plan) -> dict[tuple[str, frozenset[str]], Condition]:
    found: dict[tuple[str, frozenset[str]], Condition] = {}
    for _, value in plan.outputs:
        for ref in leaves(value):
            for rows in rows_of(ref.leaf):
                for condition in rows.conditions:
                    found.setdefault((condition.key, condition.checked.sources), condition)
                    if condition.by_metric is not None:  # the metric filter's own rows too
                        for used in condition.by_metric.measure.rows.conditions:
                            found.setdefault((used.key, used.checked.sources), used)
    return found


def _what(condition: Condition) -> str:
    kind, _, name = condition.key.partition(":")
    return f"qualifier {name!r}" if kind == "qualifier" else f"filter of metric {name!r}"


def _capabilities(condition: Condition, target: Target, dialect: str) -> list[Diagnostic]:
    """C040: features of the condition the target lacks, and anything its dialect cannot
    render with the same meaning."""
    found: list[Diagnostic] = []
    what = _what(condition)
    checked = condition.checked
    for feature in sorted(checked.features):
        why = target.unsupported.get(feature)
        if why:
            found.append(
                Diagnostic(
                    "C040",
                    f"{what} cannot be compiled for {target.name}: {why}",
                    _feature_span(condition, dialect),
                    f"use ILIKE (case-insensitive on every target), or drop {target.name} from "
                    "`targets:`",
                )
            )
    generator = target.generator_class()(
        dialect=target._dialect, unsupported_level=ErrorLevel.RAISE
    )
    try:
        generator.generate(checked.expression.copy(), copy=False)
    except UnsupportedError as error:
        found.append(
            Diagnostic(
                "C040",
                f"{what} cannot be compiled for {target.name}: {error}",
                condition.span,
                f"rewrite the condition so that it means the same everywhere, or drop "
                f"{target.name} from `targets:`",
            )
        )
    return found


def _feature_span(condition: Condition, dialect: str) -> Span | None:
    """Where the construct needing a feature is (today: LIKE), else the condition's start."""
    checked: Checked = condition.checked
    node = checked.parsed.find(exp.Like) if checked.parsed is not None else None
    if node is None:
        return condition.span
    return inside(condition.span, checked.text, offset_of(node, checked.text, dialect))


__all__ = ["Diagnosis", "diagnose", "file_name_problems"]
