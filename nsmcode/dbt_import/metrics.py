"""dbt metrics -> nsmcode metrics.

- simple: the measure's aggregation on the measure's source, with the measure's and the metric's
  filters as the nsmcode `filter`;
- ratio: numerator / denominator metrics (a filtered input becomes its own metric);
- derived: the expression over metric names, aliases replaced by the metrics they stand for;
- cumulative and conversion: see `windowed`.

A filter on an input cannot be a property of a reference in nsmcode, so the input is copied into
a metric of its own named `<metric>__<role>`; dbt names never contain `__`, so these names never
clash with imported ones. Whatever has no equivalent is reported (Severity.WARNING diagnostics
located in the dbt file) and the metrics that depend on it are left out, never half-imported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from nsmcode.dbt_import import offsets
from nsmcode.dbt_import.filters import Context, FilterError, Reference, translate
from nsmcode.dbt_import.metric_filters import MetricTerm, bounds, has_metric, split
from nsmcode.dbt_import.reader import Located, not_carried, short_name
from nsmcode.dbt_import.semantic import Builder, Measure, SemanticModel, sql_text
from nsmcode.diagnostics import Diagnostic, Span

GRAINS = ("hour", "day", "week", "month", "quarter", "year")
_METRIC_KEYS = {"name", "type", "type_params", "filter", "time_granularity", "fill_nulls_with"}

@dataclass(frozen=True)
class DbtFilter:
    """A dbt filter (Jinja + SQL) and where it is written."""

    text: str
    span: Span


Qualify = Callable[[Reference, Context], str]
Handler = Callable[["Located", "Located", tuple["DbtFilter", ...], str], dict[str, Any]]


class Failed(Exception):
    """This metric is not carried over; the reason was reported already."""


class MetricTranslator:
    def __init__(self, builder: Builder, metrics: list[Located], dialect: str, qualify: Qualify):
        self.builder = builder
        self.dialect = dialect
        self.qualify = qualify
        self.dbt: dict[str, Located] = {}
        self.problems: list[Diagnostic] = []
        for loc in metrics:
            if loc.name in self.dbt:
                first = self.dbt[loc.name].span()
                self.problems.append(
                    not_carried(
                        "D108",
                        f"metric {loc.name!r} is defined twice (first at {first}); "
                        "this copy is left out",
                        loc.span("name"),
                    )
                )
                continue
            self.dbt[loc.name] = loc
        self.out: dict[str, tuple[dict[str, Any], Span]] = {}
        self.done: dict[tuple[str, tuple[DbtFilter, ...]], str | None] = {}
        self._active: set[str] = set()
        self.segmented: dict[str, SemanticModel] = {}
        self.qualifiers: dict[str, tuple[dict[str, Any], Span]] = {}
        self.custom_grains: dict[str, Span] = {}
        """The dbt time spine's custom granularities (query grains only in nsmcode)."""
        """Qualifiers written for metrics with several `Metric()` filters."""
        """Aggregations -> the model whose reachable dimensions are their segments."""

    def run(self) -> list[tuple[dict[str, Any], Span]]:
        for name in self.dbt:
            self.metric(name, (), name, None)
        return list(self.out.values())

    def finish(self) -> None:
        """Every aggregation's segments: the dimensions its source reaches through all its
        joins, including those filters of other metrics added."""
        for name, model in self.segmented.items():
            if name not in self.out:
                continue
            definition = self.out[name][0]
            segments = self.builder.segments(model)
            if segments:
                definition["segments"] = segments
            else:
                definition.pop("segments", None)

    # -- references ---------------------------------------------------------------------------

    def metric(
        self, name: str, extra: tuple[DbtFilter, ...], out_name: str, ref: Span | None
    ) -> str | None:
        """The nsmcode name of dbt metric `name` with `extra` filters pushed into its inputs."""
        key = (name, extra)
        if key not in self.done:
            self.done[key] = self._metric(name, extra, out_name, ref)
        result = self.done[key]
        if result is None and ref is not None and name in self.dbt:
            self.problems.append(
                not_carried(
                    "D109",
                    f"depends on metric {name!r}, which was not carried over",
                    ref,
                )
            )
        return result

    def _metric(
        self, name: str, extra: tuple[DbtFilter, ...], out_name: str, ref: Span | None
    ) -> str | None:
        loc = self.dbt.get(name)
        if loc is None:
            if name in self.builder.measures and ref is not None:
                return self.measure_metric(name, extra, out_name, ref)
            self.problems.append(
                not_carried(
                    "D112",
                    f"metric {name!r} is not defined in the dbt project",
                    ref or Span(""),
                )
            )
            return None
        if name in self._active:
            self.problems.append(
                not_carried("D112", f"metric {name!r} depends on itself", loc.span("type_params"))
            )
            return None
        self._active.add(name)
        try:
            result: str | None = self._translate(loc, extra, self._unique(out_name))
        except Failed:
            result = None
        finally:
            self._active.discard(name)
        return result

    def measure_metric(
        self, name: str, filters: tuple[DbtFilter, ...], preferred: str, ref: Span
    ) -> str | None:
        """A metric aggregating measure `name` (reusing an equivalent dbt simple metric)."""
        key = ("measure:" + name, filters)
        if key in self.done:
            return self.done[key]
        measure = self.builder.measures.get(name)
        if measure is None:
            dropped = self.builder.dropped.get(name)
            self.problems.append(
                not_carried("D109", f"measure {name!r} was not carried over (see {dropped})", ref)
                if dropped
                else not_carried("D112", f"measure {name!r} is not defined", ref)
            )
            self.done[key] = None
            return None
        if not filters:
            for metric_name, loc in self.dbt.items():
                if self._plain_simple(loc) == name:
                    return self.metric(metric_name, (), metric_name, ref)
        out_name = name if not filters and name not in self.dbt else preferred
        out_name = self._unique(out_name)
        try:
            definition = self._aggregation(out_name, measure, filters, None)
        except Failed:
            definition = None
        result = self._emit(definition, measure.loc.span()) if definition else None
        self.done[key] = result
        return result

    def _plain_simple(self, loc: Located) -> str | None:
        """The measure a dbt simple metric reads when it adds nothing to it."""
        if str(loc.get("type", "")).lower() != "simple" or loc.get("filter"):
            return None
        params = loc.child("type_params")
        measure = params.get("measure") if params else None
        if isinstance(measure, str):
            return measure
        # fill_nulls_with changes empty periods, not the rows a running total or conversion reads
        plain = {"name", "join_to_timespine", "fill_nulls_with", "alias"}
        if isinstance(measure, dict) and set(measure) <= plain and not measure.get("filter"):
            value = measure.get("name")
            return value if isinstance(value, str) else None
        return None

    def _unique(self, name: str) -> str:
        candidate, n = short_name(name), 2
        while candidate in self.out:
            candidate, n = short_name(f"{name}_{n}"), n + 1
        return candidate

    def _emit(self, definition: dict[str, Any], span: Span) -> str:
        name = str(definition["name"])
        self.out[name] = (definition, span)
        return name

    # -- one dbt metric -------------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        """dbt metric type -> its translation (windowed.Translator adds the windowed types)."""
        return {"simple": self._simple, "ratio": self._ratio, "derived": self._derived}

    def _translate(self, loc: Located, extra: tuple[DbtFilter, ...], out_name: str) -> str:
        kind = str(loc.get("type", "")).lower()
        for key in loc.value:
            if key not in _METRIC_KEYS and key not in ("label", "description", "config", "meta"):
                self.problems.append(
                    not_carried(
                        "D110",
                        f"metric {loc.name!r}: `{key}` is not carried over",
                        loc.span(key, key=True),
                    )
                )
        params = loc.child("type_params")
        if params is None:
            self._fail(loc, "D112", f"metric {loc.name!r} has no `type_params`", loc.span())
        assert params is not None
        filters = (*self._filters(loc, "filter"), *extra)
        handler = self.handlers().get(kind)
        if handler is None:
            self._fail(
                loc,
                "D112",
                f"metric {loc.name!r}: type {kind or '(none)'!r} is not carried over",
                loc.span("type"),
                "MetricFlow metric types are simple, ratio, derived, cumulative and conversion",
            )
        assert handler is not None
        definition = handler(loc, params, filters, out_name)
        fill = self._fill(loc, loc)  # newer dbt: on the metric, or its type_params
        fill = self._fill(loc, params) if fill is None else fill
        if fill is not None:
            definition["fill_nulls_with"] = fill
        self._describe(definition, loc, bool(extra))
        return self._emit(definition, loc.span())

    def _describe(self, definition: dict[str, Any], loc: Located, copy: bool) -> None:
        described: dict[str, Any] = {"name": definition.pop("name")}
        label = loc.get("label")
        if isinstance(label, str) and not copy:
            described["label"] = label
        description = loc.get("description")
        if copy:
            described["description"] = f"{loc.name}, with the filters of the metric using it."
        elif isinstance(description, str) and description.strip():
            described["description"] = description.strip()
        grain = loc.get("time_granularity")
        if grain is not None:
            if str(grain).lower() in GRAINS:
                definition["grain"] = str(grain).lower()
            else:
                custom = str(grain) in self.custom_grains
                self.problems.append(
                    not_carried(
                        "D111",
                        f"metric {loc.name!r}: default grain {grain!r} is not carried over "
                        + (
                            "(a custom granularity is a query's grain in nsmcode, not a "
                            "metric's)"
                            if custom
                            else "(nsmcode grains: hour, day, week, month, quarter, year)"
                        ),
                        loc.span("time_granularity"),
                        f"query it with `--by {grain}`" if custom else None,
                    )
                )
        rest = dict(definition)
        definition.clear()
        definition.update(described)
        definition.update(rest)

    def _fail(
        self, loc: Located, code: str, message: str, span: Span, hint: str | None = None
    ) -> NoReturn:
        self.problems.append(not_carried(code, message, span, hint))
        raise Failed(loc.name)

    def _filters(self, loc: Located, key: str) -> list[DbtFilter]:
        value = loc.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [DbtFilter(value, loc.span(key))]
        if isinstance(value, list):
            return [
                DbtFilter(str(item), loc.span(key, i))
                for i, item in enumerate(value)
                if item is not None
            ]
        self.problems.append(
            not_carried("D105", "a filter must be a string or a list of strings", loc.span(key))
        )
        raise Failed(loc.name)

    def _input(self, params: Located, key: str) -> tuple[str, Located | None, Span] | None:
        """A metric/measure input: its name, its mapping form (if any) and its span."""
        value = params.get(key)
        if isinstance(value, str):
            return value, None, params.span(key)
        child = params.child(key)
        if child is not None and isinstance(child.get("name"), str):
            return str(child.get("name")), child, child.span("name")
        return None

    # -- the five types -------------------------------------------------------------------------

    def _simple(
        self, loc: Located, params: Located, filters: tuple[DbtFilter, ...], out_name: str
    ) -> dict[str, Any]:
        found = self._input(params, "measure")
        if found is None:
            self._fail(loc, "D112", f"metric {loc.name!r} names no measure", params.span())
        assert found is not None
        measure_name, child, span = found
        measure = self._measure(loc, measure_name, span)
        extra: list[DbtFilter] = []
        if child is not None:
            extra = self._filters(child, "filter")
            self._measure_options(loc, child)
        definition = self._aggregation(out_name, measure, (*filters, *extra), loc)
        fill = self._fill(loc, child)
        if fill is not None:
            definition["fill_nulls_with"] = fill
        return definition

    def _measure(self, loc: Located, name: str, span: Span) -> Measure:
        """The measure `name`, or fail (reported) when it is unknown or was left out."""
        measure = self.builder.measures.get(name)
        if measure is not None:
            return measure
        dropped = self.builder.dropped.get(name)
        if dropped is not None:
            self._fail(
                loc,
                "D109",
                f"metric {loc.name!r}: measure {name!r} was not carried over (see {dropped})",
                span,
            )
        self._fail(loc, "D112", f"metric {loc.name!r}: measure {name!r} is not defined", span)

    def _fill(
        self, loc: Located, holder: Located | None, carried: bool = True
    ) -> float | int | None:
        """A `fill_nulls_with` number (on the metric or its measure input), or None."""
        value = holder.get("fill_nulls_with") if holder else None
        if value is None or holder is None:
            return None
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            self.problems.append(
                not_carried(
                    "D103",
                    f"metric {loc.name!r}: fill_nulls_with {value!r} is not a number, so it "
                    "is not carried over",
                    holder.span("fill_nulls_with"),
                )
            )
            return None
        if not carried:
            self.problems.append(
                not_carried(
                    "D103",
                    f"metric {loc.name!r}: fill_nulls_with on a conversion input is not "
                    "carried over; an nsmcode conversion reads its inputs' rows",
                    holder.span("fill_nulls_with", key=True),
                    "put fill_nulls_with on the conversion metric itself",
                )
            )
            return None
        return int(value) if float(value).is_integer() else float(value)

    def _measure_options(self, loc: Located, child: Located) -> None:
        for key in child.value:
            if key not in ("name", "filter", "alias", "fill_nulls_with", "join_to_timespine"):
                self.problems.append(
                    not_carried(
                        "D110",
                        f"metric {loc.name!r}: `{key}` is not carried over",
                        child.span(key, key=True),
                    )
                )

    def _aggregation(
        self,
        out_name: str,
        measure: Measure,
        filters: tuple[DbtFilter, ...],
        loc: Located | None,
    ) -> dict[str, Any]:
        model = measure.model
        ctx = Context(self.builder, model, measure.time_dimension, self.qualify)
        conditions = [measure.filter] if measure.filter else []
        terms: dict[tuple[str, str], tuple[MetricTerm, Span]] = {}
        for item in filters:
            try:
                text: str | None = item.text
                if has_metric(item.text):
                    text, found = split(item.text, self.dialect)
                    for term in found:  # several filters may bound one Metric() (a between)
                        known = terms.setdefault((term.metric, term.per), (term, item.span))[0]
                        if known is not term:
                            for bound, value in term.bounds.items():
                                known.add(bound, value)
                if text is not None:
                    conditions.append(translate(text, ctx, self.dialect))
            except FilterError as exc:
                self.problems.append(
                    not_carried(
                        "D105",
                        f"filter {item.text.strip()!r} is not carried over: {exc}",
                        item.span,
                        "compare each Metric(...) with a number, ANDed with the other terms"
                        if has_metric(item.text)
                        else "rewrite it with Dimension/TimeDimension/Entity over dimensions "
                        "the measure's semantic model reaches",
                    )
                )
                raise Failed(out_name) from exc
        definition: dict[str, Any] = {
            "name": out_name,
            "source": model.source_name(measure.time_dimension),
            "calculation": dict(measure.calculation),
        }
        if conditions:
            if len(conditions) == 1:
                definition["filter"] = conditions[0]
            else:
                definition["filter"] = " AND ".join(f"({c})" for c in conditions)
        if terms:
            self._metric_filters(definition, list(terms.values()), out_name)
        # the dimensions the source reaches, known once every filter has added its joins
        definition["segments"] = self.builder.segments(model)
        self.segmented[out_name] = model
        return definition

    def _metric_filters(
        self, definition: dict[str, Any], terms: list[tuple[MetricTerm, Span]], out_name: str
    ) -> None:
        """The `Metric()` terms as the metric's `metric_filter` (one) or qualifiers (several)."""
        written: list[dict[str, Any]] = []
        for term, span in terms:
            target = self.metric(term.metric, (), term.metric, span)
            if target is None:
                raise Failed(out_name)
            read = self.out[target][0] if target in self.out else {}
            kind = read.get("calculation", {}).get("type") if "source" in read else None
            try:
                found = bounds(term, kind)
            except FilterError as exc:
                self._not_carried(out_name, span, str(exc))
            written.append({"metric": target, "per": term.per, "over": "all_time", **found})
        if len(written) == 1:
            definition["metric_filter"] = written[0]
            return
        definition["qualifiers"] = []
        for metric_filter, (term, span) in zip(written, terms, strict=True):
            name = short_name(f"{out_name}__{term.metric}_per_{term.per}")
            reason = f"dbt filter {{{{ Metric('{term.metric}', group_by=['{term.per}']) }}}}"
            written_q = {"name": name, "metric_filter": metric_filter, "reason": reason}
            self.qualifiers[name] = (written_q, span)
            definition["qualifiers"].append(name)

    def _not_carried(self, out_name: str, span: Span, why: str) -> NoReturn:
        self.problems.append(not_carried("D105", f"filter not carried over: {why}", span))
        raise Failed(out_name)

    def _ratio(
        self, loc: Located, params: Located, filters: tuple[DbtFilter, ...], out_name: str
    ) -> dict[str, Any]:
        names: dict[str, str] = {}
        for role in ("numerator", "denominator"):
            found = self._input(params, role)
            if found is None:
                self._fail(loc, "D112", f"ratio {loc.name!r} has no {role}", params.span())
            assert found is not None
            name, child, span = found
            extra = (*filters, *(self._filters(child, "filter") if child else []))
            target = self.metric(name, extra, f"{out_name}__{role}" if extra else name, span)
            if target is None:
                raise Failed(loc.name)
            names[role] = target
        return {"name": out_name, "calculation": {"type": "ratio", **names}}

    def _derived(
        self, loc: Located, params: Located, filters: tuple[DbtFilter, ...], out_name: str
    ) -> dict[str, Any]:
        expr = sql_text(params.get("expr"))
        if not expr:
            self._fail(loc, "D112", f"derived metric {loc.name!r} has no `expr`", params.span())
        assert expr is not None
        mapping: dict[str, str] = {}
        inputs: list[dict[str, Any]] = []
        shifted: list[tuple[str, str, offsets.Offset, Span]] = []  # name, metric, offset, span
        for name, child, span in self._metric_inputs(loc, params):
            alias = child.get("alias") if child else None
            ref = alias if isinstance(alias, str) else name
            extra = (*filters, *(self._filters(child, "filter") if child else []))
            target = self.metric(name, extra, f"{out_name}__{ref}" if extra else name, span)
            if target is None:
                raise Failed(loc.name)
            offset: offsets.Offset | None = None
            if child is not None:
                try:
                    offset = offsets.read(child.get("offset_window"), child.get("offset_to_grain"))
                except offsets.OffsetError as exc:
                    self._offset_failed(loc, child, name, str(exc))
            if offset is None:
                mapping[ref] = target
            else:
                assert child is not None
                key = "offset_window" if offset.count else "offset_to_grain"
                shifted.append((ref, target, offset, child.span(key)))
        grain = self._offset_grain(loc, shifted)
        for ref, target, offset, span in shifted:
            try:
                shift = offsets.nsmcode_offset(offset, grain)
            except offsets.OffsetError as exc:
                self._fail(loc, "D104", f"derived metric {loc.name!r}: {exc}", span)
            if shift is None:  # offset_to_grain at its own grain: the period itself
                mapping[ref] = target
                continue
            # the expression's name for the shifted value must not be a metric's name
            input_name = ref
            if ref in self.dbt or ref in self.builder.measures or ref in self.out:
                input_name = short_name(f"{ref}__offset")
            mapping[ref] = input_name
            inputs.append({"name": input_name, "metric": target, "offset": shift})
        rewritten = self._rewrite(expr, mapping)
        if rewritten is None:
            self._fail(
                loc,
                "D112",
                f"derived metric {loc.name!r}: expression {expr!r} uses names that are not "
                f"among its metrics ({', '.join(sorted(mapping)) or 'none'})",
                params.span("expr"),
            )
        calculation: dict[str, Any] = {"type": "derived", "expression": rewritten}
        if inputs:
            calculation["inputs"] = inputs
        definition: dict[str, Any] = {"name": out_name, "calculation": calculation}
        if shifted:
            definition["grain"] = grain
        return definition

    def _metric_inputs(
        self, loc: Located, params: Located
    ) -> list[tuple[str, Located | None, Span]]:
        """A derived metric's `metrics:`: mappings (`- name: orders`) or plain names
        (`- orders`), both accepted by dbt."""
        items = params.get("metrics")
        if not isinstance(items, list):
            return []
        out: list[tuple[str, Located | None, Span]] = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                out.append((item, None, params.span("metrics", i)))
                continue
            child = params.child("metrics", i)
            if child is None or not child.name:
                self._fail(
                    loc,
                    "D112",
                    f"derived metric {loc.name!r}: input {i + 1} names no metric",
                    params.span("metrics", i),
                )
            assert child is not None
            out.append((child.name, child, child.span()))
        return out

    def _offset_failed(self, loc: Located, child: Located, name: str, why: str) -> NoReturn:
        key = "offset_window" if child.get("offset_window") is not None else "offset_to_grain"
        self._fail(
            loc,
            "D104",
            f"derived metric {loc.name!r}: `{key}` on input {name!r} is not carried over: {why}",
            child.span(key),
        )

    def _offset_grain(
        self, loc: Located, shifted: list[tuple[str, str, offsets.Offset, Span]]
    ) -> str:
        """The grain the derived metric is read at, so its offsets mean MetricFlow's."""
        declared = loc.get("time_granularity")
        if declared is not None and str(declared).lower() not in offsets.GRAINS:
            if shifted:
                self._fail(
                    loc,
                    "D104",
                    f"derived metric {loc.name!r}: offsets at grain {declared!r} are not "
                    "carried over",
                    loc.span("time_granularity"),
                )
            return "day"
        if not shifted:
            return str(declared).lower() if declared else "day"
        return offsets.choose_grain(
            str(declared).lower() if declared else None, [s[2] for s in shifted]
        )

    def _rewrite(self, expr: str, mapping: dict[str, str]) -> str | None:
        import sqlglot
        from sqlglot import exp

        try:
            tree = sqlglot.parse_one(expr, read=self.dialect)
        except sqlglot.errors.ParseError:
            return None
        for column in list(tree.find_all(exp.Column)):
            if column.table or column.name not in mapping:
                return None
            renamed = exp.column(mapping[column.name])
            if column is tree:  # the whole expression is one name: replace() has no parent
                tree = renamed
            else:
                column.replace(renamed)
        return tree.sql(dialect=self.dialect)
