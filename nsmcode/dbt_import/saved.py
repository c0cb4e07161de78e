"""dbt saved queries -> nsmcode `saved_queries:`.

| dbt `query_params` | nsmcode |
| `metrics` | `metrics` (each must be carried over) |
| `group_by: TimeDimension('metric_time', 'week')` | `grain: week` (none: `grain: total`) |
| `group_by: Dimension('customer__region')` | `segments: [region]` |
| `where` (Dimension filters) | `where` over the dimension names |

A group-by nsmcode cannot break down by (an entity, a time dimension other than metric_time, two
grains) would change the numbers, so the saved query is left out and reported (D115). `order_by`,
`limit` (presentation: `nsmcode query --saved NAME --order ... --limit ...`) and `exports`
(`nsmcode materialize` writes every saved query) are reported, and the query is carried.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from nsmcode.dbt_import.filters import JINJA, FilterError, parse_call
from nsmcode.dbt_import.reader import Located, not_carried
from nsmcode.dbt_import.semantic import Builder
from nsmcode.diagnostics import Diagnostic, Span

GRAINS = ("day", "week", "month", "quarter")
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
        where = self._where(loc, params)
        if where:
            definition["where"] = where
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
            if grain not in GRAINS:
                raise self._skip(
                    loc,
                    f"group_by {text!r}: grain {grain!r} is not carried over (nsmcode grains: "
                    f"{', '.join(GRAINS)})",
                    span,
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

    def _where(self, loc: Located, params: Located) -> str | None:
        value = params.get("where")
        if value is None:
            return None
        if isinstance(value, dict):  # a compiled manifest: {where_filters: [{where_sql_template}]}
            value = [f.get("where_sql_template") for f in value.get("where_filters") or []]
        texts = [value] if isinstance(value, str) else list(value)
        conditions: list[str] = []
        for i, text in enumerate(texts):
            span = params.span("where", i) if not isinstance(value, str) else params.span("where")

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
            return conditions[0]
        return " AND ".join(f"({c})" for c in conditions) or None
