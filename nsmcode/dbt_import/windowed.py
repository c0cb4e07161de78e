"""dbt metrics over windows of time -> nsmcode cumulative and conversion metrics.

- cumulative: `window` or `grain_to_date`, over the dbt simple metric reading the same measure (or
  a metric written for the measure);
- conversion: base and conversion metrics for the measures, the entity and the window; `calculation:
  conversions` is a conversion count (`result: count`). MetricFlow's join keeps conversions with
  `base <= conversion < base + window` (`base > conversion - INTERVAL window`), so the import
  writes `window_end: exclusive`.

Windows are hours, days, weeks, months and quarters in both tools; a year is 12 months (the same
clamped month arithmetic). A whole number of days in hours (`48 hours`) is carried as days
(`2 days`), other hours as hours (`3 hours`). A cumulative window in hours is carried at the hour
grain, where nsmcode's `window: 3 hours` is MetricFlow's 3 hourly periods ending with the hour;
on a metric of another `time_granularity` it is reported (D106): MetricFlow then counts hours of
a daily spine. A conversion window in hours is carried at any grain (exact seconds in nsmcode).
How month windows differ from MetricFlow's at month ends is in docs/dbt.md ("Windows in
months").
"""

from __future__ import annotations

import re
from typing import Any

from nsmcode.dbt_import.metrics import GRAINS, DbtFilter, Failed, Handler, MetricTranslator
from nsmcode.dbt_import.reader import Located, not_carried
from nsmcode.dbt_import.semantic import Measure
from nsmcode.diagnostics import Span

_WINDOW = re.compile(r"^\s*(\d+)\s+([A-Za-z_]+?)s?\s*$")
WINDOW_UNITS = ("hour", "day", "week", "month", "quarter")
YEAR_MONTHS = 12
DAY_HOURS = 24
CONVERSION_RESULTS = {"conversion_rate": "rate", "conversions": "count"}


class Translator(MetricTranslator):
    """Every MetricFlow metric type: simple, ratio, derived, cumulative and conversion."""

    def handlers(self) -> dict[str, Handler]:
        return {
            **super().handlers(),
            "cumulative": self._cumulative,
            "conversion": self._conversion,
        }

    def _window(self, loc: Located, text: Any, span: Span) -> tuple[str, bool]:
        """The nsmcode duration of a dbt window, and whether it was given in hours (then only
        the hour grain reads it as MetricFlow does)."""
        match = _WINDOW.match(str(text))
        unit = match.group(2).lower() if match else ""
        count = int(match.group(1)) if match else 0
        hours = unit == "hour"
        if unit == "year":
            unit, count = "month", count * YEAR_MONTHS
        if hours and count % DAY_HOURS == 0:
            unit, count = "day", count // DAY_HOURS
        if not match or unit not in WINDOW_UNITS or not 1 <= count <= 9999:
            self._fail(
                loc,
                "D106",
                f"metric {loc.name!r}: window {text!r} is not carried over; nsmcode windows "
                "are counted in hours, days, weeks, months or quarters (years as 12 months), "
                "from 1 to 9999",
                span,
            )
        return f"{count} {unit}{'s' if count != 1 else ''}", hours

    def _cumulative(
        self, loc: Located, params: Located, filters: tuple[DbtFilter, ...], out_name: str
    ) -> dict[str, Any]:
        options = params.child("cumulative_type_params") or params
        window = options.get("window", params.get("window"))
        to_date = options.get("grain_to_date", params.get("grain_to_date"))
        period_agg = options.get("period_agg")
        if period_agg is not None and str(period_agg).lower() not in ("first", "last"):
            self.problems.append(
                not_carried(
                    "D111",
                    f"metric {loc.name!r}: period_agg {period_agg!r} is not carried over; "
                    "at grains above a day nsmcode reports the total at the end of the period",
                    options.span("period_agg"),
                )
            )
        if window is not None and to_date is not None:
            self._fail(
                loc,
                "D108",
                f"metric {loc.name!r} gives both window and grain_to_date",
                options.span("grain_to_date"),
            )
        found = self._input(params, "measure")
        if found is None:
            self._fail(loc, "D112", f"metric {loc.name!r} names no measure", params.span())
        assert found is not None
        measure_name, child, span = found
        extra = (*filters, *(self._filters(child, "filter") if child else []))
        fill = None
        if child is not None:
            self._measure_options(loc, child)
            fill = self._fill(loc, child)
        measure = self.builder.measures.get(measure_name)
        if measure is not None and not measure.additive:
            self._fail(
                loc,
                "D113",
                f"metric {loc.name!r}: a running total of {measure.calculation['type']} "
                f"measure {measure_name!r} is not carried over; nsmcode accumulates counts, "
                "sums, distinct counts, averages, minimums and maximums of rows",
                span,
            )
        base = self.measure_metric(measure_name, extra, f"{out_name}__base", span)
        if base is None:
            raise Failed(loc.name)
        calculation: dict[str, Any] = {"type": "cumulative", "metric": base}
        # MetricFlow computes running totals per day; without a declared grain, so does nsmcode
        # (nsmcode's default grain is a week, where the value is the total at the week's end)
        declared = loc.get("time_granularity")
        grain = {} if declared else {"grain": "day"}
        if window is not None:
            calculation["window"], hours = self._window(loc, window, options.span("window"))
            if hours:
                # MetricFlow's hour window counts the hourly periods ending with the hour
                if declared and str(declared).lower() != "hour":
                    self._fail(
                        loc,
                        "D106",
                        f"metric {loc.name!r}: a window in hours at grain {declared!r} is not "
                        "carried over; nsmcode reads it as MetricFlow does at the hour grain",
                        options.span("window"),
                    )
                grain = {"grain": "hour"}
        if to_date is not None:
            if str(to_date).lower() not in GRAINS:
                self._fail(
                    loc,
                    "D106",
                    f"metric {loc.name!r}: grain_to_date {to_date!r} is not carried over "
                    "(nsmcode restarts totals by hour, day, week, month, quarter or year)",
                    options.span("grain_to_date"),
                )
            calculation["period_to_date"] = str(to_date).lower()
            if calculation["period_to_date"] == "hour" and not declared:
                grain = {"grain": "hour"}  # an hour-to-date total is reported per hour
        filled = {} if fill is None else {"fill_nulls_with": fill}
        return {"name": out_name, "calculation": calculation, **grain, **filled}

    @staticmethod
    def _counts_entities(measure: Measure, entity: str) -> bool:
        key = measure.model.entities.get(entity)
        return key is not None and measure.calculation == {
            "type": "count_distinct",
            "columns": [key.column],
        }

    def _conversion(
        self, loc: Located, params: Located, filters: tuple[DbtFilter, ...], out_name: str
    ) -> dict[str, Any]:
        options = params.child("conversion_type_params")
        if options is None:
            self._fail(
                loc, "D112", f"metric {loc.name!r} has no conversion_type_params", params.span()
            )
        assert options is not None
        if filters:
            self._fail(
                loc,
                "D105",
                f"conversion metric {loc.name!r}: a metric-level filter is not carried over",
                filters[0].span,
                "put the filter on base_measure or conversion_measure instead",
            )
        calculation = str(options.get("calculation", "conversion_rate")).lower()
        result = CONVERSION_RESULTS.get(calculation)
        if result is None:
            self._fail(
                loc,
                "D107",
                f"conversion metric {loc.name!r}: calculation {calculation!r} is not carried "
                "over; nsmcode conversions are rates (conversion_rate) or counts (conversions)",
                options.span("calculation"),
            )
        if options.get("constant_properties"):
            self._fail(
                loc,
                "D107",
                f"conversion metric {loc.name!r}: constant_properties are not carried over",
                options.span("constant_properties", key=True),
            )
        window = options.get("window")
        if window is None:
            self._fail(
                loc,
                "D107",
                f"conversion metric {loc.name!r} has no window; nsmcode conversions need one",
                options.span(),
                "add `window: 7 days` (or the window you mean) in dbt and import again",
            )
        entity = options.get("entity")
        names: dict[str, str] = {}
        for role, key in (("base", "base_measure"), ("conversion", "conversion_measure")):
            found = self._input(options, key)
            if found is None:
                self._fail(loc, "D112", f"metric {loc.name!r} has no {key}", options.span())
            assert found is not None
            measure_name, child, span = found
            extra = tuple(self._filters(child, "filter")) if child else ()
            if child is not None:
                self._measure_options(loc, child)
                self._fill(loc, child, carried=False)
            measure = self.builder.measures.get(measure_name)
            if measure is not None and str(entity) not in measure.model.entities:
                self._fail(
                    loc,
                    "D108",
                    f"conversion metric {loc.name!r}: semantic model {measure.model.name!r} "
                    f"has no entity {entity!r}",
                    options.span("entity"),
                )
            if measure is not None and not self._counts_entities(measure, str(entity)):
                self.problems.append(
                    not_carried(
                        "D107",
                        f"conversion metric {loc.name!r}: {key} {measure_name!r} is not a "
                        f"count_distinct of the {entity!r} entity, so MetricFlow's rate counts "
                        "rows while nsmcode's counts entities: the imported metric is the share "
                        f"of {entity} entities that convert",
                        span,
                        f"make both measures count_distinct of the {entity} key for the same "
                        "number in both tools",
                    )
                )
            target = self.measure_metric(measure_name, extra, f"{out_name}__{role}", span)
            if target is None:
                raise Failed(loc.name)
            names[role] = target
        return {
            "name": out_name,
            "calculation": {
                "type": "conversion",
                "base": names["base"],
                "conversion": names["conversion"],
                "entity": str(entity),
                "within": self._window(loc, window, options.span("window"))[0],
                "window_end": "exclusive",
                **({"result": result} if result != "rate" else {}),
            },
        }
