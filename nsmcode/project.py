"""The resolved project: definitions indexed by name, references checked, the metric tree navigable.

Everything downstream (rules, compiler, docs) works on a `Project`, never on raw YAML.
References that would make SQL impossible (unknown sources, columns, metrics, qualifiers, cycles)
are input errors here; references the North Star discipline is about (key results and KPIs pointing
at metrics) are left to the rule pack so they can be baselined like any other finding.
"""

from __future__ import annotations

import difflib
import functools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.loader import Parser, load_documents
from nsmcode.yamlsource import Document, parse

log = logging.getLogger(__name__)  # --verbose shows these records

KINDS = ("source", "qualifier", "metric", "funnel", "team", "okr", "saved_query")
_SECTION = {
    "saved_query": "saved_queries",
    "source": "sources",
    "qualifier": "qualifiers",
    "metric": "metrics",
    "funnel": "funnels",
    "team": "teams",
    "okr": "okrs",
}


@dataclass(frozen=True)
class Location:
    doc: Document
    path: tuple[str | int, ...]


@dataclass
class Project:
    root: Path
    config: models.ProjectFile
    config_doc: Document
    sources: dict[str, models.Source] = field(default_factory=dict)
    qualifiers: dict[str, models.Qualifier] = field(default_factory=dict)
    metrics: dict[str, models.Metric] = field(default_factory=dict)
    funnels: dict[str, models.Funnel] = field(default_factory=dict)
    teams: dict[str, models.Team] = field(default_factory=dict)
    okrs: dict[str, models.Okr] = field(default_factory=dict)
    saved_queries: dict[str, models.SavedQuery] = field(default_factory=dict)
    locations: dict[tuple[str, str], Location] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    """What loading skipped and why (a FIFO, a folder named `x.yaml`): reported with the rules'
    findings."""

    # -- where things are ---------------------------------------------------------------------

    def span(self, kind: str, name: str, *path: str | int, key: bool = False) -> Span:
        """file:line:col of a definition or of a value inside it (nearest located ancestor)."""
        where = self.locations.get((kind, name))
        if where is None:
            return Span(self.config_doc.file)
        return where.doc.span((*where.path, *path), key=key)

    def file_of(self, kind: str, name: str) -> str:
        where = self.locations.get((kind, name))
        return where.doc.file if where else self.config_doc.file

    def config_span(self, *path: str | int, key: bool = False) -> Span:
        return self.config_doc.span(path, key=key)

    @property
    def files(self) -> list[str]:
        return sorted({loc.doc.file for loc in self.locations.values()})

    # -- the metric tree ------------------------------------------------------------------------

    @cached_property
    def north_stars(self) -> list[models.Metric]:
        return [m for m in self.metrics.values() if m.role is models.Role.NORTH_STAR]

    @property
    def north_star(self) -> models.Metric | None:
        """The north star when there is exactly one (the rule pack reports otherwise)."""
        return self.north_stars[0] if len(self.north_stars) == 1 else None

    def drives(self, metric: models.Metric) -> str | None:
        """The metric an input drives: its `drives`, else the north star."""
        if metric.role is not models.Role.INPUT:
            return None
        if metric.drives:
            return metric.drives
        return self.north_star.name if self.north_star else None

    def guards(self, metric: models.Metric) -> str | None:
        if metric.role is not models.Role.GUARDRAIL:
            return None
        if metric.guards:
            return metric.guards
        return self.north_star.name if self.north_star else None

    def inputs_of(self, name: str) -> list[models.Metric]:
        return [m for m in self.metrics.values() if self.drives(m) == name]

    def guardrails_of(self, name: str) -> list[models.Metric]:
        return [m for m in self.metrics.values() if self.guards(m) == name]

    def parent(self, name: str) -> str | None:
        """The next metric up the tree: what an input drives or a guardrail guards."""
        metric = self.metrics.get(name)
        if metric is None:
            return None
        return self.drives(metric) or self.guards(metric)

    def ladders_to_north_star(self, name: str) -> bool:
        """True when `name` is the north star, or reaches it through drives/guards or use in one."""
        star = self.north_star
        if star is None:
            return False
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current == star.name:
                return True
            if current in seen or current not in self.metrics:
                continue
            seen.add(current)
            parent = self.parent(current)
            if parent:
                todo.append(parent)
            todo.extend(self.dependents(current))
        return False

    def dependencies(self, name: str) -> tuple[str, ...]:
        """Metrics a metric's calculation is built from (direct)."""
        return self._dependencies.get(name, ())

    def dependents(self, name: str) -> list[str]:
        return sorted(m for m, deps in self._dependencies.items() if name in deps)

    def filtered_by(self, name: str) -> tuple[str, ...]:
        """Metrics whose per-entity values filter a metric's rows (direct): its own
        `metric_filter`'s, then its qualifiers'. Its numbers change when theirs do."""
        metric = self.metrics.get(name)
        if metric is None:
            return ()
        specs = [metric.metric_filter]
        specs += [q.metric_filter for n in metric.qualifiers if (q := self.qualifiers.get(n))]
        return tuple(dict.fromkeys(s.metric for s in specs if s and s.metric in self.metrics))

    def upstream(self, name: str, *, filters: bool = False) -> list[str]:
        """Every metric `name` is built from, transitively, in a stable order; with `filters`,
        also the metrics filtering it or them (`filtered_by`)."""
        out: list[str] = []
        todo = list(self._reads(name, filters))
        while todo:
            current = todo.pop(0)
            if current not in out:
                out.append(current)
                todo.extend(self._reads(current, filters))
        return out

    def _reads(self, name: str, filters: bool) -> tuple[str, ...]:
        if not filters:
            return self.dependencies(name)
        return tuple(dict.fromkeys([*self.dependencies(name), *self.filtered_by(name)]))

    def base_sources(self, name: str) -> list[str]:
        """The sources a metric ultimately reads."""
        names = [name, *self.upstream(name)]
        return sorted({s for n in names if (s := self._source_name(n))})

    def _source_name(self, name: str) -> str | None:
        metric = self.metrics.get(name)
        return metric.source if metric else None

    def key_results_for(self, name: str) -> list[tuple[models.Okr, models.KeyResult]]:
        return [(o, kr) for o in self.okrs.values() for kr in o.key_results if kr.metric == name]

    def kpis_for(self, name: str) -> list[tuple[models.Team, models.Kpi]]:
        return [(t, k) for t in self.teams.values() for k in t.kpis if k.metric == name]

    @cached_property
    def _dependencies(self) -> dict[str, tuple[str, ...]]:
        return {name: metric_references(m.calculation) for name, m in self.metrics.items()}

    # -- sources and columns ----------------------------------------------------------------------

    def columns(self, source: str) -> dict[str, models.Column]:
        src = self.sources.get(source)
        return {c.name: c for c in src.columns} if src else {}

    def reachable_sources(self, source: str) -> list[str]:
        """The source and every source reachable through many-to-one joins."""
        out: list[str] = []
        todo = [source]
        while todo:
            current = todo.pop(0)
            if current in out or current not in self.sources:
                continue
            out.append(current)
            todo.extend(j.source for j in self.sources[current].joins)
        return out

    def dimension_source(self, source: str, dimension: str) -> str | None:
        """Which reachable source provides a dimension (the nearest one wins)."""
        for name in self.reachable_sources(source):
            if dimension in self.sources[name].dimensions:
                return name
        return None

    def entity_column(self, source: str, entity: str) -> str | None:
        src = self.sources.get(source)
        if src is None:
            return None
        return next((e.column for e in src.entities if e.name == entity), None)

    def all_definitions(self) -> Iterator[tuple[str, str, Any]]:
        for kind in KINDS:
            for name, obj in getattr(self, _SECTION[kind]).items():
                yield kind, name, obj


# ------------------------------------------------------------------------------------------------
# Building and checking


def metric_references(calc: models.Calculation) -> tuple[str, ...]:
    """Names of the metrics a calculation refers to, in the order they appear."""
    if isinstance(calc, models.Ratio):
        return (calc.numerator, calc.denominator)
    if isinstance(calc, (models.Cumulative, models.PeriodOverPeriod)):
        return (calc.metric,)
    if isinstance(calc, models.Conversion | models.TimeToConvert):
        return (calc.base, calc.conversion)
    if isinstance(calc, models.Retention):
        return (calc.cohort, calc.activity)
    if isinstance(calc, models.Derived):
        inputs = {i.name: i.metric for i in calc.inputs}
        names = [inputs.get(n, n) for n in derived_references(calc.expression)]
        return tuple(dict.fromkeys([*names, *inputs.values()]))
    return ()


@functools.lru_cache(maxsize=65536)
def derived_references(expression: str) -> tuple[str, ...]:
    """Metric names used in a derived expression (parsed with sqlglot, imported only here;
    memoized: loading calls it several times per metric)."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(expression)
    except (sqlglot.errors.SqlglotError, RecursionError):  # TokenError too; deep nesting
        return ()
    names: list[str] = []
    for column in tree.find_all(exp.Column):
        if column.name not in names:
            names.append(column.name)
    return tuple(names)


def _suggest(name: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    if choices:
        shown = ", ".join(sorted(choices)[:12])
        return f"known: {shown}" + (" ..." if len(choices) > 12 else "")
    return None


class _Checker:
    def __init__(self, project: Project) -> None:
        self.p = project
        self.problems: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.problems.append(Diagnostic(code, message, span, hint))

    def ref(self, kind: str, name: str, target_kind: str, target: str, *path: str | int) -> bool:
        table = getattr(self.p, _SECTION[target_kind])
        if target in table:
            return True
        self.error(
            "E007",
            f"{kind} {name!r} refers to unknown {target_kind} {target!r}",
            self.p.span(kind, name, *path),
            _suggest(target, list(table)),
        )
        return False

    def column(self, kind: str, name: str, source: str, column: str, *path: str | int) -> None:
        known = self.p.columns(source)
        if column not in known:
            self.error(
                "E007",
                f"column {column!r} is not declared in source {source!r}",
                self.p.span(kind, name, *path),
                _suggest(column, list(known)) or f"declare it under sources.{source}.columns",
            )

    def derived_inputs(self, name: str, calc: models.Derived) -> None:
        """A derived metric's offset inputs: each names a metric and is used by the expression
        under a name that is not a metric's (see offsets.py)."""
        used = derived_references(calc.expression)
        inputs = {i.name for i in calc.inputs}
        for ref in used:
            if ref not in inputs:
                self.ref("metric", name, "metric", ref, "calculation", "expression")
        for i, item in enumerate(calc.inputs):
            self.ref("metric", name, "metric", item.metric, "calculation", "inputs", i, "metric")
            if item.name in self.p.metrics:
                self.error(
                    "E004",
                    f"derived metric {name!r}: input name {item.name!r} is also a metric's name",
                    self.p.span("metric", name, "calculation", "inputs", i, "name"),
                    f"name the offset value differently, e.g. {item.name}_prior",
                )
            elif item.name not in used:
                self.error(
                    "E004",
                    f"derived metric {name!r}: input {item.name!r} is not used in the expression",
                    self.p.span("metric", name, "calculation", "inputs", i, "name"),
                    "use it in `expression` or remove it",
                )

    def run(self) -> None:
        for name in self.p.sources:
            self.source(name)
        for name in self.p.metrics:
            self.metric(name)
        for name, funnel in self.p.funnels.items():
            self.funnel(name, funnel)
        for name, saved in self.p.saved_queries.items():
            for i, metric in enumerate(saved.metrics):
                self.ref("saved_query", name, "metric", metric, "metrics", i)
        if not self.problems:
            self.cycles()

    def funnel(self, name: str, funnel: models.Funnel) -> None:
        """Each stage (and the anchor) names a metric whose source declares the stage's entity."""
        uses: list[tuple[str, str, tuple[str | int, ...]]] = []
        if funnel.anchor is not None:
            uses.append((funnel.anchor, funnel.entity, ("anchor",)))
        for i, (step, stage) in enumerate(zip(funnel.steps, funnel.stages, strict=True)):
            path: tuple[str | int, ...] = (
                ("steps", i) if isinstance(step, str) else ("steps", i, "metric")
            )
            uses.append((stage.metric, stage.entity or funnel.entity, path))
        for metric, entity, path in uses:
            kind = "anchor" if path[0] == "anchor" else "step"
            if not self.ref("funnel", name, "metric", metric, *path):
                continue
            source = self.p.metrics[metric].source
            if source in self.p.sources and not self.p.entity_column(source, entity):
                self.error(
                    "E007",
                    f"funnel {name!r}: source {source!r} (of {kind} {metric!r}) declares no "
                    f"entity {entity!r}",
                    self.p.span("funnel", name, *path),
                    f"add `entities: [{{name: {entity}, column: ...}}]` to the source",
                )

    def source(self, name: str) -> None:
        src = self.p.sources[name]
        if src.time_column:
            self.column("source", name, name, src.time_column, "time_column")
        for i, entity in enumerate(src.entities):
            self.column("source", name, name, entity.column, "entities", i, "column")
        for i, dim in enumerate(src.dimensions):
            self.column("source", name, name, dim, "dimensions", i)
        seen: set[str] = set()
        for i, col in enumerate(src.columns):
            if col.name in seen:
                self.error(
                    "E006",
                    f"column {col.name!r} is declared twice in source {name!r}",
                    self.p.span("source", name, "columns", i),
                    "keep one declaration per column",
                )
            seen.add(col.name)
        for i, join in enumerate(src.joins):
            self.column("source", name, name, join.column, "joins", i, "column")
            if not self.ref("source", name, "source", join.source, "joins", i, "source"):
                continue
            if join.key is not None:
                self.column("source", name, join.source, join.key, "joins", i, "key")
            elif join.column not in self.p.columns(join.source):
                self.error(
                    "E007",
                    f"join to {join.source!r}: source {join.source!r} has no column "
                    f"{join.column!r} (the key defaults to `column`)",
                    self.p.span("source", name, "joins", i),
                    f"add `key:` naming the key column of {join.source!r}",
                )

    def metric(self, name: str) -> None:
        m = self.p.metrics[name]
        calc = m.calculation
        is_aggregation = calc.type in models.AGGREGATIONS
        if is_aggregation and m.source is None:
            self.error(
                "E005",
                f"metric {name!r} aggregates rows ({calc.type}) but names no `source`",
                self.p.span("metric", name),
                "add `source:` with the source whose rows it aggregates",
            )
        if not is_aggregation and m.source is not None:
            self.error(
                "E004",
                f"metric {name!r} is a {calc.type} of other metrics and cannot have a `source`",
                self.p.span("metric", name, "source"),
                "remove `source:`; the metrics it builds on name their sources",
            )
        source_ok = m.source is not None and self.ref("metric", name, "source", m.source, "source")
        for i, q in enumerate(m.qualifiers):
            self.ref("metric", name, "qualifier", q, "qualifiers", i)
        if source_ok and m.source is not None:
            for path, column in _calc_columns(calc):
                self.column("metric", name, m.source, column, "calculation", *path)
        if isinstance(calc, models.Derived) and not derived_references(calc.expression):
            self.error(
                "E004",
                f"derived metric {name!r}: expression {calc.expression!r} is not valid "
                "arithmetic over metric names",
                self.p.span("metric", name, "calculation", "expression"),
                "write e.g. `paid_accounts / active_accounts`",
            )
        if isinstance(calc, models.Derived) and calc.inputs:
            self.derived_inputs(name, calc)
        else:
            for i, ref in enumerate(metric_references(calc)):
                field_name = _calc_ref_field(calc, i)
                self.ref("metric", name, "metric", ref, "calculation", field_name)
        for attr in ("drives", "guards"):
            target = getattr(m, attr)
            if target is not None:
                self.ref("metric", name, "metric", target, attr)
        if isinstance(calc, (models.Conversion, models.Retention, models.TimeToConvert)):
            checked: set[str] = set()
            refs = metric_references(calc)
            if not isinstance(calc, models.Retention) and calc.conversion_entity:
                refs = refs[:1]  # the converting entity is reached through joins (compiler)
            for ref in refs:
                base = self.p.metrics.get(ref)
                if (
                    base
                    and base.source in self.p.sources
                    and base.source not in checked
                    and self.p.entity_column(base.source, calc.entity) is None
                ):
                    checked.add(base.source)
                    self.error(
                        "E007",
                        f"metric {name!r}: source {base.source!r} (of {ref!r}) declares no "
                        f"entity {calc.entity!r}",
                        self.p.span("metric", name, "calculation", "entity"),
                        f"add `entities: [{{name: {calc.entity}, column: ...}}]` to the source",
                    )
        if source_ok and m.source is not None:
            for i, seg in enumerate(m.segments):
                if self.p.dimension_source(m.source, seg) is None:
                    dims = [
                        d
                        for s in self.p.reachable_sources(m.source)
                        for d in self.p.sources[s].dimensions
                    ]
                    self.error(
                        "E007",
                        f"segment {seg!r} is not a dimension of source {m.source!r} or its joins",
                        self.p.span("metric", name, "segments", i),
                        _suggest(seg, dims),
                    )
            if m.entity and self.p.entity_column(m.source, m.entity) is None:
                self.error(
                    "E007",
                    f"source {m.source!r} declares no entity {m.entity!r}",
                    self.p.span("metric", name, "entity"),
                    _suggest(m.entity, [e.name for e in self.p.sources[m.source].entities]),
                )
            if m.grain and not self.p.sources[m.source].time_column:
                self.error(
                    "E005",
                    f"metric {name!r} has a grain but source {m.source!r} has no `time_column`",
                    self.p.span("metric", name, "grain"),
                    "declare the source's event time column",
                )

    def cycles(self) -> None:
        state: dict[str, int] = {}
        reported: set[frozenset[str]] = set()

        def visit(name: str, stack: list[str]) -> None:
            state[name] = 1
            stack.append(name)
            for dep in self.p.dependencies(name):
                if state.get(dep) == 1:
                    cycle = stack[stack.index(dep) :]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        self.error(
                            "E008",
                            "metrics depend on each other in a cycle: "
                            + " -> ".join([*cycle, dep]),
                            self.p.span("metric", cycle[0], "calculation"),
                            "break the cycle: a metric cannot be built from itself",
                        )
                elif state.get(dep) is None and dep in self.p.metrics:
                    visit(dep, stack)
            stack.pop()
            state[name] = 2

        for name in sorted(self.p.metrics):
            if name not in state:
                visit(name, [])


def _calc_columns(calc: models.Calculation) -> list[tuple[tuple[str | int, ...], str]]:
    if isinstance(calc, models.CountDistinct):
        return [(("columns", i), c) for i, c in enumerate(calc.columns)]
    column = getattr(calc, "column", None)
    return [(("column",), column)] if isinstance(column, str) else []


def _calc_ref_field(calc: models.Calculation, index: int) -> str:
    fields = {
        "ratio": ("numerator", "denominator"),
        "conversion": ("base", "conversion"),
        "time_to_convert": ("base", "conversion"),
        "retention": ("cohort", "activity"),
    }.get(calc.type)
    if fields:
        return fields[index]
    return "expression" if calc.type == "derived" else "metric"


def build_project(
    root: Path,
    config: models.ProjectFile,
    config_doc: Document,
    definitions: list[tuple[models.DefinitionFile, Document]],
) -> Project:
    project = Project(root=root, config=config, config_doc=config_doc)
    problems: list[Diagnostic] = []
    for parsed, doc in definitions:
        for kind in KINDS:
            section = _SECTION[kind]
            table = getattr(project, section)
            for i, obj in enumerate(getattr(parsed, section)):
                name = obj.name
                if name in table:
                    first = project.span(kind, name)
                    problems.append(
                        Diagnostic(
                            "E006",
                            f"{kind} {name!r} is defined twice (first at {first})",
                            doc.span((section, i, "name")),
                            "rename one of them or delete the copy",
                        )
                    )
                    continue
                table[name] = obj
                project.locations[(kind, name)] = Location(doc, (section, i))
    checker = _Checker(project)
    checker.run()
    problems += checker.problems
    for key in ("outcome", "retention_cohort", "retention_activity"):
        named = getattr(config.analysis, key)
        if named and named not in project.metrics:
            problems.append(
                Diagnostic(
                    "E007",
                    f"analysis.{key} refers to unknown metric {named!r}",
                    config_doc.span(("analysis", key)),
                    _suggest(named, list(project.metrics)),
                )
            )
    problems += _calendar_problems(project)
    if config.connection and config.connection not in config.connections:
        problems.append(
            Diagnostic(
                "E007",
                f"connection {config.connection!r} is not defined under `connections`",
                config_doc.span(("connection",)),
                _suggest(config.connection, list(config.connections)),
            )
        )
    if problems:
        raise InputError(problems)
    return project


def _calendar_problems(project: Project) -> list[Diagnostic]:
    """E007: the calendar table of custom granularities is a declared source, and declares the
    day column and each granularity's column."""
    calendar = project.config.calendar
    if calendar.source is None:
        return []
    source = project.sources.get(calendar.source)
    if source is None:
        return [
            Diagnostic(
                "E007",
                f"calendar.source refers to unknown source {calendar.source!r}",
                project.config_span("calendar", "source"),
                _suggest(calendar.source, list(project.sources)),
            )
        ]
    declared = [c.name for c in source.columns]
    wanted: list[tuple[str | None, tuple[str | int, ...]]] = [
        (calendar.date_column, ("date_column",))
    ]
    for i, granularity in enumerate(calendar.granularities):
        wanted.append((granularity.column, ("granularities", i, "column")))
    return [
        Diagnostic(
            "E007",
            f"the calendar table {calendar.source!r} declares no column {column!r}",
            project.config_span("calendar", *path),
            _suggest(column, declared),
        )
        for column, path in wanted
        if column is not None and column not in declared
    ]


def load_project(root: Path | str = ".", *, parser: Parser | None = None) -> Project:
    """Load, validate and resolve a project folder; raise InputError listing every problem."""
    root = Path(root)
    started = time.monotonic()
    warnings: list[Diagnostic] = []
    config, config_doc, definitions = load_documents(root, parser or parse, warnings)
    project = build_project(root.resolve(), config, config_doc, definitions)
    project.warnings = warnings
    files = project.files
    log.debug(
        "read %s and %d definition file%s in %.2f s%s",
        config_doc.file,
        len(files),
        "" if len(files) == 1 else "s",
        time.monotonic() - started,
        "".join(f"\n  {file}" for file in files),
    )
    return project
