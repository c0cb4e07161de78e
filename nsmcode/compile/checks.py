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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

from nsmcode.compile.errors import CompileError
from nsmcode.compile.located import inside
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
    exp.DType.TIMESTAMPNTZ,  # DuckDB's TIMESTAMP
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
CAST_TYPES = "DATE, TIMESTAMP, INTEGER, BIGINT, DOUBLE, DECIMAL, VARCHAR, BOOLEAN"

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
    parsed: exp.Expr | None = field(default=None, compare=False)
    """The condition as written (shared, never changed): its nodes know where they are in it."""
    columns: Mapping[int, tuple[str, str]] = field(default_factory=dict, compare=False)
    """`id()` of each column node of `parsed` -> (source, declared column)."""
    text: str = ""


@dataclass(frozen=True)
class _Unreadable:
    code: str
    message: str
    offset: int | None
    hint: str


_NO_COMMENTS = "must not hold SQL comments (-- or /* */)"
_COMMENT_HINT = "a comment can hide part of the SQL from reviewers; explain it in `description:`"
_NOUN = "{noun}"
"""Stands for what is parsed (condition, expression, query) in a cached message."""


@lru_cache(maxsize=4096)
def _parse(text: str, dialect: str | None) -> exp.Expr | _Unreadable:
    """Parse once per text (the result is never mutated), or say in plain words why not."""
    try:
        tokens = sqlglot.tokenize(text, read=dialect)
        if any(token.comments for token in tokens):
            return _Unreadable("C012", _NO_COMMENTS, _comment_at(text), _COMMENT_HINT)
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except ParseError as error:
        return _explain(error, text, dialect)
    except TokenError:
        return _untokenizable(text)
    except RecursionError:
        return _Unreadable("C010", "is nested too deeply", None, "split it into simpler parts")
    if not statements:
        if _comment_at(text) is not None:
            return _Unreadable("C012", _NO_COMMENTS, _comment_at(text), _COMMENT_HINT)
        return _Unreadable("C010", "is empty", None, "write the expression")
    if len(statements) != 1:
        semicolon = next((t.start for t in tokens if t.token_type == TokenType.SEMICOLON), None)
        return _Unreadable(
            "C012",
            f"must be a single expression, not {len(statements)} statements",
            semicolon,
            "remove the `;` and what follows: a definition holds one expression, never a "
            "statement",
        )
    if _depth(statements[0]) > MAX_DEPTH:
        return _Unreadable("C010", "is nested too deeply", None, "split it into simpler parts")
    return statements[0]


MAX_DEPTH = 256
"""Deepest expression tree accepted: every later step (type checks, rendering) walks the tree
recursively, and `1 + 1 + ... + 1` a thousand times parses fine but would exhaust Python's stack
there; no real condition comes near it."""


def _depth(tree: exp.Expr) -> int:
    """The depth of a parsed tree, walked without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return deepest


_OPERATORS = {
    "And": "AND",
    "Or": "OR",
    "Not": "NOT",
    "EQ": "=",
    "NEQ": "<>",
    "GT": ">",
    "GTE": ">=",
    "LT": "<",
    "LTE": "<=",
    "Add": "+",
    "Sub": "-",
    "Mul": "*",
    "Div": "/",
    "Between": "BETWEEN",
    "In": "IN",
    "Like": "LIKE",
    "ILike": "ILIKE",
    "Is": "IS",
}
_MISSING = re.compile(r"Required keyword: '(\w+)' missing for <class '[\w.]*?(\w+)'>")
_EXPECTED = re.compile(r"Expected (\w+) after (\w+)")


def _explain(error: ParseError, text: str, dialect: str | None) -> _Unreadable:
    """A sqlglot parse error in plain words, at the place it names."""
    info = error.errors[0] if error.errors else {}
    description = str(info.get("description") or "")
    highlight = str(info.get("highlight") or "")
    offset = _offset_at(text, info.get("line"), info.get("col"), highlight)
    shown = text.strip()
    at_end = offset is not None and not text[offset + len(highlight) :].strip()
    hint = "check the SQL at this place"
    missing = _MISSING.search(description)
    if missing:
        role, kind = missing.groups()
        op = _OPERATORS.get(kind, kind.upper())
        if role == "this":
            return _Unreadable("C010", f"{op} has nothing before it", offset, hint)
        if at_end:
            last = highlight or op
            after = "the condition" if last.upper() in ("AND", "OR", "NOT") else "what comes"
            return _Unreadable(
                "C010",
                f"incomplete {_NOUN}: `{shown[:80]}` ends after {last}",
                offset,
                f"add {after} after {last} or remove it",
            )
        return _Unreadable("C010", f"{op} is incomplete before `{highlight}`", offset, hint)
    if description.startswith("Expecting )"):
        return _Unreadable(
            "C010", "a parenthesis is not closed", _open_paren(text, dialect), "add the `)`"
        )
    expected = _EXPECTED.search(description)
    if expected:
        what, after = expected.groups()
        return _Unreadable(
            "C010", f"{after} needs {what}", offset, f"complete the {after} expression"
        )
    if not highlight:
        return _Unreadable("C010", "ends too early", None, hint)
    return _Unreadable("C010", f"unexpected `{highlight}`", offset, hint)


def _offset_at(text: str, line: object, col: object, highlight: str) -> int | None:
    """The offset of a highlighted token that ends at 1-based (line, col)."""
    if not isinstance(line, int) or not isinstance(col, int):
        return None
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    if not 1 <= line <= len(starts):
        return None
    offset = starts[line - 1] + col - len(highlight)
    return offset if 0 <= offset < len(text) else None


def _open_paren(text: str, dialect: str | None) -> int | None:
    try:
        tokens = sqlglot.tokenize(text, read=dialect)
    except TokenError:
        return None
    open_: list[int] = []
    for token in tokens:
        if token.token_type == TokenType.L_PAREN:
            open_.append(token.start)
        elif token.token_type == TokenType.R_PAREN and open_:
            open_.pop()
    return open_[-1] if open_ else None


def _untokenizable(text: str) -> _Unreadable:
    """Why the text cannot be split into SQL words: an unclosed quote or comment, or a stray
    character."""
    quote: tuple[str, int] | None = None
    i = 0
    while i < len(text):
        char = text[i]
        if quote is not None:
            if char == quote[0]:
                if text[i + 1 : i + 2] == char:
                    i += 1  # a doubled quote stands for itself
                else:
                    quote = None
        elif char in "'\"`":
            quote = (char, i)
        elif text.startswith("/*", i) and "*/" not in text[i + 2 :]:
            return _Unreadable("C012", _NO_COMMENTS, i, _COMMENT_HINT)
        i += 1
    if quote is not None:
        kind = "text" if quote[0] == "'" else "name"
        return _Unreadable(
            "C010",
            f"a quoted {kind} opened with {quote[0]} is not closed",
            quote[1],
            f"close it with {quote[0]} (write {quote[0] * 2} for the quote character itself)",
        )
    odd = next((i for i, c in enumerate(text) if c in "$?\\{}[]^~"), None)
    shown = f"`{text[odd]}`" if odd is not None else "a character"
    return _Unreadable(
        "C010", f"{shown} is not part of SQL here", odd, "remove it or quote it as text: 'x'"
    )


def _comment_at(text: str) -> int | None:
    found = [i for i in (text.find("--"), text.find("/*")) if i >= 0]
    return min(found) if found else None


def parse(
    text: str, dialect: str | None, span: Span | None, what: str, expected: str | None = None
) -> exp.Expr:
    """The one expression `text` holds; raise a located C010/C012 when it is not one."""
    tree = _parse(text, dialect)
    if isinstance(tree, _Unreadable):
        hint = tree.hint
        if expected is None:
            expected = (
                "a SELECT query"
                if what.startswith("source")
                else "a condition, e.g. `status_code >= 500 AND plan = 'pro'`"
            )
        noun = expected.split(",")[0].split()[-1]
        if tree.code == "C010" and not tree.message.startswith("incomplete"):
            hint = f"{hint}; {what} must be {expected}"
        where = inside(span, text, tree.offset)
        verb = "" if tree.message.startswith(("must", "is ")) else "does not parse: "
        message = tree.message.replace(_NOUN, noun)
        raise _error(tree.code, f"{what} {verb}{message}", where, hint)
    return tree


def _error(code: str, message: str, span: Span | None, hint: str | None = None) -> CompileError:
    return CompileError([Diagnostic(code, message, span, hint)])


def _describe(node: exp.Expr) -> str:
    if isinstance(node, exp.Func):
        name = node.name if isinstance(node, exp.Anonymous) else node.sql_names()[0]
        return f"function {name.upper()}"
    if isinstance(node, exp.Query | exp.Subquery):
        return "a subquery"
    if isinstance(node, exp.Placeholder | exp.Parameter):
        return f"the query parameter {node.sql()}"
    if isinstance(node, exp.DataTypeParam) and node.parent is not None:
        return f"a type parameter (in {node.parent.sql()})"
    text = node.sql()
    return f"`{text[:40]}{'...' if len(text) > 40 else ''}`"


def _walk(tree: exp.Expr, allowed: tuple[type[exp.Expr], ...]) -> Iterator[exp.Expr]:
    """Nodes breadth-first, not descending into a refused node (one diagnostic per construct)."""
    yield from tree.walk(bfs=True, prune=lambda node: not isinstance(node, allowed))


def offset_of(node: exp.Expr, text: str, dialect: str | None) -> int | None:
    """Where `node` starts in `text`, the SQL it was parsed from: the earliest position a token
    inside it recorded, moved back over an opening parenthesis, a function name, SELECT or
    CASE."""
    starts: list[int] = [
        start
        for n in node.walk()
        if (meta := n._meta) is not None and isinstance(start := meta.get("start"), int)
    ]
    if not starts:
        return None
    first = min(starts)
    if isinstance(node, exp.Column | exp.Identifier | exp.Literal | exp.Anonymous):
        return first
    tokens = _tokens(text, dialect)
    index = next((i for i, t in enumerate(tokens) if t.start == first), None)
    if index is None:
        return first
    while index > 0:
        previous = tokens[index - 1].token_type
        if previous == TokenType.L_PAREN:
            index -= 1
            if index > 0 and tokens[index - 1].token_type in _CALLS:
                index -= 1
        elif previous in (TokenType.SELECT, TokenType.CASE):
            index -= 1
        else:
            break
    return int(tokens[index].start)


_CALLS = {TokenType.VAR, TokenType.EXISTS}


@lru_cache(maxsize=256)
def _tokens(text: str, dialect: str | None) -> tuple[Token, ...]:
    try:
        return tuple(sqlglot.tokenize(text, read=dialect))
    except TokenError:
        return ()


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
    """Parse and check a boolean condition; raise CompileError listing every problem, each at
    the part of the text it is about."""
    tree = parse(text, dialect, span, what)
    problems: list[Diagnostic] = []
    sources: set[str] = set()
    features: set[str] = set()
    columns: dict[int, tuple[str, str]] = {}

    def at(node: exp.Expr) -> Span | None:
        return inside(span, text, offset_of(node, text, dialect))

    for node in _walk(tree, _CONDITION_NODES):
        if not isinstance(node, _CONDITION_NODES):
            problems.append(
                Diagnostic(
                    "C012",
                    f"{what}: {_describe(node)} is not allowed",
                    at(node),
                    f"conditions may use columns, literals, comparisons, AND/OR/NOT, IN, "
                    f"BETWEEN, IS NULL, LIKE, ILIKE, arithmetic and {CONDITION_FUNCTIONS}",
                )
            )
        elif isinstance(node, exp.Cast) and node.to.this not in _CAST_TYPES:
            problems.append(
                Diagnostic(
                    "C012",
                    f"{what}: cast to {node.to.sql()} is not allowed",
                    at(node),
                    f"cast to one of {CAST_TYPES}",
                )
            )
        elif isinstance(node, exp.Like):
            features.add(CASE_SENSITIVE_LIKE)
        elif isinstance(node, exp.Column):
            found = _column(node, lookup)
            if isinstance(found, str):
                problems.append(
                    Diagnostic(
                        "C011",
                        f"{what}: {found}",
                        at(node),
                        "declare the column under the source's `columns:` (with its type), or "
                        "qualify it with a joined source: `accounts.plan`",
                    )
                )
            else:
                sources.add(found[0])
                columns[id(node)] = found
    if problems:
        # one diagnostic per message: DECIMAL(10, 2) is one problem, not two
        raise CompileError(list({p.message: p for p in reversed(problems)}.values())[::-1])
    resolved = tree.transform(_qualify(lookup), copy=True)
    return Checked(resolved, frozenset(sources), frozenset(features), tree, columns, text)


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
    tree = parse(text, None, span, what, "an arithmetic expression, e.g. `revenue / accounts`")
    problems: list[Diagnostic] = []
    hint = f"use + - * /, numbers, metric names and {DERIVED_FUNCTIONS}"

    def at(node: exp.Expr) -> Span | None:
        return inside(span, text, offset_of(node, text, None))

    for node in _walk(tree, _DERIVED_NODES):
        if not isinstance(node, _DERIVED_NODES):
            problems.append(
                Diagnostic("C020", f"{what}: {_describe(node)} is not allowed", at(node), hint)
            )
        elif isinstance(node, exp.Literal) and node.is_string:
            problems.append(
                Diagnostic("C020", f"{what}: string {node.sql()} is not a number", at(node), hint)
            )
        elif isinstance(node, exp.Column) and (node.table or node.name not in metrics):
            problems.append(
                Diagnostic(
                    "C020",
                    f"{what}: {node.sql()!r} is not a metric name",
                    at(node),
                    "refer to other metrics by their names",
                )
            )
        elif isinstance(node, exp.Round):
            digits = node.args.get("decimals")
            if digits is not None and not (isinstance(digits, exp.Literal) and digits.is_int):
                problems.append(
                    Diagnostic(
                        "C020",
                        f"{what}: ROUND's digits must be an integer literal",
                        at(digits),
                        "write ROUND(value, 2)",
                    )
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
