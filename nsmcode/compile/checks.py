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

import re
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
        if any(token.comments for token in sqlglot.tokenize(text, read=dialect)):
            return _COMMENT
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except (ParseError, TokenError) as error:
        return str(error).splitlines()[0] if str(error) else "syntax error"
    except RecursionError:
        return "it is nested too deeply"
    if len(statements) != 1:
        return f"{len(statements)} statements"
    return statements[0]


_COMMENT = "comment"


def parse(text: str, dialect: str | None, span: Span | None, what: str) -> exp.Expr:
    tree = _parse(text, dialect)
    if isinstance(tree, str):
        if tree.endswith("statements"):
            raise _error("C012", f"{what} must be a single expression, not {tree}", span)
        if tree == _COMMENT:
            raise _error(
                "C012",
                f"{what} must not hold SQL comments (-- or /* */)",
                span,
                "a comment can hide part of the SQL from reviewers; explain it in `description:`",
            )
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


def _walk(tree: exp.Expr, allowed: tuple[type[exp.Expr], ...]) -> Iterator[exp.Expr]:
    """Nodes breadth-first, not descending into a refused node (one diagnostic per construct)."""
    yield from tree.walk(bfs=True, prune=lambda node: not isinstance(node, allowed))


def safe_division(left: exp.Expr, right: exp.Expr) -> exp.Expr:
    """`left / right` as a float division that gives NULL, never an error, for a zero divisor."""
    double = exp.DataType.build("DOUBLE")
    return exp.Div(
        this=exp.Cast(this=left, to=double.copy()),
        expression=exp.Nullif(
            this=exp.Cast(this=right, to=double), expression=exp.Literal.number(0)
        ),
        typed=True,  # both sides are already DOUBLE: no dialect adjustment needed
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
    for node in _walk(tree, _CONDITION_NODES):
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
    for node in _walk(tree, _DERIVED_NODES):
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


# -- sources: table names and SELECT queries ----------------------------------------------------

_TABLE_PART = re.compile(r'"((?:[^"]|"")+)"|([^\W\d]\w*)')
_FILE_LIKE = re.compile(r"[/\\:.]")
"""In a quoted table name these could make it a path or a URL (DuckDB reads `FROM "x.csv"`)."""
_STATEMENT_NAMES = (
    "DDL DML Command Into Lock Set Pragma Use Transaction Commit Rollback Describe Show Grant "
    "Revoke Attach Detach Install Drop Alter Analyze Cache Uncache Refresh Summarize Kill Export "
    "LoadData"
)
_STATEMENTS: tuple[type[exp.Expr], ...] = tuple(
    c for c in (getattr(exp, n, None) for n in _STATEMENT_NAMES.split()) if isinstance(c, type)
)
_FILE_FUNCTIONS: tuple[type[exp.Expr], ...] = tuple(
    c for c in (getattr(exp, n, None) for n in ("ReadCSV", "ReadParquet")) if isinstance(c, type)
)
TABLE_HINT = (
    "write name, schema.name or catalog.schema.name; quote a part with spaces, capitals or "
    'symbols in double quotes: "my schema"."Weird Table"'
)


def _path_like(name: str) -> bool:
    return bool(_FILE_LIKE.search(name)) or not name.isprintable()


@lru_cache(maxsize=1024)
def _table_parts(text: str) -> tuple[tuple[str, bool], ...] | str:
    """(name, quoted) parts of a table name, or what is wrong with it."""
    parts: list[tuple[str, bool]] = []
    pos = 0
    while True:
        found = _TABLE_PART.match(text, pos)
        if found is None:
            return "is not a table name"
        quoted, plain = found.group(1), found.group(2)
        if quoted is not None:
            name = quoted.replace('""', '"')
            if _path_like(name):
                return "holds / \\ : . or a control character inside quotes (a path, not a name)"
            parts.append((name, True))
        else:
            parts.append((plain, False))
        pos = found.end()
        if pos == len(text):
            break
        if text[pos] != ".":
            return "is not a table name"
        pos += 1
    if len(parts) > 3:
        return "has more than three parts"
    if len(parts) == 1 and _internal(parts[0][0]):
        return INTERNAL
    return tuple(parts)


INTERNAL = "starts with nsm_, the prefix of nsmcode's own query parts; qualify it: schema.name"


def _internal(name: str) -> bool:
    """An unqualified table named like the compiler's CTEs would read the CTE instead."""
    return name.lower().startswith("nsm_")


def check_table(text: str, span: Span | None, what: str) -> exp.Table:
    """A source's `table:` as a table reference: one to three dot-separated parts, each a plain
    name or a double-quoted one, written the same way whatever the target (the compiler quotes
    for each dialect). Anything else (statements, functions, comments) is refused."""
    parts = _table_parts(text)
    if isinstance(parts, str):
        raise _error("C010", f"{what}: table {text[:60]!r} {parts}", span, TABLE_HINT)
    ids = [exp.Identifier(this=name, quoted=quoted) for name, quoted in parts]
    catalog, db, name = [None] * (3 - len(ids)) + ids
    return exp.Table(this=name, db=db, catalog=catalog)


def check_select(query: exp.Expr, span: Span | None, what: str) -> None:
    """A source's `select:` may only read: no statement that writes or changes the session (in a
    CTE either), no SELECT INTO or FOR UPDATE, no function sqlglot does not know or that reads
    files, no quoted table name that is a path."""
    problems: list[str] = []
    for node in query.walk():
        if isinstance(node, _STATEMENTS):
            problems.append(f"{node.key.upper()} is not allowed")
        elif isinstance(node, (exp.Anonymous, *_FILE_FUNCTIONS)):
            problems.append(f"{_describe(node)} is not allowed")
        elif isinstance(node, exp.Table):
            for part in (node.args.get(k) for k in ("this", "db", "catalog")):
                if isinstance(part, exp.Identifier) and part.quoted and _path_like(part.name):
                    problems.append(f"table {part.name[:60]!r} is a path, not a table name")
            if not node.args.get("db") and _internal(node.name):
                problems.append(f"table {node.name[:60]!r} {INTERNAL}")
    if problems:
        hint = (
            "a source's select only reads: SELECT with joins, WITH, UNION and subqueries, and "
            "functions sqlglot knows"
        )
        raise CompileError(
            [Diagnostic("C012", f"{what}: {p}", span, hint) for p in dict.fromkeys(problems)]
        )
