"""A query's `where` condition (`nsmcode query --where`, `project.query(where=...)`, a saved
query's `where:`): a filter on declared dimensions, added to every row set the plan reads.

It goes through the same allow-list as qualifiers (`checks.check_condition`), so it is
injection-safe, but it may only read *dimensions*: the columns a source lists under `dimensions:`
(its own or those of a source it joins). A metric's rows are filtered before they are aggregated,
exactly as a qualifier would, so `--where "plan = 'team'"` on a distinct count counts the distinct
values among team rows, not a share of the total.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from nsmcode.compile import plan as p
from nsmcode.compile.checks import Checked, check_condition
from nsmcode.diagnostics import Span
from nsmcode.project import Project

RowsMap = Callable[[p.Rows], p.Rows]

WHERE_SPAN = Span("--where")
"""Where a condition typed on the command line is reported (it has no file)."""


def apply(
    project: Project, plan: p.Plan, text: str, span: Span | None, dialect: str
) -> p.Plan:
    """The plan with `text` added to the conditions of every row set it reads."""
    conditions: dict[str, p.Condition] = {}

    def condition(source: str) -> p.Condition:
        if source not in conditions:
            checked = check(project, text, source, span, dialect)
            conditions[source] = p.Condition(f"where:{text}", checked, span)
        return conditions[source]

    def rows(value: p.Rows) -> p.Rows:
        return replace(value, conditions=(*value.conditions, condition(value.source)))

    outputs = tuple((name, _value(value, rows)) for name, value in plan.outputs)
    features = dict.fromkeys(plan.features)
    for cond in conditions.values():
        for feature in sorted(cond.checked.features):
            features.setdefault(p.Feature(feature, span))
    return replace(plan, outputs=outputs, features=tuple(features))


def check(project: Project, text: str, source: str, span: Span | None, dialect: str) -> Checked:
    """Check a where condition against the dimensions `source` reaches; CompileError if not."""
    reachable = project.reachable_sources(source)

    def lookup(qualifier: str | None, column: str) -> tuple[str, str] | str:
        candidates = reachable
        if qualifier is not None:
            candidates = [s for s in reachable if s.lower() == qualifier.lower()]
            if not candidates:
                return (
                    f"source {qualifier!r} is not {source!r} or a source it joins "
                    f"({', '.join(reachable)})"
                )
        for name in candidates:
            for declared in project.sources[name].dimensions:
                if declared.lower() == column.lower():
                    return name, declared
        known = sorted({d for s in reachable for d in project.sources[s].dimensions})
        return (
            f"{column!r} is not a dimension of source {source!r} or the sources it joins "
            f"(dimensions: {', '.join(known) or 'none'})"
        )

    return check_condition(text, dialect=dialect, lookup=lookup, span=span, what="where")


def _value(value: p.Value, rows: RowsMap) -> p.Value:
    if isinstance(value, p.Ref):
        return replace(value, leaf=_leaf(value.leaf, rows))
    if isinstance(value, p.Arith):
        return replace(value, left=_value(value.left, rows), right=_value(value.right, rows))
    if isinstance(value, p.Divide):
        return replace(value, left=_value(value.left, rows), right=_value(value.right, rows))
    if isinstance(value, p.Negate):
        return replace(value, value=_value(value.value, rows))
    if isinstance(value, p.Call):
        return replace(value, args=tuple(_value(a, rows) for a in value.args))
    return value


def _leaf(leaf: p.Leaf, rows: RowsMap) -> p.Leaf:
    if isinstance(leaf, p.Measure):
        return replace(leaf, rows=rows(leaf.rows))
    if isinstance(leaf, p.Window):
        return replace(leaf, measure=replace(leaf.measure, rows=rows(leaf.measure.rows)))
    if isinstance(leaf, p.Converted | p.Elapsed):
        return replace(leaf, base=rows(leaf.base), conversion=rows(leaf.conversion))
    return replace(leaf, cohort=rows(leaf.cohort), activity=rows(leaf.activity))

