"""Type checks against the columns' declared types (C013, C014).

A source declares each column's logical type (string, integer, number, boolean, date, timestamp).
A condition that compares a string column with a number, a timestamp with text that is not a
date, or a boolean with 1 compiles on every target but fails (or means something else) inside
some warehouses at query time; so does the average of a string. These checks find such uses
before any SQL runs, each at the part of the condition it is about. Anything whose type is not
known (NULL, an expression over a date) is given the benefit of the doubt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from nsmcode import models
from nsmcode.compile.checks import Checked, offset_of
from nsmcode.compile.located import inside
from nsmcode.diagnostics import Diagnostic, Span

ColumnType = Callable[[str, str], "str | None"]
"""(source, declared column) -> its declared type (`string`, `integer`, ...), None if unknown."""

NUMERIC = ("integer", "number")
TEMPORAL = ("date", "timestamp")
TEXT = "text"
"""The type of a quoted literal: it may stand for a date or a number, as engines read it."""

_CASTS = {
    exp.DType.DATE: "date",
    exp.DType.TIMESTAMP: "timestamp",
    exp.DType.TIMESTAMPNTZ: "timestamp",
    exp.DType.DATETIME: "timestamp",
    exp.DType.SMALLINT: "integer",
    exp.DType.INT: "integer",
    exp.DType.BIGINT: "integer",
    exp.DType.DOUBLE: "number",
    exp.DType.FLOAT: "number",
    exp.DType.DECIMAL: "number",
    exp.DType.VARCHAR: "string",
    exp.DType.TEXT: "string",
    exp.DType.CHAR: "string",
    exp.DType.BOOLEAN: "boolean",
}
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def condition_problems(
    checked: Checked, column_type: ColumnType, *, what: str, span: Span | None, dialect: str | None
) -> list[Diagnostic]:
    """C013 for every use of a value against its type in a checked condition."""
    if checked.parsed is None:
        return []
    checker = _Conditions(checked, column_type, what, span, dialect)
    checker.predicate(checked.parsed)
    return checker.problems


@dataclass
class _Conditions:
    checked: Checked
    column_type: ColumnType
    what: str
    span: Span | None
    dialect: str | None

    def __post_init__(self) -> None:
        self.problems: list[Diagnostic] = []

    def report(self, node: exp.Expr, message: str, hint: str) -> None:
        text = self.checked.text
        where = inside(self.span, text, offset_of(node, text, self.dialect))
        self.problems.append(Diagnostic("C013", f"{self.what}: {message}", where, hint))

    def predicate(self, node: exp.Expr) -> None:
        """`node` stands where true or false is needed."""
        kind = self.value(node)
        if kind is not None and kind != "boolean":
            shown = _sql(node)
            self.report(
                node,
                f"`{shown}` is {_a(kind)}, not a condition (true or false)",
                f"compare it with something, e.g. `{shown} = ...` or `{shown} IS NOT NULL`",
            )

    def value(self, node: exp.Expr) -> str | None:
        """The type of `node`; reports the misuses inside it."""
        if isinstance(node, exp.Paren):
            return self.value(node.this)
        if isinstance(node, exp.Column):
            found = self.checked.columns.get(id(node))
            return self.column_type(*found) if found else None
        if isinstance(node, exp.Literal):
            return TEXT if node.is_string else "number"
        if isinstance(node, exp.Boolean):
            return "boolean"
        if isinstance(node, exp.Cast):
            self.value(node.this)
            return _CASTS.get(node.to.this)
        if isinstance(node, exp.And | exp.Or):
            self.predicate(node.this)
            self.predicate(node.expression)
            return "boolean"
        if isinstance(node, exp.Not):
            self.predicate(node.this)
            return "boolean"
        if isinstance(node, _COMPARISONS):
            self.compare(node, node.this, node.expression)
            return "boolean"
        if isinstance(node, exp.In):
            for item in node.expressions:
                self.compare(node, node.this, item)
            return "boolean"
        if isinstance(node, exp.Between):
            self.compare(node, node.this, node.args["low"])
            self.compare(node, node.this, node.args["high"])
            return "boolean"
        if isinstance(node, exp.Is):
            self.value(node.this)
            return "boolean"
        if isinstance(node, exp.Like | exp.ILike):
            return self.text_operation(node, "LIKE" if isinstance(node, exp.Like) else "ILIKE")
        if isinstance(node, exp.Lower | exp.Upper | exp.Trim):
            self.text_operation(node, type(node).__name__.upper())
            return "string"
        if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Neg | exp.Abs):
            return self.arithmetic(node)
        if isinstance(node, exp.Coalesce | exp.Nullif):
            args = [node.this, *node.expressions, node.args.get("expression")]
            return self.same(node, [a for a in args if isinstance(a, exp.Expr)])
        if isinstance(node, exp.Case):
            for branch in node.args.get("ifs") or []:
                self.predicate(branch.this)
            results = [b.args.get("true") for b in node.args.get("ifs") or []]
            return self.same(node, [r for r in [*results, node.args.get("default")] if r])
        if isinstance(node, exp.If):
            self.predicate(node.this)
            branches = [node.args.get("true"), node.args.get("false")]
            return self.same(node, [b for b in branches if isinstance(b, exp.Expr)])
        return None

    def text_operation(self, node: exp.Expr, name: str) -> str:
        kind = self.value(node.this)
        if isinstance(node, exp.Like | exp.ILike):
            self.value(node.expression)
        if kind not in (None, "string", TEXT):
            self.report(
                node.this,
                f"{name} needs text, but `{_sql(node.this)}` is {_a(kind)}",
                f"CAST({_sql(node.this)} AS VARCHAR) if you mean its text",
            )
        return "boolean" if name in ("LIKE", "ILIKE") else "string"

    def arithmetic(self, node: exp.Expr) -> str | None:
        operands = [node.this] + ([node.expression] if "expression" in node.args else [])
        kinds = [self.value(o) for o in operands if isinstance(o, exp.Expr)]
        for operand, kind in zip(operands, kinds, strict=False):
            if kind in ("string", TEXT, "boolean"):
                self.report(
                    operand,
                    f"arithmetic on `{_sql(operand)}`, which is {_a(kind)}",
                    "use arithmetic on integer and number columns only",
                )
                return None
        if any(k in TEMPORAL for k in kinds):
            return None  # date arithmetic differs between engines; not judged here
        return "number"

    def same(self, node: exp.Expr, values: list[exp.Expr]) -> str | None:
        """COALESCE, NULLIF, CASE, IF: every value of one type; that type."""
        first: tuple[exp.Expr, str] | None = None
        for value in values:
            kind = self.value(value)
            if kind is None:
                continue
            if first is None:
                first = (value, kind)
            elif not _compatible(first[1], kind, first[0], value):
                self.report(
                    value,
                    f"`{_sql(value)}` is {_a(kind)}, but `{_sql(first[0])}` is {_a(first[1])}: "
                    f"{type(node).__name__.upper()} needs values of one type",
                    _hint(first[0], first[1], value, kind),
                )
        if first is None:
            return None
        return "string" if first[1] == TEXT else first[1]

    def compare(self, node: exp.Expr, left: exp.Expr, right: exp.Expr) -> None:
        a, b = self.value(left), self.value(right)
        if a is None or b is None or _compatible(a, b, left, right):
            return
        literal = right if isinstance(right, exp.Literal) else left
        if not isinstance(literal, exp.Literal):
            literal = node
        if {a, b} & set(TEMPORAL) and TEXT in (a, b):
            column, kind = (left, a) if b == TEXT else (right, b)
            self.report(
                literal,
                f"{_sql(literal)} is not a date or timestamp, but `{_sql(column)}` is {_a(kind)}",
                "write a date as 'YYYY-MM-DD' or a time as 'YYYY-MM-DD HH:MM:SS'",
            )
            return
        self.report(
            literal,
            f"`{_sql(node)}` compares {_a(a)} (`{_sql(left)}`) with {_a(b)} (`{_sql(right)}`)",
            _hint(left, a, right, b, node),
        )


def _compatible(a: str, b: str, left: exp.Expr, right: exp.Expr) -> bool:
    if a == b or (a in NUMERIC and b in NUMERIC) or (a in TEMPORAL and b in TEMPORAL):
        return True
    if TEXT not in (a, b):
        return False
    other, literal = (b, left) if a == TEXT else (a, right)
    text = literal.name if isinstance(literal, exp.Literal) else None
    if other == "string":
        return True
    if other in TEMPORAL:
        return text is not None and _is_moment(text)
    if other in NUMERIC:
        return text is not None and _is_number(text)
    return False


def _hint(
    left: exp.Expr, a: str, right: exp.Expr, b: str, node: exp.Expr | None = None
) -> str:
    if "boolean" in (a, b) and {a, b} & {*NUMERIC, TEXT}:
        flag, value = (left, right) if a == "boolean" else (right, left)
        shown = _sql(flag)
        true = _means_true(node, value)
        if true is None:
            return f"a boolean is a condition by itself: write `{shown}` or `NOT {shown}`"
        written = shown if true else f"NOT {shown}"
        return f"a boolean is a condition by itself: write `{written}`"
    return "compare values of the same type; CAST one side if that is what you mean"


def _means_true(node: exp.Expr | None, value: exp.Expr) -> bool | None:
    """For `flag = 1`, `flag <> 0` ...: whether the comparison means the flag is true."""
    if not isinstance(value, exp.Literal) or value.name.lower() not in ("1", "0", "true", "false"):
        return None
    one = value.name.lower() in ("1", "true")
    if isinstance(node, exp.EQ):
        return one
    if isinstance(node, exp.NEQ):
        return not one
    return None


def _is_moment(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def _is_number(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def _a(kind: str) -> str:
    if kind == TEXT:
        return "text"
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _sql(node: exp.Expr) -> str:
    text = node.sql()
    return text if len(text) <= 60 else text[:57] + "..."


# -- aggregations ---------------------------------------------------------------------------------

_AGGREGABLE: dict[str, tuple[str, ...]] = {
    "sum": NUMERIC,
    "average": NUMERIC,
    "min": (*NUMERIC, *TEMPORAL),
    "max": (*NUMERIC, *TEMPORAL),
}


def aggregation_problem(
    metric: models.Metric, column_type: ColumnType, span: Span | None
) -> Diagnostic | None:
    """C014 when a sum, average, min or max aggregates a column its declared type rules out."""
    calc = metric.calculation
    if metric.source is None or not isinstance(
        calc, models.Sum | models.Average | models.Min | models.Max
    ):
        return None
    kind = column_type(metric.source, calc.column)
    allowed = _AGGREGABLE[calc.type]
    if kind is None or kind in allowed:
        return None
    return Diagnostic(
        "C014",
        f"metric {metric.name!r}: the {calc.type} of column {calc.column!r}, declared "
        f"`type: {kind}` in source {metric.source!r}, has no meaning",
        span,
        f"{calc.type} needs a column of type {' or '.join(allowed)}; count the rows or "
        "`count_distinct` the values instead, or fix the column's declared type",
    )
