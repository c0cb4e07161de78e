"""dbt semantic models -> nsmcode sources.

A semantic model becomes a source: its entities become entities (and foreign entities become
many-to-one joins to the model where the entity is primary or unique), its dimensions and the
columns its measures read become declared columns, and `agg_time_dimension` becomes the source's
`time_column`. A measure aggregated over another time dimension gets its own source over the
same table with that time column (`<model>__<time dimension>`).

Names in nsmcode are column names, so when a dbt element is an expression or renames a column
(`name: country, expr: country_code`), the source reads a projection (`select:`) that gives each
element its dbt name; otherwise it reads the table directly.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nsmcode.dbt_import.measures import balance, percentile
from nsmcode.dbt_import.reader import Located, not_carried, short_name, too_long
from nsmcode.diagnostics import Diagnostic, Span

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?(?:,[^)]*)?\)""")
_QUALIFIED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")

JOIN_TARGET_KINDS = ("primary", "unique", "natural")
AGGREGATIONS = (
    "sum",
    "count",
    "count_distinct",
    "average",
    "min",
    "max",
    "sum_boolean",
    "percentile",
    "median",
)
# dbt's `CAST(x AS type)` / `x::type` in an `expr` -> the nsmcode column type it gives.
CAST_TYPES = {
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "DATETIME": "timestamp",
    "TIMESTAMPTZ": "timestamp",
    "TIMESTAMPLTZ": "timestamp",
    "TIMESTAMPNTZ": "timestamp",
    "BOOL": "boolean",
    "TINYINT": "integer",
    "INTEGER": "integer",
    "INT64": "integer",
    "NUMERIC": "number",
    "NUMBER": "number",
    "REAL": "number",
    "FLOAT64": "number",
    "STRING": "string",
    "SMALLINT": "integer",
    "INT": "integer",
    "BIGINT": "integer",
    "UBIGINT": "integer",
    "UINT": "integer",
    "DECIMAL": "number",
    "DOUBLE": "number",
    "FLOAT": "number",
    "VARCHAR": "string",
    "TEXT": "string",
    "CHAR": "string",
}
# Keys that only label or configure a dbt object: nothing to carry over.
IGNORED_KEYS = {
    "label",
    "config",
    "meta",
    "description",
    "is_partition",
    "create_metric_display_name",
}


def sql_text(value: Any) -> str | None:
    """A dbt `expr` as SQL text (dbt allows numbers and booleans too)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).strip()


@dataclass
class Column:
    name: str
    expr: str
    type: str
    semantic: str | None = None


@dataclass
class Entity:
    name: str
    kind: str
    column: str


@dataclass
class Dimension:
    name: str
    column: str
    time: bool
    granularity: str | None = None


# aggregations an nsmcode cumulative metric recomputes over its window
ROLLING = ("count", "sum", "count_distinct", "average", "min", "max")


@dataclass
class Measure:
    """A measure as nsmcode sees it: an aggregation over one column of one source."""

    name: str
    loc: Located
    model: SemanticModel
    calculation: dict[str, Any]
    time_dimension: str | None
    filter: str | None = None

    @property
    def additive(self) -> bool:
        """nsmcode's cumulative metrics recompute these aggregations over the window's rows, as
        MetricFlow's spine join does (a rolling count_distinct counts each entity once)."""
        return self.calculation["type"] in ROLLING


@dataclass
class SemanticModel:
    name: str
    loc: Located
    table: str
    columns: dict[str, Column] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    dimensions: dict[str, Dimension] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    default_time: str | None = None
    description: str | None = None
    time_variants: set[str] = field(default_factory=set)
    primary_entity: str | None = None
    """A model-level `primary_entity:` (an entity without a key column of its own)."""

    def has_entity(self, name: str) -> bool:
        return name in self.entities or name == self.primary_entity

    def source_name(self, time_dimension: str | None = None) -> str:
        """The nsmcode source for this model read along `time_dimension`."""
        if time_dimension is None or time_dimension == self.default_time:
            return self.name
        self.time_variants.add(time_dimension)
        return short_name(f"{self.name}__{time_dimension}")

    def time_column(self, time_dimension: str | None) -> str | None:
        dim = self.dimensions.get(time_dimension or "") if time_dimension else None
        return dim.column if dim else None

    @property
    def needs_projection(self) -> bool:
        return any(c.expr != c.name for c in self.columns.values())

    def add_column(
        self, name: str, expr: str, type_: str, span: Span, semantic: str | None = None
    ) -> Diagnostic | None:
        existing = self.columns.get(name)
        if existing is None:
            self.columns[name] = Column(name, expr, type_, semantic)
            return None
        if _normal(existing.expr) != _normal(expr):
            return not_carried(
                "D108",
                f"semantic model {self.name!r}: column {name!r} would mean both "
                f"{existing.expr!r} and {expr!r}",
                span,
                "give the dbt dimension, entity or measure a distinct name",
            )
        return None


def _normal(sql: str) -> str:
    return re.sub(r"\s+", " ", sql.strip()).lower()


def relation_of(relation: Any) -> str | None:
    """A compiled manifest's `node_relation` -> `schema.alias` (the table dbt built)."""
    if not isinstance(relation, dict) or not isinstance(relation.get("alias"), str):
        return None
    schema = relation.get("schema_name")
    alias = str(relation["alias"])
    if isinstance(schema, str) and schema and _QUALIFIED.match(f"{schema}.{alias}"):
        return f"{schema}.{alias}"
    return alias if _QUALIFIED.match(alias) else None


def cast_type(expr: str) -> str | None:
    """The nsmcode type an `expr` of the form `CAST(x AS type)` / `x::type` gives, if any."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(expr)
    except sqlglot.errors.ParseError:
        return None
    if not isinstance(tree, exp.Cast):
        return None
    kind = tree.to.this.name if isinstance(tree.to.this, enum.Enum) else str(tree.to.this)
    return CAST_TYPES.get(kind.upper())


def table_of(model_ref: Any) -> str | None:
    """`ref('orders')` / `{{ ref('orders') }}` -> orders; a plain (qualified) name as is."""
    if not isinstance(model_ref, str):
        return None
    match = _REF.search(model_ref)
    if match:
        return match.group(2) or match.group(1)
    text = model_ref.strip()
    return text if _QUALIFIED.match(text) else None


class Builder:
    """Collects semantic models and reports what cannot be carried over."""

    def __init__(self, schema: str | None = None) -> None:
        self.models: dict[str, SemanticModel] = {}
        self.measures: dict[str, Measure] = {}
        self.problems: list[Diagnostic] = []
        self.dropped: dict[str, Span] = {}
        """Measures not carried over -> where they are defined."""
        self.schema = schema
        self.extra_joins: dict[str, dict[str, str]] = {}
        """model -> joined model -> entity: joins filters need beyond each entity's first."""
        self.column_types: dict[str, dict[str, str]] = {}
        """dbt model name -> column (lower case) -> declared `data_type:` (dbt's spelling)."""

    def add(self, loc: Located) -> None:
        name = loc.name
        table = table_of(loc.get("model")) or relation_of(loc.get("node_relation"))
        if table is None:
            self.problems.append(
                not_carried(
                    "D108",
                    f"semantic model {name!r}: cannot tell which table `model` "
                    f"{loc.get('model')!r} reads",
                    loc.span("model") if "model" in loc.value else loc.span(),
                    "write `model: ref('<dbt model name>')`",
                )
            )
            return
        if self.schema and "." not in table:
            table = f"{self.schema}.{table}"
        model = SemanticModel(name, loc, table, description=loc.get("description"))
        primary = loc.get("primary_entity")
        model.primary_entity = primary if isinstance(primary, str) else None
        self._check_keys(
            loc,
            {
                "name",
                "model",
                "node_relation",
                "defaults",
                "entities",
                "dimensions",
                "measures",
                "primary_entity",
            },
            f"semantic model {name!r}",
        )
        for item in loc.children("entities"):
            self._entity(model, item)
        for item in loc.children("dimensions"):
            self._dimension(model, item)
        defaults = loc.child("defaults")
        default_time = defaults.get("agg_time_dimension") if defaults else None
        time_dims = [d.name for d in model.dimensions.values() if d.time]
        if isinstance(default_time, str):
            if default_time not in time_dims:
                self.problems.append(
                    not_carried(
                        "D108",
                        f"semantic model {name!r}: agg_time_dimension {default_time!r} is not "
                        "a time dimension of the model",
                        defaults.span("agg_time_dimension") if defaults else loc.span(),
                        f"time dimensions: {', '.join(time_dims) or 'none'}",
                    )
                )
            else:
                model.default_time = default_time
        elif len(time_dims) == 1:
            model.default_time = time_dims[0]
        for item in loc.children("measures"):
            self._measure(model, item)
        numeric = {_normal(c.expr): c.type for c in model.columns.values() if c.type == "number"}
        for column in model.columns.values():
            if _normal(column.expr) in numeric:
                self.hint(model, column.name, "number")  # a measure sums the same column
        if model.default_time is None:
            # no declared default: the first measure's own time dimension reads the table itself
            firsts = [m.time_dimension for m in model.measures.values() if m.time_dimension]
            model.default_time = firsts[0] if firsts else None
        self.models[name] = model

    def _check_keys(self, loc: Located, known: set[str], what: str) -> None:
        for key in loc.value:
            if key not in known and key not in IGNORED_KEYS:
                self.problems.append(
                    not_carried(
                        "D110",
                        f"{what}: `{key}` is not carried over",
                        loc.span(key, key=True),
                        "nsmcode has no equivalent; the rest of the definition was imported",
                    )
                )

    def _entity(self, model: SemanticModel, loc: Located) -> None:
        name = loc.name
        if too_long(loc, self.problems):
            return
        kind = str(loc.get("type", "")).lower()
        expr = sql_text(loc.get("expr")) or name
        column = expr if IDENTIFIER.match(expr) else name
        self._check_keys(loc, {"name", "type", "expr", "role", "entity"}, f"entity {name!r}")
        problem = model.add_column(column, expr, "string", loc.span(), "identifier")
        if problem:
            self.problems.append(problem)
            return
        model.entities[name] = Entity(name, kind, column)

    def _dimension(self, model: SemanticModel, loc: Located) -> None:
        name = loc.name
        if too_long(loc, self.problems):
            return
        kind = str(loc.get("type", "categorical")).lower()
        expr = sql_text(loc.get("expr")) or name
        self._check_keys(loc, {"name", "type", "expr", "type_params"}, f"dimension {name!r}")
        params = loc.child("type_params")
        granularity = None
        if params is not None:
            granularity = params.get("time_granularity")
            if params.get("validity_params") is not None:
                self.problems.append(
                    not_carried(
                        "D111",
                        f"dimension {name!r}: validity_params (slowly changing dimension) are "
                        "not carried over; joins use the current row",
                        params.span("validity_params", key=True),
                    )
                )
        is_time = kind == "time"
        type_ = "timestamp" if is_time else self._declared_type(model, expr)
        problem = model.add_column(name, expr, type_, loc.span(), None)
        if problem:
            self.problems.append(problem)
            return
        model.dimensions[name] = Dimension(
            name, name, is_time, str(granularity).lower() if granularity else None
        )

    def _declared_type(self, model: SemanticModel, expr: str) -> str:
        """A categorical dimension's type: its `expr`'s CAST, else the dbt model's declared
        `data_type` for the column, else string (refined later from the measures' columns and
        the filters' comparisons, see `hint`)."""
        cast = cast_type(expr)
        if cast is not None:
            return cast
        declared = self.column_types.get(model.table.rpartition(".")[2], {}).get(expr.lower())
        if declared is None:
            return "string"
        base = re.split(r"[\s(<]", declared.strip(), maxsplit=1)[0].upper()
        return CAST_TYPES.get(base, "string")

    def hint(self, model: SemanticModel, column: str, type_: str) -> None:
        """Evidence that a column typed `string` (nothing declared) holds `type_` values: a
        measure sums it, or a dbt filter compares it with a number or a boolean."""
        found = model.columns.get(column)
        if found is not None and found.type == "string" and found.semantic is None:
            found.type = type_

    def _measure(self, model: SemanticModel, loc: Located) -> None:
        name = loc.name
        if too_long(loc, self.problems):
            self.dropped[name] = loc.span()
            return
        agg = str(loc.get("agg", "")).lower()
        self._check_keys(
            loc,
            {
                "name",
                "agg",
                "expr",
                "agg_time_dimension",
                "create_metric",
                "agg_params",
                "non_additive_dimension",
            },
            f"measure {name!r}",
        )
        if agg not in AGGREGATIONS:
            self._drop(
                loc,
                not_carried(
                    "D101",
                    f"measure {name!r}: aggregation {agg or '(none)'!r} is not carried over; "
                    "the measure and the metrics built on it are left out",
                    loc.span("agg"),
                    "nsmcode aggregates with count, count_distinct, sum, average, min and max",
                ),
            )
            return
        time_dim = loc.get("agg_time_dimension") or model.default_time
        if time_dim is not None and time_dim not in model.dimensions:
            self._drop(
                loc,
                not_carried(
                    "D108",
                    f"measure {name!r}: agg_time_dimension {time_dim!r} is not a dimension of "
                    f"semantic model {model.name!r}",
                    loc.span("agg_time_dimension"),
                ),
            )
            return
        raw = loc.get("expr")
        expr = sql_text(raw)
        span = loc.span("expr") if raw is not None else loc.span()
        calculation: dict[str, Any]
        filter_sql: str | None = None
        problem: Diagnostic | None = None
        if agg in ("sum", "count") and expr in ("1", "*"):
            calculation = {"type": "count"}
        elif agg == "sum_boolean":
            # the number of rows where the condition holds: a boolean column (projected when
            # the dbt expr is an expression), counted where true
            condition = expr or name
            column = condition if IDENTIFIER.match(condition) else name
            problem = model.add_column(column, condition, "boolean", span)
            calculation = {"type": "count"}
            filter_sql = column
        else:
            column, problem = self._measure_column(model, name, expr, agg, span)
            if agg == "count":
                calculation = {"type": "count"}
                filter_sql = f"{column} IS NOT NULL"
            elif agg == "count_distinct":
                calculation = {"type": "count_distinct", "columns": [column]}
            elif agg in ("percentile", "median"):
                calculation, problem = percentile(loc, column, problem)
            else:
                calculation = {"type": agg, "column": column}
        if problem is None and loc.get("non_additive_dimension") is not None:
            calculation, problem = balance(loc, model, time_dim, calculation)
        if problem:
            self._drop(loc, problem)
            return
        measure = Measure(name, loc, model, calculation, time_dim, filter_sql)
        model.measures[name] = measure
        self.measures[name] = measure

    def _drop(self, loc: Located, problem: Diagnostic) -> None:
        """Report a measure that is not carried over and remember where it is."""
        self.problems.append(problem)
        self.dropped[loc.name] = loc.span()

    def _measure_column(
        self, model: SemanticModel, name: str, expr: str | None, agg: str, span: Span
    ) -> tuple[str, Diagnostic | None]:
        numeric = ("sum", "average", "min", "max", "percentile", "median")
        type_ = "number" if agg in numeric else "string"
        if expr is None or expr == name:
            return name, model.add_column(name, name, type_, span)
        if IDENTIFIER.match(expr):
            existing = model.columns.get(expr)
            if existing is not None and existing.expr == expr:
                return expr, None
            return expr, model.add_column(expr, expr, type_, span)
        return name, model.add_column(name, expr, type_, span)

    # -- joins and output -------------------------------------------------------------------

    def join_target(
        self,
        model: SemanticModel,
        entity: str,
        has: Callable[[SemanticModel], bool] | None = None,
    ) -> SemanticModel | None:
        """The model a foreign entity of `model` joins to (primary or unique there).

        Several models may carry the entity as their key (users and companies both keyed by
        user): the first by name is the source's join, unless `has` asks for what only another
        one holds (a dimension), as MetricFlow searches every model keyed by the entity.
        """
        candidates = [
            self.models[name]
            for name in sorted(self.models)
            if self.models[name] is not model
            and (found := self.models[name].entities.get(entity)) is not None
            and found.kind in JOIN_TARGET_KINDS
        ]
        if has is not None:
            for candidate in candidates:
                if has(candidate):
                    return candidate
        return candidates[0] if candidates else None

    def use_join(self, model: SemanticModel, entity: str, target: SemanticModel) -> None:
        """A filter reaches `target` from `model` through `entity`: the source joins it."""
        self.extra_joins.setdefault(model.name, {})[target.name] = entity

    def joins(self, model: SemanticModel) -> list[dict[str, Any]]:
        pairs: list[tuple[str, SemanticModel]] = []
        for entity in model.entities.values():
            if entity.kind != "foreign":
                continue
            target = self.join_target(model, entity.name)
            if target is not None:
                pairs.append((entity.name, target))
        for target_name, entity_name in sorted(self.extra_joins.get(model.name, {}).items()):
            target = self.models[target_name]
            if all(t is not target for _, t in pairs):
                pairs.append((entity_name, target))
        out: list[dict[str, Any]] = []
        for entity_name, target in pairs:
            column = model.entities[entity_name].column
            key = target.entities[entity_name].column
            join: dict[str, Any] = {"source": target.name, "column": column}
            if key != column:
                join["key"] = key
            out.append(join)
        return out

    def source_definitions(self) -> list[tuple[dict[str, Any], Span]]:
        """nsmcode source definitions (with the dbt span each came from), in a stable order."""
        out: list[tuple[dict[str, Any], Span]] = []
        for name in sorted(self.models):
            model = self.models[name]
            times = [model.default_time, *sorted(model.time_variants)]
            for time_dim in times:
                out.append((self._source(model, time_dim), model.loc.span()))
        return out

    def _source(self, model: SemanticModel, time_dim: str | None) -> dict[str, Any]:
        source: dict[str, Any] = {"name": model.source_name(time_dim)}
        if model.description:
            source["description"] = str(model.description).strip()
        if model.needs_projection:
            items = [
                c.name if c.expr == c.name else f"{c.expr} AS {c.name}"
                for c in model.columns.values()
            ]
            source["select"] = "SELECT\n  " + ",\n  ".join(items) + f"\nFROM {model.table}"
        else:
            source["table"] = model.table
        time_column = model.time_column(time_dim)
        if time_column:
            source["time_column"] = time_column
        if model.entities:
            source["entities"] = [
                {"name": e.name, "column": e.column} for e in model.entities.values()
            ]
        columns = []
        for c in model.columns.values():
            column: dict[str, Any] = {"name": c.name, "type": c.type}
            if c.semantic:
                column["semantic"] = c.semantic
            columns.append(column)
        source["columns"] = columns
        dimensions = [d.name for d in model.dimensions.values() if not d.time]
        if dimensions:
            source["dimensions"] = dimensions
        joins = self.joins(model)
        if joins:
            source["joins"] = joins
        return source

    def segments(self, model: SemanticModel) -> list[str]:
        """Categorical dimensions reachable from a model: its own, then its joins'."""
        out: list[str] = []
        seen: set[str] = set()
        todo = [model]
        while todo:
            current = todo.pop(0)
            if current.name in seen:
                continue
            seen.add(current.name)
            for dim in current.dimensions.values():
                # `period` and `value` are nsmcode's output columns: not a breakdown's name
                if not dim.time and dim.name not in out and dim.name not in ("period", "value"):
                    out.append(dim.name)
            for entity in current.entities.values():
                if entity.kind == "foreign":
                    target = self.join_target(current, entity.name)
                    if target is not None:
                        todo.append(target)
            todo.extend(self.models[n] for n in sorted(self.extra_joins.get(current.name, {})))
        return out
