"""dbt measures nsmcode reads with a calculation of its own: percentiles and balances.

- `agg: percentile` (`agg_params.percentile`) and `agg: median` become `type: percentile`.
  nsmcode percentiles are exact and continuous (SQL's PERCENTILE_CONT); MetricFlow's
  `use_approximate_percentile` approximates that same number, so it is carried as the exact
  value, while `use_discrete_percentile` (PERCENTILE_DISC, an observed value) is a different
  number and is reported (D101).
- `non_additive_dimension: {name, window_choice, window_groupings: [entity]}` on a `sum`
  measure becomes `type: balance`: each entity's observation at the end (`max`) or start
  (`min`, MetricFlow's default) of the period, summed over entities. Anything nsmcode would
  compute differently (no single grouping entity, another aggregation, a non-additive dimension
  that is not the measure's time) is reported (D102).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nsmcode.dbt_import.reader import Located, not_carried
from nsmcode.diagnostics import Diagnostic

if TYPE_CHECKING:
    from nsmcode.dbt_import.semantic import SemanticModel

Calculation = dict[str, Any]


def percentile(
    loc: Located, column: str, problem: Diagnostic | None
) -> tuple[Calculation, Diagnostic | None]:
    """`agg: percentile` / `agg: median` -> `{type: percentile, column, percentile}`."""
    name = loc.name
    calculation: Calculation = {"type": "percentile", "column": column, "percentile": 0.5}
    if str(loc.get("agg", "")).lower() == "median":
        return calculation, problem
    params = loc.child("agg_params")
    value = params.get("percentile") if params else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        return calculation, problem or not_carried(
            "D101",
            f"measure {name!r}: `agg: percentile` needs `agg_params.percentile` between 0 and 1 "
            f"(found {value!r}); the measure and the metrics built on it are left out",
            params.span("percentile") if params else loc.span("agg"),
        )
    assert params is not None
    if len(repr(float(value)).partition(".")[2]) > 6 or "e" in repr(float(value)):
        return calculation, problem or not_carried(
            "D101",
            f"measure {name!r}: percentile {value!r} has more than 6 decimal places, which "
            "nsmcode does not read; the measure and the metrics built on it are left out",
            params.span("percentile"),
            "round it in dbt (0.999999 at most)",
        )
    if params.get("use_discrete_percentile") is True:
        return calculation, problem or not_carried(
            "D101",
            f"measure {name!r}: a discrete percentile (an observed value) is not carried over; "
            "nsmcode percentiles interpolate between the two nearest values "
            "(PERCENTILE_CONT); the measure and the metrics built on it are left out",
            params.span("use_discrete_percentile", key=True),
            "drop use_discrete_percentile in dbt if the interpolated value is what you mean",
        )
    calculation["percentile"] = float(value)
    return calculation, problem


def balance(
    loc: Located, model: SemanticModel, time_dim: str | None, calculation: Calculation
) -> tuple[Calculation, Diagnostic | None]:
    """A `sum` measure with `non_additive_dimension` -> `{type: balance, column, entity, at}`."""
    name = loc.name
    spec = loc.child("non_additive_dimension")
    where = loc.span("non_additive_dimension", key=True)

    def refuse(why: str, hint: str | None = None) -> tuple[Calculation, Diagnostic]:
        return calculation, not_carried(
            "D102",
            f"measure {name!r}: non_additive_dimension is not carried over: {why}; the "
            "measure and the metrics built on it are left out",
            where,
            hint,
        )

    if spec is None:
        return refuse("it must be a mapping with `name`, `window_choice`, `window_groupings`")
    if calculation["type"] != "sum":
        return refuse(
            "nsmcode balances sum each entity's observation, and this measure aggregates "
            f"with {calculation['type']}",
        )
    dimension = spec.get("name")
    if dimension != time_dim:
        return refuse(
            f"it reads {dimension!r}, not the measure's time {time_dim!r}; an nsmcode balance "
            "is read at the end or start of the period of the metric's time",
            "make the non-additive dimension the measure's agg_time_dimension",
        )
    choice = str(spec.get("window_choice", "min")).lower()
    if choice not in ("min", "max"):
        return refuse(f"window_choice {choice!r} is neither min nor max")
    groupings = spec.get("window_groupings") or []
    if not isinstance(groupings, list) or len(groupings) != 1:
        return refuse(
            "nsmcode reads a balance per entity, so window_groupings must name exactly one "
            f"entity (found {groupings!r})",
            "without groupings MetricFlow sums the rows at the period's last time overall; "
            "group by the entity whose balance each row observes",
        )
    entity = groupings[0]
    if not isinstance(entity, str) or entity not in model.entities:
        return refuse(f"window grouping {entity!r} is not an entity of {model.name!r}")
    return {
        "type": "balance",
        "column": calculation["column"],
        "entity": entity,
        "at": "end" if choice == "max" else "start",
    }, None
