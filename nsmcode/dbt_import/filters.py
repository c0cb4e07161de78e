"""MetricFlow Jinja filters -> plain SQL conditions over a source and its joins.

`{{ Dimension('customer__country') }} = 'US'` names a dimension through the entity path that
reaches it from the measure's semantic model; here it becomes the column reference nsmcode
resolves (`customers.country`). Supported: `Dimension(name[, entity_path=[...]])` with
`.grain(g)` / `.date_part(p)`, `TimeDimension(name[, grain[, date_part_name=...]])`,
`Entity(name[, entity_path=[...]])`, and `metric_time`. `Metric(...)` terms are taken out first
(see `metric_filters`); any other Jinja has no plain-SQL equivalent and is reported.

The Jinja inside `{{ }}` is read with Python's `ast` (never evaluated): it is a call chain of
string literals, which is all MetricFlow allows there.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

from nsmcode.dbt_import.semantic import Builder, SemanticModel

JINJA = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_GRAINS = ("day", "week", "month", "quarter", "year", "hour", "minute", "second")
_DATE_PARTS = ("year", "quarter", "month", "week", "day", "dow", "doy", "hour", "minute")


class FilterError(Exception):
    """A filter that cannot be written as plain SQL; the message says why."""


@dataclass(frozen=True)
class Reference:
    model: SemanticModel
    column: str


@dataclass(frozen=True)
class Context:
    """Where a filter applies: the base model, read along one time dimension."""

    builder: Builder
    model: SemanticModel
    time_dimension: str | None
    qualify: Callable[[Reference, Context], str]


def translate(text: str, ctx: Context, dialect: str) -> str:
    """Replace every `{{ ... }}` in `text` with SQL; check the result parses.

    Plain references are substituted in the text, which keeps the user's SQL as written. A
    truncated time (`TimeDimension('metric_time', 'month') = '2024-03-01'`) becomes a range over
    the raw column (see `timeranges`): nsmcode conditions use no date functions, so they mean the
    same on every warehouse.
    """
    if "{%" in text or "{#" in text:
        raise FilterError("Jinja statements ({% %}) and comments have no plain-SQL equivalent")
    slots: list[Slot] = []

    def replace(match: re.Match[str]) -> str:
        slot = _call(match.group(1).strip(), ctx)
        slots.append(slot)
        return slot.placeholder(len(slots) - 1) if slot.truncated else slot.sql

    sql = JINJA.sub(replace, text).strip()
    if "{{" in sql or "}}" in sql:
        raise FilterError("unbalanced Jinja braces")
    _type_hints(text, slots, ctx, dialect)
    if any(slot.truncated for slot in slots):
        from nsmcode.dbt_import.timeranges import rewrite

        try:
            return rewrite(sql, slots, dialect)
        except ValueError as exc:
            raise FilterError(str(exc)) from exc
    _check_sql(sql, dialect)
    return sql


@dataclass(frozen=True)
class Slot:
    """One translated `{{ ... }}`: a column reference, maybe truncated to a grain or a date part."""

    sql: str
    grain: str | None = None
    date_part: str | None = None
    ref: Reference | None = None

    @property
    def truncated(self) -> bool:
        return self.grain is not None or self.date_part is not None

    @staticmethod
    def placeholder(index: int) -> str:
        return f"nsm_slot_{index}"


def _type_hints(text: str, slots: list[Slot], ctx: Context, dialect: str) -> None:
    """A dimension compared with a number or a boolean holds numbers or booleans: dbt's YAML
    has no column types, and the filter was written for the warehouse's real one."""
    import sqlglot
    from sqlglot import exp

    counter = iter(range(len(slots)))
    marked = JINJA.sub(lambda _: Slot.placeholder(next(counter)), text)
    try:
        tree = sqlglot.parse_one(marked, read=dialect)
    except sqlglot.errors.ParseError:
        return
    for column in tree.find_all(exp.Column):
        # used as a condition itself (`{{ Dimension('booking__is_instant') }}`, `NOT ...`,
        # `... AND ...`): a boolean
        parent = column.parent
        while isinstance(parent, exp.Paren):
            parent = parent.parent
        if column.name.startswith("nsm_slot_") and (
            parent is None or isinstance(parent, (exp.And, exp.Or, exp.Not))
        ):
            slot = slots[int(column.name.removeprefix("nsm_slot_"))]
            if slot.ref is not None and not slot.truncated:
                ctx.builder.hint(slot.ref.model, slot.ref.column, "boolean")
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In):
        sides = [node.this, *([node.expression] if not isinstance(node, exp.In) else [])]
        values = node.expressions if isinstance(node, exp.In) else sides
        for side in sides:
            if not (isinstance(side, exp.Column) and side.name.startswith("nsm_slot_")):
                continue
            slot = slots[int(side.name.removeprefix("nsm_slot_"))]
            if slot.ref is None or slot.truncated:
                continue
            others = [v for v in values if v is not side]
            if others and all(isinstance(v, exp.Boolean) for v in others):
                ctx.builder.hint(slot.ref.model, slot.ref.column, "boolean")
            elif others and all(isinstance(v, exp.Literal) and not v.is_string for v in others):
                ctx.builder.hint(slot.ref.model, slot.ref.column, "number")


def _check_sql(sql: str, dialect: str) -> None:
    import sqlglot

    try:
        sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid SQL"
        raise FilterError(f"the translated condition is not valid SQL: {first}") from exc


def _literal(node: ast.expr, what: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise FilterError(f"{what} must be a quoted string")


def _string_list(node: ast.expr, what: str) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item, what) for item in node.elts]
    raise FilterError(f"{what} must be a list of quoted strings")


@dataclass(frozen=True)
class Call:
    """One `{{ Dimension(...) }}` / `TimeDimension` / `Entity`, read (not resolved)."""

    kind: str
    parts: tuple[str, ...]
    """The entity path then the name: `order__customer__region` -> (order, customer, region)."""
    grain: str | None
    date_part: str | None


def parse_call(source: str) -> Call:
    """Read the call inside `{{ }}` with `ast`, never evaluating it."""
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        raise FilterError(f"cannot read `{{{{ {source} }}}}`") from exc
    modifiers: list[tuple[str, list[ast.expr]]] = []
    while isinstance(tree, ast.Call) and isinstance(tree.func, ast.Attribute) and not tree.keywords:
        modifiers.insert(0, (tree.func.attr, tree.args))
        tree = tree.func.value
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)):
        raise FilterError(f"`{{{{ {source} }}}}` is not a Dimension, TimeDimension or Entity")
    kind = tree.func.id
    if kind == "Metric":
        raise FilterError("metric filters (`Metric(...)`) have no plain-SQL equivalent")
    if kind not in ("Dimension", "TimeDimension", "Entity") or not tree.args:
        raise FilterError(f"`{kind}(...)` is not a filter nsmcode can translate")
    name = _literal(tree.args[0], f"the name in {kind}(...)")
    grain: str | None = None
    date_part: str | None = None
    entity_path: list[str] = []
    if kind == "TimeDimension" and len(tree.args) > 1:
        grain = _literal(tree.args[1], "the grain in TimeDimension(...)")
    for keyword in tree.keywords:
        if keyword.arg == "entity_path":
            entity_path = _string_list(keyword.value, "entity_path")
        elif keyword.arg in ("time_granularity_name", "grain"):
            grain = _literal(keyword.value, keyword.arg)
        elif keyword.arg == "date_part_name":
            date_part = _literal(keyword.value, keyword.arg)
        else:
            raise FilterError(f"`{keyword.arg}=` in {kind}(...) is not supported")
    for method, args in modifiers:
        if method == "grain" and len(args) == 1:
            grain = _literal(args[0], ".grain(...)")
        elif method == "date_part" and len(args) == 1:
            date_part = _literal(args[0], ".date_part(...)")
        else:
            raise FilterError(f"`.{method}(...)` has no meaning in a filter")
    if grain is not None:
        grain = grain.lower()
        if grain not in _GRAINS and not grain.isidentifier():
            raise FilterError(f"unknown grain {grain!r}")  # else a custom granularity
    if date_part is not None:
        date_part = date_part.lower()
        if date_part not in _DATE_PARTS:
            raise FilterError(f"unknown date part {date_part!r}")
    return Call(kind, (*entity_path, *name.split("__")), grain, date_part)


def _call(source: str, ctx: Context) -> Slot:
    call = parse_call(source)
    parts = list(call.parts)
    ref = _entity(parts, ctx) if call.kind == "Entity" else _dimension(parts, ctx)
    return Slot(ctx.qualify(ref, ctx), call.grain, call.date_part, ref)


def _walk(entities: list[str], ctx: Context, has: Callable[[SemanticModel], bool]) -> SemanticModel:
    """Follow an entity path from the context's model; the model where it ends.

    A model's own key (a primary or unique entity) stays on that model (`order__status` on
    orders); a foreign entity joins to the model where the entity is the key.
    """
    current = ctx.model
    for i, entity in enumerate(entities):
        last = i == len(entities) - 1
        own = current.entities.get(entity)
        if own is None and entity == current.primary_entity:
            if not last or has(current):
                continue  # a model-level `primary_entity:` names the model's own rows
            raise FilterError(
                f"entity {entity!r} is the primary entity of {current.name!r}, which has no "
                "such field"
            )
        if own is None:
            raise FilterError(f"semantic model {current.name!r} has no entity {entity!r}")
        if own.kind != "foreign":
            if not last or has(current):
                continue
            raise FilterError(
                f"entity {entity!r} is the key of {current.name!r}, which has no such field"
            )
        # several models may carry the entity as their key: the one holding the field (for the
        # last hop) or the next entity of the path
        wanted = has if last else (lambda m, e=entities[i + 1]: m.has_entity(e))
        target = ctx.builder.join_target(current, entity, wanted)
        if target is None:
            raise FilterError(
                f"no other semantic model has entity {entity!r} as its primary key, so "
                f"{current.name!r} cannot join through it"
            )
        ctx.builder.use_join(current, entity, target)
        current = target
    return current


def _dimension(parts: list[str], ctx: Context) -> Reference:
    name = parts[-1]
    if name == "metric_time" and len(parts) == 1:
        column = ctx.model.time_column(ctx.time_dimension)
        if column is None:
            raise FilterError(f"semantic model {ctx.model.name!r} has no time dimension")
        return Reference(ctx.model, column)
    if len(parts) == 1:
        local = ctx.model.dimensions.get(name)
        if local is None:
            raise FilterError(f"dimension {name!r} needs its entity prefix (`<entity>__{name}`)")
        return Reference(ctx.model, local.column)
    model = _walk(parts[:-1], ctx, lambda m: name in m.dimensions)
    dim = model.dimensions.get(name)
    if dim is None:
        raise FilterError(f"semantic model {model.name!r} has no dimension {name!r}")
    return Reference(model, dim.column)


def _entity(parts: list[str], ctx: Context) -> Reference:
    name = parts[-1]
    model = ctx.model
    if len(parts) > 1:
        model = _walk(parts[:-1], ctx, lambda m: name in m.entities)
    entity = model.entities.get(name)
    if entity is None:
        raise FilterError(f"semantic model {model.name!r} has no entity {name!r}")
    return Reference(model, entity.column)
