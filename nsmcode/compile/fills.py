"""`fill_nulls_with`: a metric that reads a number instead of NULL.

Without it, an empty period reads 0 for counts and sums and NULL otherwise (the leaf's fill, see
plan.py). With it, the metric's value is COALESCE(value, constant) and its own leaf reads no 0
first, so an empty period of a count reads the constant too. Wherever the metric's value is read
(the output, a ratio, a derived expression, an offset or a period-over-period) it is the filled
value; cumulative, conversion and retention metrics read rows, not values, so a fill of the
metric they build on does not change them.
"""

from __future__ import annotations

from dataclasses import replace

from nsmcode.compile import plan as p


def filled(value: p.Value, constant: float) -> p.Value:
    if isinstance(value, p.Ref):
        value = replace(value, fill=None)
    return p.Call("coalesce", (value, p.Number(number_text(constant))))


def number_text(constant: float) -> str:
    """A whole number without `.0` (so a count filled with 0 stays an integer column)."""
    if constant.is_integer() and abs(constant) < 2**53:
        return str(int(constant))
    return repr(constant)
