"""User SQL checked before it reaches a query: qualifier conditions, metric filters, derived
expressions.

sqlglot parses any SQL, so the checks are an allow-list: a condition may only compare, combine and
transform the declared columns of the metric's source and of the sources it joins, with a few
functions whose meaning is the same on every target. Everything else (subqueries, statements,
unknown functions, undeclared columns) is a located C0xx error, so a metric never silently reads
something its definition does not declare. Divisions become float divisions with a NULLIF guard,
the one arithmetic whose meaning differs between warehouses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from nsmcode.compile.errors import CompileError
from nsmcode.diagnostics import Diagnostic, Span

_BOOLEAN = (exp.And, exp.Or, exp.Not, exp.Paren, exp.Is, exp.In, exp.Between)
_COMPARE = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg)
_LEAVES = (exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.DataType)
_CONDITION_FUNCTIONS = (exp.Coalesce, exp.Nullif, exp.Lower, exp.Upper, exp.Trim, exp.Abs)
_CONDITION_NODES: tuple[type[exp.Expr], ...] = (
    *_BOOLEAN,
    *_COMPARE,
    *_ARITHMETIC,
    *_LEAVES,
    *_CONDITION_FUNCTIONS,
    exp.Cast,
    exp.Case,
    exp.If,
    exp.Like,
    exp.ILike,
)
_DERIVED_FUNCTIONS = (exp.Coalesce, exp.Nullif, exp.Abs, exp.Round, exp.Greatest, exp.Least)
_DERIVED_NODES: tuple[type[exp.Expr], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Paren,
    *_ARITHMETIC,
    *_DERIVED_FUNCTIONS,
)
_CAST_TYPES = {
    exp.DType.DATE,
    exp.DType.TIMESTAMP,
    exp.DType.DATETIME,
    exp.DType.SMALLINT,
    exp.DType.INT,
    exp.DType.BIGINT,
    exp.DType.DOUBLE,
    exp.DType.FLOAT,
    exp.DType.DECIMAL,
    exp.DType.VARCHAR,
    exp.DType.TEXT,
    exp.DType.CHAR,
    exp.DType.BOOLEAN,
}
CONDITION_FUNCTIONS = "COALESCE, NULLIF, LOWER, UPPER, TRIM, ABS, CAST, CASE"
DERIVED_FUNCTIONS = "COALESCE, NULLIF, ABS, ROUND, GREATEST, LEAST"

# Features some targets cannot express with the same meaning (see Target.unsupported).
CASE_SENSITIVE_LIKE = "case_sensitive_like"


@dataclass(frozen=True)
class Checked:
    """A condition ready for a query: columns qualified by their source's name."""

    expression: exp.Expr
    sources: frozenset[str]
    """Sources whose columns it reads (the base source and the joins it needs)."""
    features: frozenset[str]
    """Capabilities a target needs to give it the same meaning (e.g. case-sensitive LIKE)."""


@lru_cache(maxsize=4096)
def _parse(text: str, dialect: str | None) -> exp.Expr | str:
    """Parse once per text (the result is never mutated); a string is the parse error."""
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except (ParseError, TokenError) as error:
        return str(error).splitlines()[0] if str(error) else "syntax error"
    if len(statements) != 1:
        return f"{len(statements)} statements"
    return statements[0]


def parse(text: str, dialect: str | None, span: Span | None, what: str) -> exp.Expr:
    tree = _parse(text, dialect)
    if isinstance(tree, str):
        if tree.endswith("statements"):
            raise _error("C012", f"{what} must be a single expression, not {tree}", span)
        raise _error(
            "C010", f"{what} does not parse: {tree}", span, "write one SQL boolean expression"
        )
    return tree


def _error(code: str, message: str, span: Span | None, hint: str | None = None) -> CompileError:
    return CompileError([Diagnostic(code, message, span, hint)])


def _describe(node: exp.Expr) -> str:
    if isinstance(node, exp.Func):
        name = node.name if isinstance(node, exp.Anonymous) else node.sql_names()[0]
        return f"function {name.upper()}"
    if isinstance(node, exp.Query | exp.Subquery):
        return "a subquery"
    text = node.sql()
    return f"{node.key.upper()} ({text[:40]}{'...' if len(text) > 40 else ''})"


def _walk(tree: exp.Expr) -> Iterator[exp.Expr]:
    yield from tree.walk()


def safe_division(left: exp.Expr, right: exp.Expr) -> exp.Expr:
    """`left / right` as a float division that gives NULL, never an error, for a zero divisor."""
    double = exp.DataType.build("DOUBLE")
    return exp.Div(
        this=exp.Cast(this=left, to=double.copy()),
        expression=exp.Nullif(
            this=exp.Cast(this=right, to=double), expression=exp.Literal.number(0)
        ),
    )


ColumnLookup = Callable[[str | None, str], "tuple[str, str] | str"]
"""(source qualifier or None, column name) -> (source, declared column) or an error message."""


def check_condition(
    text: str, *, dialect: str | None, lookup: ColumnLookup, span: Span | None, what: str
) -> Checked:
    """Parse and check a boolean condition; raise CompileError listing every problem."""
    tree = parse(text, dialect, span, what)
    problems: list[Diagnostic] = []
    sources: set[str] = set()
    features: set[str] = set()
    for node in _walk(tree):
        if not isinstance(node, _CONDITION_NODES):
            problems.append(
                Diagnostic(
                    "C012",
                    f"{what}: {_describe(node)} is not allowed",
                    span,
                    f"conditions may use columns, literals, comparisons, AND/OR/NOT, IN, "
                    f"BETWEEN, IS NULL, ILIKE, arithmetic and {CONDITION_FUNCTIONS}",
                )
            )
        elif isinstance(node, exp.Cast) and node.to.this not in _CAST_TYPES:
            problems.append(
                Diagnostic("C012", f"{what}: cast to {node.to.sql()} is not allowed", span)
            )
        elif isinstance(node, exp.Like):
            features.add(CASE_SENSITIVE_LIKE)
        elif isinstance(node, exp.Column):
            found = _column(node, lookup)
            if isinstance(found, str):
                problems.append(Diagnostic("C011", f"{what}: {found}", span))
            else:
                sources.add(found[0])
    if problems:
        raise CompileError(problems)
    resolved = tree.transform(_qualify(lookup), copy=True)
    return Checked(resolved, frozenset(sources), frozenset(features))


def _column(node: exp.Column, lookup: ColumnLookup) -> tuple[str, str] | str:
    if node.args.get("db") or node.args.get("catalog"):
        return f"column {node.sql()!r}: write `column` or `source.column`"
    return lookup(node.table or None, node.name)


def _qualify(lookup: ColumnLookup) -> Callable[[exp.Expr], exp.Expr]:
    def rewrite(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column):
            found = _column(node, lookup)
            assert not isinstance(found, str)
            return exp.column(found[1], table=found[0])
        if isinstance(node, exp.Div):
            return safe_division(node.this, node.expression)
        if isinstance(node, exp.ILike):
            return exp.Like(
                this=exp.Lower(this=node.this), expression=exp.Lower(this=node.expression)
            )
        return node

    return rewrite


def check_derived(text: str, metrics: set[str], span: Span | None, what: str) -> exp.Expr:
    """Check a derived expression: arithmetic over metric names, numbers, a few functions."""
    tree = parse(text, None, span, what)
    problems: list[Diagnostic] = []
    for node in _walk(tree):
        if not isinstance(node, _DERIVED_NODES):
            problems.append(
                Diagnostic(
                    "C020",
                    f"{what}: {_describe(node)} is not allowed",
                    span,
                    f"use + - * /, numbers, metric names and {DERIVED_FUNCTIONS}",
                )
            )
        elif isinstance(node, exp.Literal) and node.is_string:
            problems.append(
                Diagnostic("C020", f"{what}: string {node.sql()} is not a number", span)
            )
        elif isinstance(node, exp.Column) and (node.table or node.name not in metrics):
            problems.append(
                Diagnostic(
                    "C020",
                    f"{what}: {node.sql()!r} is not a metric name",
                    span,
                    "refer to other metrics by their names",
                )
            )
        elif isinstance(node, exp.Round):
            digits = node.args.get("decimals")
            if digits is not None and not (isinstance(digits, exp.Literal) and digits.is_int):
                problems.append(
                    Diagnostic("C020", f"{what}: ROUND's digits must be an integer literal", span)
                )
    if problems:
        raise CompileError(problems)
    return tree
