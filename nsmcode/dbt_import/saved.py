"""dbt saved queries -> nsmcode `saved_queries:`.

| dbt `query_params` | nsmcode |
| `metrics` | `metrics` (each must be carried over) |
| `group_by: TimeDimension('metric_time', 'week')` | `grain: week` (or hour...; none: `total`) |
| `group_by: Dimension('customer__region')` | `segments: [region]` |
| `where` (Dimension filters) | `where` over the dimension names |

A group-by nsmcode cannot break down by (an entity, a time dimension other than metric_time, two
grains) would change the numbers, so the saved query is left out and reported (D115). `order_by`,
`limit` (presentation: `nsmcode query --saved NAME --order ... --limit ...`) and `exports`
(`nsmcode materialize` writes every saved query) are reported, and the query is carried.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

from nsmcode.dbt_import.filters import JINJA, FilterError, parse_call
from nsmcode.dbt_import.reader import Located, not_carried
from nsmcode.dbt_import.semantic import Builder
from nsmcode.dbt_import.timeranges import next_start, period_start
from nsmcode.diagnostics import Diagnostic, Span

GRAINS = ("day", "week", "month", "quarter", "year")
# a saved query may be hourly; its `where` time bounds are days at the grains above
GROUP_GRAINS = ("hour", *GRAINS)
_KEYS = {"name", "description", "label", "query_params", "exports", "config", "meta", "tags"}
_PARAMS = {"metrics", "group_by", "where", "order_by", "limit"}


class Skipped(Exception):
    """The saved query is not carried over; the reason was reported."""


class SavedQueries:
    def __init__(self, builder: Builder, carried: dict[str, str]) -> None:
        self.builder = builder
        self.carried = carried
        """dbt metric name -> nsmcode metric name, for the metrics carried over."""
        self.out: list[tuple[dict[str, Any], Span]] = []
        self.problems: list[Diagnostic] = []
        self.custom_grains: dict[str, Span] = {}
        """The dbt time spine's custom granularities (query grains only in nsmcode)."""

    def add(self, loc: Located) -> None:
        with contextlib.suppress(Skipped):
            self.out.append((self._translate(loc), loc.span()))

    def _skip(self, loc: Located, message: str, span: Span, hint: str | None = None) -> Skipped:
        self.problems.append(
            not_carried("D115", f"saved query {loc.name!r}: {message}", span, hint)
        )
        return Skipped(loc.name)

    def _note(self, loc: Located, message: str, span: Span) -> None:
        self.problems.append(not_carried("D115", f"saved query {loc.name!r}: {message}", span))

    def _translate(self, loc: Located) -> dict[str, Any]:
        params = loc.child("query_params") or loc  # manifests and YAML both nest query_params
        definition: dict[str, Any] = {"name": loc.name}
        description = loc.get("description") or loc.get("label")
        if isinstance(description, str) and description.strip():
            definition["description"] = description.strip()
        metrics = params.get("metrics")
        if not isinstance(metrics, list) or not metrics:
            raise self._skip(loc, "it names no metrics", params.span())
        names: list[str] = []
        for i, metric in enumerate(metrics):
            carried = self.carried.get(str(metric))
            if carried is None:
                raise self._skip(
                    loc,
                    f"metric {metric!r} was not carried over, so neither is the query",
                    params.span("metrics", i),
                )
            names.append(carried)
        definition["metrics"] = names
        grains: list[str] = []
        segments: list[str] = []
        for i, item in enumerate(params.get("group_by") or []):
            span = params.span("group_by", i)
            grain, segment = self._group_by(loc, str(item), span)
            if grain is not None and grain not in grains:
                grains.append(grain)
            if segment is not None and segment not in segments:
                segments.append(segment)
        if len(grains) > 1:
            raise self._skip(
                loc,
                f"it groups by metric_time at {' and '.join(grains)}; an nsmcode saved query "
                "has one grain",
                params.span("group_by"),
            )
        definition["grain"] = grains[0] if grains else "total"
        if segments:
            definition["segments"] = segments
        where, bounds = self._where(loc, params, definition["grain"])
        if where:
            definition["where"] = where
        definition.update(bounds)
        for key in ("order_by", "limit"):
            if params.get(key) is not None:
                self._note(
                    loc,
                    f"`{key}` is not carried over (the query is): give --order / --limit to "
                    "`nsmcode query --saved`",
                    params.span(key, key=True),
                )
        if loc.get("exports"):
            self._note(
                loc,
                "`exports` are not carried over (the query is): `nsmcode materialize` writes "
                "saved queries into the schema under `materialize:` in nsmcode.yaml",
                loc.span("exports", key=True),
            )
        for key in loc.value:
            if key not in _KEYS:
                self._note(loc, f"`{key}` is not carried over", loc.span(key, key=True))
        for key in params.value if params is not loc else ():
            if key not in _PARAMS:
                self._note(loc, f"`{key}` is not carried over", params.span(key, key=True))
        return definition

    def _group_by(self, loc: Located, text: str, span: Span) -> tuple[str | None, str | None]:
        source = text.strip()
        if source.startswith("{{") and source.endswith("}}"):
            source = source[2:-2].strip()
        try:
            call = parse_call(source)
        except FilterError as exc:
            raise self._skip(loc, f"group_by {text!r} is not carried over: {exc}", span) from exc
        name = call.parts[-1]
        if call.kind == "Entity":
            raise self._skip(
                loc,
                f"group_by {text!r}: nsmcode breaks saved queries down by dimensions, not "
                "entities",
                span,
                "declare the entity's column as a dimension in dbt if a breakdown is meant",
            )
        if name == "metric_time":
            grain = call.grain or "day"
            if grain not in GROUP_GRAINS:
                custom = grain in self.custom_grains
                raise self._skip(
                    loc,
                    f"group_by {text!r}: grain {grain!r} is not carried over "
                    + (
                        "(a custom granularity is a query's grain in nsmcode, not a saved "
                        "query's)"
                        if custom
                        else f"(nsmcode grains: {', '.join(GROUP_GRAINS)})"
                    ),
                    span,
                    f"query the metrics with `--by {grain}`" if custom else None,
                )
            return grain, None
        if self._is_dimension(name, time=False):
            if call.grain is not None or call.date_part is not None:
                raise self._skip(
                    loc, f"group_by {text!r}: a categorical dimension has no grain", span
                )
            return None, name
        raise self._skip(
            loc,
            f"group_by {text!r}: nsmcode saved queries break down by categorical dimensions "
            "and metric_time only",
            span,
        )

    def _is_dimension(self, name: str, *, time: bool) -> bool:
        return any(
            dim.time == time
            for model in self.builder.models.values()
            for dim in model.dimensions.values()
            if dim.name == name
        )

    def _where(
        self, loc: Located, params: Located, grain: str
    ) -> tuple[str | None, dict[str, dt.date]]:
        """The `where` over dimension names, and the `since`/`until` a metric_time bound gives."""
        value = params.get("where")
        bounds: dict[str, dt.date] = {}
        if value is None:
            return None, bounds
        if isinstance(value, dict):  # a compiled manifest: {where_filters: [{where_sql_template}]}
            value = [f.get("where_sql_template") for f in value.get("where_filters") or []]
        texts = [value] if isinstance(value, str) else list(value)
        conditions: list[str] = []
        for i, text in enumerate(texts):
            span = params.span("where", i) if not isinstance(value, str) else params.span("where")
            found = time_bounds(str(text), grain)
            if found is not None:
                for key, day in found.items():
                    earlier = bounds.get(key)
                    if earlier is None or (day > earlier) == (key == "since"):
                        bounds[key] = day
                continue

            def replace(match: re.Match[str], text: str = str(text), span: Span = span) -> str:
                try:
                    call = parse_call(match.group(1).strip())
                except FilterError as exc:
                    raise self._skip(loc, f"where {text.strip()!r}: {exc}", span) from exc
                name = call.parts[-1]
                if call.kind != "Dimension" or call.grain or call.date_part:
                    raise self._skip(
                        loc,
                        f"where {text.strip()!r}: nsmcode saved queries filter on categorical "
                        "dimensions only",
                        span,
                        "bound the periods with since/until in nsmcode instead",
                    )
                if not self._is_dimension(name, time=False):
                    raise self._skip(loc, f"where {text.strip()!r}: no dimension {name!r}", span)
                return name

            conditions.append(JINJA.sub(replace, str(text)).strip())
        if len(conditions) == 1:
            return conditions[0], bounds
        return " AND ".join(f"({c})" for c in conditions) or None, bounds


def time_bounds(text: str, grain: str) -> dict[str, dt.date] | None:
    """`{{ TimeDimension('metric_time', G) }} >= '2024-03-01'` (and >, <, <=, =, BETWEEN) as the
    saved query's `since`/`until`, when the query's grain is G or a total: MetricFlow keeps the
    rows whose G period compares so, which are the periods (or, for a total, the days) from/to
    that bound. None: not such a bound (the caller reports it)."""
    import sqlglot
    from sqlglot import exp

    calls = JINJA.findall(text)
    if len(calls) != 1:
        return None
    try:
        call = parse_call(calls[0].strip())
    except FilterError:
        return None
    unit = call.grain or "day"
    if call.parts[-1] != "metric_time" or call.date_part or grain not in (unit, "total"):
        return None
    if unit not in GRAINS:
        return None
    try:
        tree = sqlglot.parse_one(JINJA.sub("nsm_time", text))
    except sqlglot.errors.ParseError:
        return None

    def day(node: exp.Expr) -> dt.date | None:
        node = node.this if isinstance(node, exp.Cast) else node
        if not (isinstance(node, exp.Literal) and node.is_string):
            return None
        try:
            return dt.date.fromisoformat(str(node.this).strip()[:10])
        except ValueError:
            return None

    def is_time(node: exp.Expr) -> bool:
        return isinstance(node, exp.Column) and node.name == "nsm_time" and not node.table

    one_day = dt.timedelta(days=1)

    def from_(d: dt.date, strict: bool) -> dt.date:  # first day whose period is >= (>) d's
        start = period_start(d, unit)
        return start if start == d and not strict else next_start(start, unit)

    def to(d: dt.date, strict: bool) -> dt.date:  # last day whose period is <= (<) d's
        start = period_start(d, unit)
        return (start if start == d and strict else next_start(start, unit)) - one_day

    bounds: dict[str, dt.date] = {}
    if isinstance(tree, exp.Between) and is_time(tree.this):
        low, high = day(tree.args["low"]), day(tree.args["high"])
        if low is None or high is None:
            return None
        bounds = {"since": from_(low, False), "until": to(high, False)}
    elif isinstance(tree, (exp.GTE, exp.GT, exp.LTE, exp.LT, exp.EQ)):
        flipped: dict[type[exp.Expr], type[exp.Expr]] = {
            exp.GTE: exp.LTE,
            exp.GT: exp.LT,
            exp.LTE: exp.GTE,
            exp.LT: exp.GT,
        }
        op: type[exp.Expr] = type(tree)
        if is_time(tree.this):
            d = day(tree.expression)
        elif is_time(tree.expression):  # '2024-01-01' <= time
            op, d = flipped.get(op, op), day(tree.this)
        else:
            return None
        if d is None or (op is exp.EQ and period_start(d, unit) != d):
            return None  # a period never equals a date that does not start one
        if op in (exp.GTE, exp.GT, exp.EQ):
            bounds["since"] = from_(d, op is exp.GT)
        if op in (exp.LTE, exp.LT, exp.EQ):
            bounds["until"] = to(d, op is exp.LT)
    else:
        return None
    if grain != "total" and "until" in bounds:  # `until` is the last period's start
        bounds["until"] = period_start(bounds["until"], unit)
    return bounds
