"""Comparisons of truncated times, rewritten as ranges over the raw time column.

MetricFlow filters compare a time truncated to a grain with a date:
`{{ TimeDimension('metric_time', 'month') }} = '2024-03-01'`. nsmcode conditions are portable
SQL without date functions, so the comparison becomes the range it means:
`ordered_at >= CAST('2024-03-01' AS DATE) AND ordered_at < CAST('2024-04-01' AS DATE)`.
For a period start S of the date D (S = D when D starts a period) and the next period start N:

    trunc(t) =  D   ->  t >= S AND t < N        (D must start a period)
    trunc(t) <> D   ->  t < S OR t >= N
    trunc(t) >= D   ->  t >= D if D = S, else t >= N
    trunc(t) >  D   ->  t >= N
    trunc(t) <  D   ->  t < D if D = S, else t < N
    trunc(t) <= D   ->  t < N

plus BETWEEN, IN and IS [NOT] NULL. `date_part('year') = 2024` is the year's range. Anything else
(a truncated time compared with a column, a month number) raises ValueError with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot import exp

    from nsmcode.dbt_import.filters import Slot

_PLACEHOLDER = re.compile(r"^nsm_slot_(\d+)$")
GRAINS = ("day", "week", "month", "quarter", "year")


def period_start(day: dt.date, grain: str) -> dt.date:
    """The start of the period holding `day` (weeks start on Monday)."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)


def next_start(start: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return start + dt.timedelta(days=1)
    if grain == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def rewrite(sql: str, slots: list[Slot], dialect: str) -> str:
    import sqlglot

    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid SQL"
        raise ValueError(f"the translated condition is not valid SQL: {first}") from exc
    for column in list(tree.find_all(sqlglot.exp.Column)):
        match = _PLACEHOLDER.match(column.name)
        if match is None or column.table:
            continue
        slot = slots[int(match.group(1))]
        raw = sqlglot.parse_one(slot.sql, read=dialect)
        parent = column.parent
        if parent is None:
            raise ValueError("a truncated time must be compared with a date")
        replacement = _range(parent, column, raw, slot)
        if parent is tree:
            tree = replacement
        else:
            parent.replace(replacement)
    if isinstance(tree, sqlglot.exp.Paren):
        tree = tree.this
    return tree.sql(dialect=dialect)


def _range(node: exp.Expr, column: exp.Expr, raw: exp.Expr, slot: Slot) -> exp.Expr:
    from sqlglot import exp

    grain = _grain(slot)
    flipped: dict[type[exp.Expr], type[exp.Expr]] = {
        exp.GT: exp.LT,
        exp.GTE: exp.LTE,
        exp.LT: exp.GT,
        exp.LTE: exp.GTE,
    }
    if isinstance(node, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)):
        op: type[exp.Expr] = type(node)
        if node.this is column:
            other = node.expression
        else:
            other = node.this
            op = flipped.get(op, op)
        return _compare(raw, op, _date(other, slot), grain)
    if isinstance(node, exp.Between) and node.this is column:
        low = _compare(raw, exp.GTE, _date(node.args["low"], slot), grain)
        high = _compare(raw, exp.LTE, _date(node.args["high"], slot), grain)
        return exp.Paren(this=exp.And(this=low, expression=high))
    if isinstance(node, exp.In) and node.this is column and node.expressions:
        parts = [_compare(raw, exp.EQ, _date(v, slot), grain) for v in node.expressions]
        result = parts[0]
        for part in parts[1:]:
            result = exp.Or(this=result, expression=part)
        return exp.Paren(this=result)
    if isinstance(node, exp.Is) and node.this is column:
        node.set("this", raw.copy())  # truncating keeps NULL as NULL
        return node
    raise ValueError(
        "a time truncated to a grain can only be compared with a date "
        "(=, <>, <, <=, >, >=, BETWEEN, IN, IS NULL)"
    )


def _grain(slot: Slot) -> str:
    if slot.date_part is not None:
        if slot.date_part != "year":
            raise ValueError(
                f"date_part {slot.date_part!r} repeats every year; only 'year' has a plain-SQL "
                "equivalent (a range of dates)"
            )
        return "year"
    assert slot.grain is not None
    if slot.grain not in GRAINS:
        raise ValueError(f"a filter at grain {slot.grain!r} is not carried over")
    return slot.grain


def _date(node: exp.Expr, slot: Slot) -> dt.date:
    from sqlglot import exp

    if slot.date_part is not None:
        if isinstance(node, exp.Literal) and node.is_int:
            return dt.date(int(node.this), 1, 1)
        raise ValueError("a year must be compared with a number, e.g. 2024")
    if isinstance(node, exp.Cast):
        node = node.this
    if isinstance(node, exp.Literal) and node.is_string:
        text = str(node.this).strip()
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError:
            day = None
        rest = text[10:].strip().lstrip("T")
        if day is not None and rest.strip("0:. ") == "":
            return day
    raise ValueError(f"{node.sql()} is not a date literal such as '2024-03-01'")


def _literal(day: dt.date) -> exp.Expr:
    from sqlglot import exp

    return exp.Cast(this=exp.Literal.string(day.isoformat()), to=exp.DataType.build("DATE"))


def _compare(raw: exp.Expr, op: type[exp.Expr], day: dt.date, grain: str) -> exp.Expr:
    from sqlglot import exp

    start = period_start(day, grain)
    after = next_start(start, grain)
    aligned = start == day

    def cmp(kind: type[exp.Expr], when: dt.date) -> exp.Expr:
        return kind(this=raw.copy(), expression=_literal(when))

    if op in (exp.EQ, exp.NEQ):
        if not aligned:
            raise ValueError(
                f"{day.isoformat()} does not start a {grain}, so a {grain} never equals it"
            )
        if op is exp.EQ:
            return exp.Paren(this=exp.And(this=cmp(exp.GTE, start), expression=cmp(exp.LT, after)))
        return exp.Paren(this=exp.Or(this=cmp(exp.LT, start), expression=cmp(exp.GTE, after)))
    if op is exp.GTE:
        return cmp(exp.GTE, start if aligned else after)
    if op is exp.GT:
        return cmp(exp.GTE, after)
    if op is exp.LT:
        return cmp(exp.LT, start if aligned else after)
    return cmp(exp.LT, after)  # LTE
