"""`{{ Metric('orders', group_by=['customer']) }} > 3` filters -> nsmcode metric filters.

MetricFlow computes the metric per entity over all time and keeps the rows of the entities whose
value passes the comparison; an nsmcode `metric_filter: {metric, per, over: all_time, ...}` does
the same. A filter is split into its top-level AND terms: each term on a `Metric()` is one
comparison with a number (or a BETWEEN); the other terms stay ordinary SQL filters. OR, NOT,
`!=` and comparisons with anything but a number have no metric-filter equivalent and are
reported (FilterError).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from nsmcode.dbt_import.filters import JINJA, FilterError

PER_ENTITY = ("count", "count_distinct", "sum", "average", "min", "max")
"""What nsmcode computes per entity for a metric filter (else C050)."""
_TESTS: dict[str, Callable[[float, float], bool]] = {
    "more_than": lambda x, v: x > v,
    "at_least": lambda x, v: x >= v,
    "less_than": lambda x, v: x < v,
    "at_most": lambda x, v: x <= v,
    "equals": lambda x, v: x == v,
}
_LOWER = {"at_least", "more_than"}
_UPPER = {"at_most", "less_than"}
_FLIP = {"more_than": "less_than", "at_least": "at_most", "less_than": "more_than",
         "at_most": "at_least", "equals": "equals"}  # fmt: skip


@dataclass
class MetricTerm:
    """The bounds one filter puts on one metric per one entity."""

    metric: str
    per: str
    bounds: dict[str, float] = field(default_factory=dict)

    def add(self, bound: str, value: float) -> None:
        clash = (
            bound in self.bounds
            or (bound in _LOWER and self.bounds.keys() & _LOWER)
            or (bound in _UPPER and self.bounds.keys() & _UPPER)
            or "equals" in self.bounds
            or (bound == "equals" and self.bounds)
        )
        if clash:
            raise FilterError(
                f"two bounds of the same kind on Metric({self.metric!r}): write one lower and "
                "one upper bound, or one `=`"
            )
        self.bounds[bound] = value


def has_metric(text: str) -> bool:
    return any(_is_metric(m.group(1)) for m in JINJA.finditer(text))


def _is_metric(source: str) -> bool:
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return False
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)):
        return False
    return tree.func.id == "Metric"


def _metric_call(source: str) -> tuple[str, str]:
    """(metric, entity) of `Metric('m', group_by=['e'])`, read with `ast`, never evaluated."""
    tree = ast.parse(source.strip(), mode="eval").body
    if not _is_metric(source):
        raise FilterError("a comparison here must be on Metric(...)")
    assert isinstance(tree, ast.Call)
    args = tree.args
    first = args[0] if args else None
    if len(args) > 2 or not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        raise FilterError("Metric(...) needs the metric's name as a quoted string")
    given = [("group_by", args[1])] if len(args) == 2 else []  # Metric('m', ['e'])
    group_by: list[str] = []
    for name, value in [*given, *((k.arg, k.value) for k in tree.keywords)]:
        if name != "group_by" or not isinstance(value, (ast.List, ast.Tuple)):
            raise FilterError(f"`{name}=` in Metric(...) is not supported")
        for item in value.elts:
            if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
                raise FilterError("Metric(...)'s group_by must be a list of quoted strings")
            group_by.append(item.value)
    if len(group_by) != 1 or "__" in group_by[0]:
        raise FilterError(
            "Metric(...) must be grouped by exactly one entity (`group_by=['customer']`): nsmcode "
            "computes a metric filter per one entity"
        )
    return first.value, group_by[0]


def split(text: str, dialect: str) -> tuple[str | None, list[MetricTerm]]:
    """The filter without its Metric() terms (None when nothing is left) and those terms."""
    import sqlglot
    from sqlglot import exp

    sources: list[str] = []

    def mark(match: object) -> str:
        assert hasattr(match, "group")
        sources.append(match.group(0))
        return f"nsm_jinja_{len(sources) - 1}"

    marked = JINJA.sub(mark, text)
    try:
        tree = sqlglot.parse_one(marked, read=dialect)
    except sqlglot.errors.ParseError as exc:
        raise FilterError("the filter around Metric(...) is not valid SQL") from exc
    terms: dict[tuple[str, str], MetricTerm] = {}
    rest: list[str] = []
    for conjunct in tree.flatten() if isinstance(tree, exp.And) else [tree]:
        while isinstance(conjunct, exp.Paren):
            conjunct = conjunct.this
        metrics = [
            c for c in conjunct.find_all(exp.Column)
            if c.name.startswith("nsm_jinja_") and _is_metric(_inner(sources, c.name))
        ]  # fmt: skip
        if not metrics:
            sql = conjunct.sql(dialect=dialect)
            for i in range(len(sources) - 1, -1, -1):
                sql = sql.replace(f"nsm_jinja_{i}", sources[i])
            rest.append(sql)
            continue
        for bound, side, value in _comparisons(conjunct):
            metric, per = _metric_call(_inner(sources, side))
            terms.setdefault((metric, per), MetricTerm(metric, per)).add(bound, value)
    remaining = " AND ".join(f"({r})" if len(rest) > 1 else r for r in rest) or None
    return remaining, list(terms.values())


def _inner(sources: list[str], placeholder: str) -> str:
    match = JINJA.fullmatch(sources[int(placeholder.removeprefix("nsm_jinja_"))])
    assert match is not None
    return match.group(1)


def _comparisons(node: object) -> list[tuple[str, str, float]]:
    """(bound, placeholder, number) for a comparison or BETWEEN of one Metric() and numbers."""
    from sqlglot import exp

    ops: dict[type, str] = {
        exp.GT: "more_than",
        exp.GTE: "at_least",
        exp.LT: "less_than",
        exp.LTE: "at_most",
        exp.EQ: "equals",
    }
    why = (
        "a Metric(...) filter must compare the metric with a number (>, >=, <, <=, = or "
        "BETWEEN), ANDed with the other conditions; OR, NOT and != have no nsmcode equivalent"
    )
    if isinstance(node, exp.Between):
        side = node.this
        low, high = _number(node.args["low"]), _number(node.args["high"])
        if not isinstance(side, exp.Column) or low is None or high is None:
            raise FilterError(why)
        return [("at_least", side.name, low), ("at_most", side.name, high)]
    bound = ops.get(type(node)) if isinstance(node, exp.Binary) else None
    if bound is None or not isinstance(node, exp.Binary):
        raise FilterError(why)
    left, right = node.this, node.expression
    if isinstance(left, exp.Column) and (value := _number(right)) is not None:
        return [(bound, left.name, value)]
    if isinstance(right, exp.Column) and (value := _number(left)) is not None:
        return [(_FLIP[bound], right.name, value)]
    raise FilterError(why)


def _number(node: object) -> float | None:
    from sqlglot import exp

    negative = isinstance(node, exp.Neg)
    if negative:
        assert isinstance(node, exp.Neg)
        node = node.this
    if isinstance(node, exp.Literal) and not node.is_string:
        value = float(node.this)
        return -value if negative else value
    return None


def bounds(term: MetricTerm, kind: object) -> dict[str, int | float]:
    """The term's bounds, checked against what the referenced metric computes (`kind`).

    MetricFlow drops entities without rows (their value is NULL); nsmcode gives them 0 for
    counts and sums. For a count, `more_than: 0` is exactly "has rows", so it replaces a lower
    bound that 0 would pass; a sum of 0 can also come from rows, so there it is reported.
    """
    if kind not in PER_ENTITY:
        raise FilterError(
            f"Metric({term.metric!r}) is not a count, count_distinct, sum, average, min or max "
            "of a model's rows (C050), so it cannot filter by entity"
        )
    found = dict(term.bounds)
    if all(_TESTS[bound](0.0, value) for bound, value in found.items()):
        if kind in ("count", "count_distinct"):
            if "equals" in found:
                raise FilterError(
                    "`= 0` on a count keeps no entity in MetricFlow (an entity without rows "
                    "has no value) and every entity without rows in nsmcode"
                )
            found = {b: v for b, v in found.items() if b not in _LOWER}
            found["more_than"] = 0.0
        elif kind == "sum":
            raise FilterError(
                "bounds that 0 passes on a sum: MetricFlow drops entities without rows, "
                "nsmcode reads 0 for them, and a sum of 0 from rows cannot be told apart"
            )
    order = ("more_than", "at_least", "less_than", "at_most", "equals")
    return {b: _plain(found[b]) for b in order if b in found}


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
