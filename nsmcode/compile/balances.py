"""Balances (`type: balance`): a value read at the end (or start) of each period per entity,
then summed across entities — MRR, seats, open tickets, an account balance.

A balance is additive across entities but not over time: each entity contributes its last (or
first) observation in the period, never the sum of its observations. An observation is a row
whose value and entity are not NULL; among an entity's observations at the same instant, the
largest value wins (so the result does not depend on row order). Balances are not carried
forward: an entity without an observation in a period contributes nothing to it, so a source
should hold one row per entity per day (a snapshot) or per change.

One query on every target: ROW_NUMBER over (period, entity) ordered by the event time (latest
first for `end`, earliest first for `start`), then by the value, largest first; the first rows
are summed per period and segment (an entity counts in the segment of its chosen row).
"""

from __future__ import annotations

from sqlglot import exp

from nsmcode.compile import plan as p
from nsmcode.compile.expressions import alias, col, conjunction, number, table


def balance_query(
    measure: p.Measure, source_cte: str, segment_cols: list[str], flag: list[exp.Expr]
) -> exp.Select:
    """(period, segments..., value) of one balance measure."""
    column, entity = measure.columns
    value, who = col(f"c_{column}"), col(f"c_{entity}")
    latest = measure.at != "start"
    order = [
        exp.Ordered(this=col("nsm_ts"), desc=latest, nulls_first=False),
        exp.Ordered(this=value.copy(), desc=True, nulls_first=False),
    ]
    window = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col("period"), who.copy()],
        order=exp.Order(expressions=order),
    )
    ranked = exp.Select()
    ranked.select(col("period"), *(col(c) for c in segment_cols), copy=False)
    ranked.select(alias(value.copy(), "nsm_x"), alias(window, "nsm_r"), copy=False)
    ranked.from_(table(source_cte), copy=False)
    known = [
        exp.Not(this=exp.Is(this=e.copy(), expression=exp.Null())) for e in (value, who)
    ]
    where = conjunction([*flag, *known])
    assert where is not None
    ranked.where(where, copy=False)

    keys = [col("period", "r"), *(col(c, "r") for c in segment_cols)]
    select = exp.Select()
    select.select(*keys, copy=False)
    select.select(alias(exp.Sum(this=col("nsm_x", "r")), "value"), copy=False)
    select.from_(
        exp.Subquery(this=ranked, alias=exp.TableAlias(this=exp.to_identifier("r"))), copy=False
    )
    select.where(exp.EQ(this=col("nsm_r", "r"), expression=number(1)), copy=False)
    select.group_by(*(k.copy() for k in keys), copy=False)
    return select


def is_balance(leaf: p.Leaf) -> bool:
    """A balance leaf needs the event time in its scan (to order observations)."""
    return isinstance(leaf, p.Measure) and leaf.aggregation == "balance"
