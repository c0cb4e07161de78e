"""Dialect-free sqlglot nodes for what warehouses disagree on, and small tree builders.

The tree `build.py` produces is the same for every target. Where meaning depends on the engine
(the start of a week, adding months to a date, generating a calendar) it holds one of the nodes
below; each target renders them (see `targets.py`) while sqlglot renders everything else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import ClassVar

from sqlglot import exp

PERIODS = "nsm_periods"
BOUNDS = "nsm_bounds"


class PeriodStart(exp.Expression, exp.Func):
    """The DATE starting the grain period (`unit`: DAY/WEEK/MONTH/QUARTER) that contains a date
    or timestamp; weeks start on Monday on every target."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True, "unit": True}


class DayOf(exp.Expression, exp.Func):
    """The calendar DATE of a timestamp (or date)."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}


class ShiftDate(exp.Expression, exp.Func):
    """A DATE moved by `expression` (an integer, maybe negative) units of DAY/WEEK/MONTH/QUARTER;
    always a DATE, never a timestamp. `clamp` (months of any day, not only a month's first):
    a day past the end of a shorter month is that month's last day (03-31 - 1 month = 02-28)."""

    arg_types: ClassVar[dict[str, bool]] = {
        "this": True,
        "expression": True,
        "unit": True,
        "clamp": False,
    }


class Moment(exp.Expression, exp.Func):
    """An event time as the target compares timestamps (SQLite: text normalised by DATETIME)."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}


class ShiftTimestamp(exp.Expression, exp.Func):
    """A timestamp moved forward by `expression` days (`unit` DAY, the default) or calendar
    months (MONTH), keeping the time of day; a month shift keeps the day of the month, or ends on
    the month's last day when it is shorter (01-31 10:00:00 + 1 month = 02-28 10:00:00)."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True, "expression": True, "unit": False}


class Instant(exp.Expression, exp.Func):
    """A timestamp literal (`this`: 'YYYY-MM-DD HH:MM:SS'), of the type event times have."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True}


class RoundHalfUp(exp.Expression, exp.Func):
    """A number rounded to `decimals` (an integer literal) places, halves away from zero, as
    DECIMAL(38, 9) arithmetic would; a DOUBLE."""

    arg_types: ClassVar[dict[str, bool]] = {"this": True, "decimals": True}


class PeriodSeries(exp.Expression, exp.Func):
    """Stands for the body of the calendar CTE: one row per period start (column `period`) from
    `start` to `hi` of the bounds CTE; each target generates it its own way."""

    arg_types: ClassVar[dict[str, bool]] = {"unit": True}


IDENTIFIER_BYTES = 63
"""The shortest identifier limit of the targets (PostgreSQL: 63 bytes; others allow more)."""


def fit(name: str) -> str:
    """A generated identifier (CTE, alias) within every target's limit: names too long keep
    their first bytes and end with a hash of the whole name, so that two long names sharing a
    prefix stay distinct, and the same name always gives the same identifier."""
    raw = name.encode()
    if len(raw) <= IDENTIFIER_BYTES:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:10]
    head = raw[: IDENTIFIER_BYTES - len(digest) - 1].decode(errors="ignore")
    return f"{head}_{digest}"


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table) if table else None)


def alias(expression: exp.Expr, name: str) -> exp.Alias:
    return exp.Alias(this=expression, alias=ident(name))


def table(name: str, alias_name: str | None = None) -> exp.Table:
    node = exp.Table(this=ident(name))
    if alias_name:
        node.set("alias", exp.TableAlias(this=ident(alias_name)))
    return node


def number(value: int | str) -> exp.Expr:
    return exp.Literal.number(value)


def unit(name: str) -> exp.Var:
    return exp.Var(this=name.upper())


def date_literal(day: dt.date) -> exp.Cast:
    return exp.Cast(this=exp.Literal.string(day.isoformat()), to=exp.DataType.build("DATE"))


def hour_literal(day: dt.date, hour: int) -> Instant:
    return Instant(this=exp.Literal.string(f"{day.isoformat()} {hour:02d}:00:00"))


def cast(expression: exp.Expr, to: str) -> exp.Cast:
    return exp.Cast(this=expression, to=exp.DataType.build(to))


def func(name: str, *args: exp.Expr) -> exp.Anonymous:
    """A function called by its exact name in the target (used only in target renderers)."""
    return exp.Anonymous(this=name, expressions=list(args))


def conjunction(conditions: list[exp.Expr]) -> exp.Expr | None:
    """AND of conditions (each parenthesised when it is itself an OR), or None when empty."""
    parts = [exp.Paren(this=c) if isinstance(c, exp.Or) else c for c in conditions]
    if not parts:
        return None
    result = parts[0]
    for part in parts[1:]:
        result = exp.And(this=result, expression=part)
    return result


def disjunction(conditions: list[exp.Expr]) -> exp.Expr:
    parts = [exp.Paren(this=c) if isinstance(c, exp.And) else c for c in conditions]
    result = parts[0]
    for part in parts[1:]:
        result = exp.Or(this=result, expression=part)
    return result


def paren(expression: exp.Expr) -> exp.Expr:
    """Parenthesise operators so that the tree prints with the meaning it has."""
    if isinstance(expression, exp.Neg) and isinstance(expression.this, exp.Literal):
        return expression
    if isinstance(expression, exp.Binary | exp.Neg | exp.Not):
        return exp.Paren(this=expression)
    return expression


def cte(name: str, query: exp.Expr, columns: list[str] | None = None) -> exp.CTE:
    table_alias = exp.TableAlias(this=ident(name))
    if columns:
        table_alias.set("columns", [ident(c) for c in columns])
    return exp.CTE(this=query, alias=table_alias)
