"""Spec v1: the pydantic models every definition file is validated against.

The models are the single source of truth for the YAML format: `nsmcode schema` generates the JSON
Schema from them and docs/spec.md documents them field by field. They are frozen and forbid unknown
keys so that a typo is an error, not a silently ignored setting.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Annotated, Literal, cast, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

SPEC_VERSION = 1

Name = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        max_length=128,
        description="An identifier: letters, digits and underscores, not starting with a digit.",
    ),
]
MetricRef = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.step[1-9][0-9]*_(rate|overall|count))?$",
        max_length=160,
        description="A metric name, or a funnel stage: `activation.step3_rate` (its step "
        "conversion), `activation.step3_overall` or `activation.step3_count`.",
    ),
]
Period = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-(Q[1-4]|H[12]|(0[1-9]|1[0-2]))$|^\d{4}$",
        description="A planning period: 2026-Q1, 2026-H1, 2026-03 or 2026.",
    ),
]
Duration = Annotated[
    str,
    Field(
        pattern=r"^[1-9][0-9]{0,3} (day|days|week|weeks|month|months|quarter|quarters)$",
        description="A window such as '7 days', '4 weeks', '3 months' or '1 quarter'.",
    ),
]
DurationUnit = Literal["day", "month"]
_MONTHS = {"month": 1, "quarter": 3}
_DAYS = {"day": 1, "week": 7}


def duration(value: str) -> tuple[int, DurationUnit]:
    """A Duration as a count of days or of calendar months: weeks are 7 days, quarters 3 months
    ('4 weeks' -> (28, 'day'), '1 quarter' -> (3, 'month'))."""
    number, unit = value.split()
    unit = unit.removesuffix("s")
    if unit in _MONTHS:
        return int(number) * _MONTHS[unit], "month"
    return int(number) * _DAYS[unit], "day"


def duration_days(value: str) -> int:
    """The most days a Duration can span ('4 weeks' -> 28; '1 month' -> 31, '1 quarter' -> 93):
    how long after an instant its window may still be open."""
    count, unit = duration(value)
    return count if unit == "day" else 31 * count


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a Period ('2026-Q1' -> 2026-01-01, 2026-03-31)."""
    year = int(period[:4])
    rest = period[5:]
    if not rest:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if rest.startswith("Q"):
        first_month = 3 * (int(rest[1]) - 1) + 1
        months = 3
    elif rest.startswith("H"):
        first_month = 6 * (int(rest[1]) - 1) + 1
        months = 6
    else:
        first_month, months = int(rest), 1
    start = dt.date(year, first_month, 1)
    end_month = first_month + months
    end = (
        dt.date(year + 1, 1, 1) if end_month > 12 else dt.date(year, end_month, 1)
    ) - dt.timedelta(days=1)
    return start, end


def invalid(message: str, hint: str, **context: str) -> PydanticCustomError:
    """A validation error whose fix hint the loader shows next to it."""
    return PydanticCustomError("invalid_definition", message, {"hint": hint, **context})


class Spec(BaseModel):
    # allow_inf_nan=False: `.nan` or `.inf` as a target or threshold is a typo, not a goal
    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False
    )


# ----------------------------------------------------------------------------------------------
# Enumerations


class Grain(str, enum.Enum):
    HOUR = "hour"
    """Sub-daily events: a period is the hour (a timestamp, HH:00:00) containing the event."""
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    FISCAL_QUARTER = "fiscal_quarter"
    """Quarters of the fiscal year (`calendar: {fiscal_year_start: M}` in nsmcode.yaml)."""
    FISCAL_YEAR = "fiscal_year"
    """Years starting on the first of the project's `fiscal_year_start` month."""


FISCAL_GRAINS = (Grain.FISCAL_QUARTER, Grain.FISCAL_YEAR)


class Weekday(str, enum.Enum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


class Role(str, enum.Enum):
    NORTH_STAR = "north_star"
    INPUT = "input"
    KPI = "kpi"
    GUARDRAIL = "guardrail"
    PLAIN = "plain"


class Category(str, enum.Enum):
    DX = "dx"
    PRODUCT = "product"
    GROWTH = "growth"


class Measures(str, enum.Enum):
    """What a metric measures: value delivered (outcome) or effort spent (activity)."""

    OUTCOME = "outcome"
    ACTIVITY = "activity"


class Direction(str, enum.Enum):
    INCREASE = "increase"
    DECREASE = "decrease"


class ColumnType(str, enum.Enum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"


class Semantic(str, enum.Enum):
    IDENTIFIER = "identifier"
    CURRENCY = "currency"
    ENVIRONMENT = "environment"
    TEST_FLAG = "test_flag"
    INTERNAL_FLAG = "internal_flag"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    OFF = "off"


# ----------------------------------------------------------------------------------------------
# Sources


class Column(Spec):
    name: Name
    """Column name in the table or select."""
    type: ColumnType
    """Logical type; the compiler casts and compares with it in mind."""
    semantic: Semantic | None = None
    """What the column means to the rule pack: `currency` marks money, `environment` and
    `test_flag`/`internal_flag` mark traffic that is not real usage."""
    description: str | None = None


class Entity(Spec):
    name: Name
    """The entity's name (account, user, ...), shared across sources."""
    column: Name
    """The column that holds its key in this source."""


class Join(Spec):
    """A many-to-one join: each row of this source matches at most one row of `source`."""

    source: Name
    """The source joined to."""
    column: Name
    """The column of this source holding the foreign key."""
    key: Name | None = None
    """The joined source's key column; defaults to `column`."""


class Source(Spec):
    name: Name
    description: str | None = None
    table: str | None = Field(default=None, max_length=512)
    """Warehouse table, optionally schema-qualified (`analytics.api_calls`)."""
    select: str | None = None
    """A single SQL SELECT, instead of `table`."""
    time_column: Name | None = None
    """The event time; required for metrics with a grain."""
    entities: tuple[Entity, ...] = ()
    columns: tuple[Column, ...] = ()
    """Every column metrics, qualifiers and dimensions may use."""
    dimensions: tuple[Name, ...] = ()
    """Columns metrics may be segmented by."""
    joins: tuple[Join, ...] = ()
    financial: bool = False
    """True for money-movement sources (invoices, payments): never the base of a north star."""

    @model_validator(mode="after")
    def _table_or_select(self) -> Source:
        if (self.table is None) == (self.select is None):
            raise invalid(
                "give exactly one of `table` or `select`",
                "`table:` names a warehouse table; `select:` is a SQL query to use instead",
            )
        return self


# ----------------------------------------------------------------------------------------------
# Qualifiers


class MetricFilter(Spec):
    """Keep the rows of the entities whose value of another metric, in the row's own period
    (or over all time), meets the bounds: "accounts with at least 3 integration points that
    week"."""

    metric: Name
    """The metric computed per entity: an aggregation of rows (count, count_distinct, sum,
    average, min, max)."""
    per: Name
    """The entity the metric is computed per (account, user); reached from both sources."""
    over: Literal["period", "all_time"] = "period"
    """`period`: the entity's value in the row's own period; `all_time`: over all the metric's
    rows, whatever their time (dbt's `Metric()` filter)."""
    at_least: StrictFloat | None = None
    """Keep entities whose value is >= this number."""
    more_than: StrictFloat | None = None
    """Keep entities whose value is > this number."""
    at_most: StrictFloat | None = None
    """Keep entities whose value is <= this number."""
    less_than: StrictFloat | None = None
    """Keep entities whose value is < this number."""
    equals: StrictFloat | None = None
    """Keep entities whose value is exactly this number."""

    @model_validator(mode="after")
    def _bounds(self) -> MetricFilter:
        given = [f for f in BOUNDS if getattr(self, f) is not None]
        hint = (
            "give `equals`, or a lower bound (`at_least` or `more_than`) and/or an upper bound "
            "(`at_most` or `less_than`)"
        )
        if not given:
            raise invalid("a metric filter needs a bound", hint)
        if "equals" in given and len(given) > 1:
            raise invalid("`equals` cannot be combined with another bound", hint)
        if {"at_least", "more_than"} <= set(given) or {"at_most", "less_than"} <= set(given):
            raise invalid("give at most one lower and one upper bound", hint)
        return self

    @property
    def text(self) -> str:
        """The filter in words, as the docs site and messages show it."""
        shown = " and ".join(f"{op} {_number(v)}" for op, v in self.bounds)
        when = "in the period" if self.over == "period" else "over all time"
        return f"{self.metric} per {self.per} {when} {shown}"

    @property
    def bounds(self) -> tuple[tuple[str, float], ...]:
        """(operator, number) for each bound given, in BOUNDS order."""
        return tuple(
            (BOUNDS[f], value) for f in BOUNDS if (value := getattr(self, f)) is not None
        )


def _number(value: float) -> str:
    """3.0 -> '3', 2.5 -> '2.5'."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


BOUNDS = {"at_least": ">=", "more_than": ">", "at_most": "<=", "less_than": "<", "equals": "="}
"""The bounds of a metric filter and the comparison each makes."""


class Qualifier(Spec):
    name: Name
    condition: str | None = Field(default=None, min_length=1)
    """A boolean SQL expression over the columns of the metric's source and its joins."""
    metric_filter: MetricFilter | None = None
    """Instead of `condition`: keep the rows of entities whose value of a metric, in the row's
    period, meets a bound."""
    reason: str = Field(min_length=1)
    """Why the filter exists: what gaming or noise it keeps out."""
    description: str | None = None

    @field_validator("condition", mode="before")
    @classmethod
    def _written(cls, value: object) -> object:
        """`condition:` left empty is a mistake (not the absence of a condition)."""
        if value is None:
            raise PydanticCustomError("string_type", "Input should be a valid string")
        return value

    @property
    def text(self) -> str:
        """The condition, or the metric filter in words."""
        if self.condition is not None:
            return self.condition
        assert self.metric_filter is not None
        return self.metric_filter.text

    @model_validator(mode="after")
    def _one_condition(self) -> Qualifier:
        if (self.condition is None) == (self.metric_filter is None):
            raise invalid(
                "give exactly one of `condition` or `metric_filter`",
                "`condition:` is a SQL condition on the rows; `metric_filter:` keeps the rows "
                "of entities whose value of a metric meets a bound",
            )
        return self


# ----------------------------------------------------------------------------------------------
# Calculations (a discriminated union on `type`)


class Count(Spec):
    type: Literal["count"]


class CountDistinct(Spec):
    type: Literal["count_distinct"]
    columns: tuple[Name, ...] = Field(min_length=1)
    """One or more columns; several columns count distinct combinations."""


class Sum(Spec):
    type: Literal["sum"]
    column: Name


class Average(Spec):
    type: Literal["average"]
    column: Name


class Min(Spec):
    type: Literal["min"]
    column: Name


class Max(Spec):
    type: Literal["max"]
    column: Name


class Percentile(Spec):
    type: Literal["percentile"]
    column: Name
    """The numeric column whose distribution is read; NULLs are ignored."""
    percentile: float = Field(ge=0, le=1)
    """Which percentile, from 0 to 1: 0.5 is the median, 0.9 the 90th percentile."""

    @field_validator("percentile")
    @classmethod
    def _places(cls, value: float) -> float:
        return percentile_places(value)


def percentile_places(value: float) -> float:
    """A percentile is written with at most 6 decimals (it compiles to integers num / den)."""
    if len(repr(value).partition(".")[2]) > 6 or "e" in repr(value):
        raise invalid("a percentile has at most 6 decimal places", "write e.g. 0.5 or 0.99")
    return value


class Balance(Spec):
    type: Literal["balance"]
    column: Name
    """The balance each row observes (MRR, seats, open tickets)."""
    entity: Name
    """Whose balance: each entity contributes one observation per period; the source must
    declare it."""
    at: Literal["end", "start"] = "end"
    """`end`: each entity's last observation in the period; `start`: its first."""


class Ratio(Spec):
    type: Literal["ratio"]
    numerator: Name
    """A metric name."""
    denominator: Name
    """A metric name; periods where it is 0 give NULL, never an error."""


Offset = Annotated[
    str,
    Field(
        description="'N periods' (N grain periods earlier, 1 to 520) or '1 year' (the same "
        "period a year earlier).",
        examples=["1 year", "2 periods"],
    ),
]
_OFFSET = re.compile(r"^([1-9][0-9]{0,2}) periods?$|^1 year$")


class DerivedInput(Spec):
    """Another metric read at an offset, under a name the derived expression uses."""

    name: Name
    """The name the expression uses for the offset value (not a metric name)."""
    metric: Name
    """The metric read."""
    offset: Offset
    """`N periods` (N grain periods earlier) or `1 year` (the same period a year earlier)."""

    @field_validator("offset")
    @classmethod
    def _offset(cls, value: str) -> str:
        match = _OFFSET.match(value)
        if match is None:
            raise invalid(
                "is not an offset",
                "write 'N periods' (N grain periods earlier) or '1 year' (the same period a "
                "year earlier)",
            )
        if match.group(1) and int(match.group(1)) > 520:
            raise invalid("an offset is at most 520 periods", "use 1 to 520 periods")
        return value


class Derived(Spec):
    type: Literal["derived"]
    expression: str = Field(min_length=1)
    """Arithmetic over other metrics' names, e.g. `paid_accounts / active_accounts * 100`."""
    inputs: tuple[DerivedInput, ...] = ()
    """Metrics read at an offset (`revenue` a year earlier), each named for the expression."""

    @model_validator(mode="after")
    def _unique_inputs(self) -> Derived:
        names = [i.name for i in self.inputs]
        for name in names:
            if names.count(name) > 1:
                raise invalid(
                    f"input name {name!r} is given twice", "give each input its own name"
                )
        return self


class Cumulative(Spec):
    type: Literal["cumulative"]
    metric: Name
    """A metric aggregating rows (count, sum, count_distinct, average, min, max), recomputed
    over the rows of the window."""
    window: Duration | None = None
    """A rolling window ('28 days'); omit both this and `period_to_date` for an all-time total."""
    period_to_date: Grain | None = None
    """Restart the total at each period (month-to-date, quarter-to-date)."""

    @model_validator(mode="after")
    def _one_window(self) -> Cumulative:
        if self.window is not None and self.period_to_date is not None:
            raise invalid(
                "give at most one of `window` or `period_to_date`",
                "`window` is a rolling total, `period_to_date` restarts each period; "
                "omit both for an all-time total",
            )
        return self


class Conversion(Spec):
    type: Literal["conversion"]
    base: Name
    """The metric whose events start the clock (e.g. signups)."""
    conversion: Name
    """The metric whose events count as converting (e.g. production API calls)."""
    entity: Name
    """The entity counted: the base metric's source must declare it; without
    `conversion_entity`, also the entity the conversion events are matched on."""
    within: Duration
    """How long after the base event a conversion still counts, in exact seconds."""
    window_end: Literal["inclusive", "exclusive"] = "inclusive"
    """`inclusive`: an event exactly `within` after the base event counts; `exclusive`: it
    does not (the half-open window)."""
    conversion_entity: Name | None = None
    """The entity whose events count (e.g. the user's account), reached from both metrics'
    sources through declared many-to-one joins; default: `entity`."""
    result: Literal["rate", "count"] = "rate"
    """`rate`: the share of base entities that convert; `count`: how many convert."""


TimeUnit = Literal["seconds", "minutes", "hours", "days"]
SECONDS_PER: dict[str, int] = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
"""The seconds in one unit of a duration's result (a day is 86,400 s)."""


class TimeToConvert(Spec):
    """A percentile of the time each entity takes from its first base event to its first
    conversion event at or after it: "median days to the first production call"."""

    type: Literal["time_to_convert"]
    base: Name
    """The metric whose first event per entity starts the clock (e.g. signups)."""
    conversion: Name
    """The metric whose first event at or after the start stops it (e.g. production calls)."""
    entity: Name
    """The entity timed; the base metric's source must declare it. Without
    `conversion_entity`, also the entity the conversion events are matched on."""
    percentile: float = Field(ge=0, le=1)
    """Which percentile of the entities' durations: 0.5 is the median, 0.9 the 90th."""
    unit: TimeUnit
    """The unit of the value: `seconds`, `minutes`, `hours` or `days` (fractions kept)."""
    within: Duration | None = None
    """A cap: an entity whose first conversion comes later than this after its start (or
    never) has no duration and is left out. None: no cap."""
    window_end: Literal["inclusive", "exclusive"] = "inclusive"
    """With `within`: `inclusive` keeps a conversion exactly `within` after the start;
    `exclusive` does not."""
    conversion_entity: Name | None = None
    """The entity whose events stop the clock (e.g. the user's account), reached from both
    metrics' sources through declared many-to-one joins; default: `entity`."""

    @field_validator("percentile")
    @classmethod
    def _places(cls, value: float) -> float:
        return percentile_places(value)

    @model_validator(mode="after")
    def _consistent(self) -> TimeToConvert:
        if self.base == self.conversion:
            raise invalid(
                "`base` and `conversion` are the same metric: every duration would be 0",
                "time from one kind of event to another, e.g. signups to production calls",
            )
        if self.within is None and "window_end" in self.model_fields_set:
            raise invalid(
                "`window_end` applies only with `within`",
                "add `within:` (e.g. `within: 30 days`), or remove `window_end`",
            )
        return self


class PeriodOverPeriod(Spec):
    type: Literal["period_over_period"]
    metric: Name
    periods: int = Field(default=1, ge=1, le=520)
    """How many grain periods back to compare with."""
    comparison: Literal["ratio", "difference"] = "ratio"
    """`ratio`: (current - previous) / previous; `difference`: current - previous."""


class Retention(Spec):
    type: Literal["retention"]
    cohort: Name
    """The metric whose events put an entity into a cohort (its first event's period)."""
    activity: Name
    """The metric whose events count as retained activity."""
    entity: Name
    offset: int = Field(default=1, ge=1, le=520)
    """Retained = active exactly `offset` grain periods after the cohort period."""


Calculation = Annotated[
    Count
    | CountDistinct
    | Sum
    | Average
    | Min
    | Max
    | Percentile
    | Balance
    | Ratio
    | Derived
    | Cumulative
    | Conversion
    | TimeToConvert
    | PeriodOverPeriod
    | Retention,
    Field(discriminator="type"),
]

AGGREGATIONS = (
    "count",
    "count_distinct",
    "sum",
    "average",
    "min",
    "max",
    "percentile",
    "balance",
)


# ----------------------------------------------------------------------------------------------
# Metrics


class Suppression(Spec):
    rule: str = Field(pattern=r"^[A-Z]+[0-9]+$")
    """The rule code to silence for this definition."""
    reason: str = Field(min_length=1)
    """Why the finding does not apply here; required."""


class Target(Spec):
    value: float
    direction: Direction
    due: dt.date


class Metric(Spec):
    name: Name
    label: str | None = None
    """Human name; defaults to the name with underscores as spaces."""
    role: Role = Role.PLAIN
    category: Category | None = None
    """For inputs: which lever it is (DX, product or growth)."""
    drives: Name | None = None
    """For inputs: the metric it drives; defaults to the north star."""
    guards: Name | None = None
    """For guardrails: the metric it counterbalances; defaults to the north star."""
    measures: Measures | None = None
    """Declared nature: `outcome` (value delivered) or `activity` (effort spent)."""
    description: str | None = None
    value: str | None = None
    """The value statement: why this number going up means customers get more value."""
    owner: str | None = None
    source: Name | None = None
    """Required for aggregations (count, sum, ...); other calculations build on metrics."""
    calculation: Calculation
    qualifiers: tuple[Name, ...] = ()
    """Anti-gaming filters applied before aggregating."""
    filter: str | None = None
    """An extra boolean SQL condition, for filters not worth naming."""
    metric_filter: MetricFilter | None = None
    """Keep only the rows of entities whose value of a metric, in the row's period, meets a
    bound (see docs/spec.md, "Metric filters")."""
    grain: Grain | None = None
    fill_nulls_with: StrictFloat | None = None
    """A number the metric reads instead of NULL: in empty periods (instead of 0 for counts and
    sums, NULL otherwise) and wherever its value is NULL (see docs/spec.md)."""
    entity: Name | None = None
    """The entity this metric is about (account, user, ...)."""
    segments: tuple[Name, ...] = ()
    """Dimensions the metric may be broken down by."""
    target: Target | None = None
    suppress: tuple[Suppression, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


# ----------------------------------------------------------------------------------------------
# Funnels, teams and KPIs, OKRs


FunnelOrder = Literal["previous", "anchor"]
CohortPeriod = Literal["day", "week", "month", "quarter", "total"]


class FunnelStep(Spec):
    """One stage of a funnel, when it needs more than a metric name."""

    metric: Name
    """The metric whose rows (after its qualifiers and filter) are this stage's events."""
    label: str | None = None
    """Human name of the stage; defaults to the metric's title."""
    entity: Name | None = None
    """The entity whose events count, when not the funnel's: reached from the anchor's source
    through declared many-to-one joins (a user's account making a production call)."""
    within: Duration | None = None
    """The window for this stage; default: the funnel's `within`."""
    window_from: FunnelOrder | None = None
    """Measure the window from the `anchor` or the `previous` stage; default: the funnel's."""
    after: FunnelOrder | None = None
    """The event is at or after the `previous` stage's time or the `anchor`'s; default: the
    funnel's."""
    any_time: bool = False
    """Any event of the entity, at any time (even before the anchor): no order, no window."""


class Funnel(Spec):
    name: Name
    label: str | None = None
    description: str | None = None
    entity: Name
    """Who is followed and counted; the anchor's source must declare it."""
    anchor: Name | None = None
    """The metric whose first event per entity puts the entity in a cohort (e.g. signups); it
    need not be a stage. Default: the first stage's metric."""
    steps: tuple[Name | FunnelStep, ...] = Field(min_length=1)
    """The stages, in order: metric names, or mappings with per-stage settings."""
    mode: Literal["strict", "independent"] = "strict"
    """`strict`: a stage counts only entities that reached the previous one (counts never
    rise); `independent`: every stage is measured over the whole cohort."""
    after: FunnelOrder | None = None
    """Each stage's event is at or after the `previous` stage's time or the `anchor`'s.
    Default: `previous` for strict funnels, `anchor` for independent ones."""
    window_from: FunnelOrder = "anchor"
    """Measure `within` from the `anchor` or from the `previous` stage."""
    within: Duration | None = None
    """How long after the window's start a stage's event still counts; none: no limit."""
    window_end: Literal["inclusive", "exclusive"] = "inclusive"
    """`inclusive`: an event exactly `within` after the start counts; `exclusive`: it does not."""
    cohort: CohortPeriod = "month"
    """The cohort period: entities whose anchor event falls in the same day, week, month,
    quarter, or the whole range (`total`) form one cohort; `query --by` overrides it."""
    segments: tuple[Name, ...] = ()
    """Dimensions (reachable from the anchor's source) the funnel may be broken down by."""
    suppress: tuple[Suppression, ...] = ()

    @property
    def stages(self) -> tuple[FunnelStep, ...]:
        """Every stage as a FunnelStep (a bare metric name is a stage with no settings)."""
        return tuple(
            FunnelStep(metric=s) if isinstance(s, str) else s for s in self.steps
        )

    @property
    def step_metrics(self) -> tuple[str, ...]:
        """The stages' metric names, in order."""
        return tuple(s if isinstance(s, str) else s.metric for s in self.steps)

    @property
    def anchor_metric(self) -> str:
        return self.anchor or self.step_metrics[0]

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    @model_validator(mode="after")
    def _two_stages(self) -> Funnel:
        if self.anchor is None and len(self.steps) < 2:
            raise invalid(
                "a funnel without an `anchor` needs at least 2 steps",
                "add a step, or name the metric that starts the cohort with `anchor:`",
            )
        return self


class Kpi(Spec):
    metric: MetricRef
    """A metric, or a funnel stage's conversion (`activation.step3_rate`)."""
    target: float | None = None
    direction: Direction | None = None
    due: dt.date | None = None
    baseline: float | None = None


class Team(Spec):
    name: Name
    description: str | None = None
    owner: str | None = None
    company: bool = False
    """True for the company-level KPI set (5-8 KPIs) rather than a team's (5-10)."""
    kpis: tuple[Kpi, ...] = ()
    suppress: tuple[Suppression, ...] = ()


class KeyResult(Spec):
    description: str | None = None
    metric: MetricRef
    """A metric, or a funnel stage's conversion (`activation.step3_rate`)."""
    baseline: float | None = None
    target: float | None = None
    direction: Direction | None = None
    due: dt.date | None = None


class Okr(Spec):
    name: Name
    objective: str = Field(min_length=1)
    owner: str | None = None
    period: Period
    key_results: tuple[KeyResult, ...] = ()
    suppress: tuple[Suppression, ...] = ()

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        period_bounds(value)
        return value


# ----------------------------------------------------------------------------------------------
# Files


# ----------------------------------------------------------------------------------------------
# Saved queries and materialized results


QUERY_DATES = (dt.date(1900, 1, 1), dt.date(9998, 12, 31))
"""The dates a query may be bounded by: calendar arithmetic stays within Python's dates."""

RelativeDate = Annotated[
    str,
    Field(
        pattern=r"^-[1-9][0-9]{0,2} (day|days|week|weeks|month|months|quarter|quarters)$",
        description="A date counted back from the as-of date: '-12 weeks', '-90 days'.",
    ),
]


class SavedQuery(Spec):
    """A named query: `nsmcode query --saved NAME`, compiled to sql/<dialect>/saved/NAME.sql,
    and what `nsmcode materialize` writes into the warehouse."""

    name: Name
    description: str | None = None
    metrics: tuple[Name, ...] = Field(min_length=1)
    """The metrics, one column each; computed in one query (they need one grain)."""
    grain: Grain | Literal["total"] | None = None
    """The period grain, or `total`; default: the metrics' own grain."""
    segments: tuple[Name, ...] = ()
    """Dimensions to break down by."""
    where: str | None = None
    """A condition on declared dimensions, as `nsmcode query --where`."""
    since: dt.date | RelativeDate | None = None
    """First period start (inclusive): a date, or relative such as `-12 weeks`."""
    until: dt.date | RelativeDate | None = None
    """Last period start (inclusive): a date, or relative such as `-1 week`."""

    @field_validator("since", "until")
    @classmethod
    def _in_range(cls, value: dt.date | str | None) -> dt.date | str | None:
        if isinstance(value, dt.date) and not QUERY_DATES[0] <= value <= QUERY_DATES[1]:
            raise invalid(
                "{value} is outside the dates nsmcode computes with (1900-01-01 to 9998-12-31)",
                "write a date between 1900 and 9998, or leave the bound out",
                value=value.isoformat(),
            )
        return value


class Materialize(Spec):
    """Where `nsmcode materialize` writes saved queries' results."""

    schema_name: Name = Field(alias="schema")
    """The warehouse schema nsmcode owns tables in (created if missing)."""
    lookback: int | None = Field(default=None, ge=0, le=1000)
    """Periods recomputed on each run; default: the longest window of the query's metrics."""


class DefinitionFile(Spec):
    """One YAML file under a definitions folder; any section may be split across any files."""

    version: Literal[1] = 1
    sources: tuple[Source, ...] = ()
    qualifiers: tuple[Qualifier, ...] = ()
    metrics: tuple[Metric, ...] = ()
    funnels: tuple[Funnel, ...] = ()
    teams: tuple[Team, ...] = ()
    okrs: tuple[Okr, ...] = ()
    saved_queries: tuple[SavedQuery, ...] = ()


class RuleOverride(Spec):
    rule: str = Field(pattern=r"^[A-Z]+[0-9]+$")
    severity: Severity
    """`error`, `warning`, `info` or `off`."""
    reason: str = Field(min_length=1)


class RulesConfig(Spec):
    overrides: tuple[RuleOverride, ...] = ()
    thresholds: dict[str, float] = Field(default_factory=dict)
    """Numbers rules use, e.g. `min_inputs: 3`; see `nsmcode rules`."""


ConnectionType = Literal[
    "duckdb",
    "postgres",
    "sqlite",
    "dbapi",
    "spark",
    "mysql",
    "clickhouse",
    "trino",
    "bigquery",
    "snowflake",
    "databricks",
]

_CONNECTION_FIELDS: dict[str, frozenset[str]] = {
    "duckdb": frozenset({"database", "tables"}),
    "sqlite": frozenset({"database"}),
    "postgres": frozenset({"database", "host", "port", "user", "password_env", "dsn_env"}),
    "dbapi": frozenset({"database", "host", "port", "user", "password_env", "dsn_env", "module"}),
    "spark": frozenset(
        {"master", "remote", "token_env", "tables", "catalog", "schema_name", "warehouse"}
    ),
    "mysql": frozenset({"database", "host", "port", "user", "password_env"}),
    "clickhouse": frozenset({"database", "host", "port", "user", "password_env", "secure"}),
    "trino": frozenset(
        {"host", "port", "user", "password_env", "catalog", "schema_name", "secure"}
    ),
    "bigquery": frozenset({"project", "dataset", "location", "credentials_env"}),
    "snowflake": frozenset(
        {"account", "user", "password_env", "warehouse", "database", "schema_name", "role"}
    ),
    "databricks": frozenset({"host", "http_path", "token_env", "catalog", "schema_name"}),
}
"""The fields each connection type reads; any other field is refused (a typo or a mix-up)."""


class Connection(Spec):
    type: ConnectionType
    database: str | None = None
    """DuckDB/SQLite file inside the project, read-only (never created); the database name of
    PostgreSQL, MySQL, ClickHouse, Snowflake."""
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password_env: Name | None = None
    """Environment variable holding the password: never write a secret in the file."""
    dsn_env: Name | None = None
    """Environment variable holding a full connection string."""
    token_env: Name | None = None
    """Environment variable holding an access token (Databricks, Spark Connect)."""
    credentials_env: Name | None = None
    """BigQuery: environment variable holding the path of a service-account key file (default:
    the application default credentials)."""
    module: str | None = None
    """For `dbapi`: the DB-API driver module, imported only when a query runs on the profile."""
    tables: dict[str, str] = Field(default_factory=dict)
    """DuckDB and local Spark: table name -> data file or glob (relative to the project)."""
    master: str | None = None
    """Spark: the local master, default `local[*]`."""
    remote: str | None = None
    """Spark Connect server, `sc://host:15002` (instead of a local session)."""
    catalog: str | None = None
    """Spark, Databricks, Trino: the default catalog."""
    schema_name: str | None = Field(default=None, alias="schema")
    """Spark, Databricks, Trino, Snowflake: the default schema."""
    secure: bool | None = None
    """ClickHouse, Trino: connect over TLS (https)."""
    account: str | None = None
    """Snowflake account identifier."""
    warehouse: str | None = None
    """Snowflake virtual warehouse; local Spark: the folder (inside the project) keeping the local
    catalog `materialize` writes into."""
    role: str | None = None
    """Snowflake role."""
    http_path: str | None = None
    """Databricks SQL warehouse HTTP path."""
    project: str | None = None
    """BigQuery project id."""
    dataset: str | None = None
    """BigQuery default dataset."""
    location: str | None = None
    """BigQuery location (e.g. EU)."""

    @model_validator(mode="after")
    def _fields_of_type(self) -> Connection:
        allowed = _CONNECTION_FIELDS[self.type] | {"type"}
        stray = sorted(
            (type(self).model_fields[f].alias or f)
            for f in self.model_fields_set
            if f not in allowed
        )
        if stray:
            names = ", ".join(f"`{f}`" for f in stray)
            fields = ", ".join(
                f"`{type(self).model_fields[f].alias or f}`" for f in sorted(allowed - {"type"})
            )
            raise invalid(
                f"{names} does not apply to a connection of type {self.type}",
                f"a {self.type} connection reads: {fields}",
            )
        local = self.tables or self.master or self.warehouse
        if self.type == "spark" and self.remote is not None and local:
            raise invalid(
                "a Spark connection is either local (`master`, `tables`, `warehouse`) or remote "
                "(`remote`)",
                "a Spark Connect server reads its own catalog: map files there, not here",
            )
        return self


class Analysis(Spec):
    outcome: Name | None = None
    """The lagging outcome metric (revenue or retention) the north star should lead."""
    retention_entity: Name | None = None
    """The entity whose retention tests the north star."""
    retention_cohort: Name | None = None
    """The metric whose first event per entity starts its clock and defines who is compared
    (e.g. signups); default: the north star."""
    retention_activity: Name | None = None
    """The metric whose events in the later window count as retained (activity, payments or
    upgrades); default: the north star."""


Dialect = Literal[
    "duckdb",
    "postgres",
    "snowflake",
    "bigquery",
    "redshift",
    "databricks",
    "spark",
    "trino",
    "clickhouse",
    "mysql",
    "sqlite",
    "tsql",
]
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)


class CustomGranularity(Spec):
    """A grain read from the calendar table (a retail 4-4-5 month, a school term)."""

    name: Name
    """How queries ask for it: `--by retail_month`."""
    column: Name
    """The calendar table's column holding, for each day, the first day of its period."""

    @field_validator("name")
    @classmethod
    def _not_built_in(cls, value: str) -> str:
        if value in {g.value for g in Grain} | {"total", "own"}:
            raise invalid(
                "granularity {name} is a built-in grain",
                "give the custom granularity a name of its own (retail_month)",
                name=repr(value),
            )
        return value


class Calendar(Spec):
    """`calendar:` in nsmcode.yaml: how periods are cut (docs/spec.md, "Calendars")."""

    week_start: Weekday = Weekday.MONDAY
    """The day weeks start on (`week` grain, `period_to_date: week`); default Monday."""
    fiscal_year_start: int | None = Field(default=None, ge=1, le=12)
    """The month (1-12) the fiscal year starts in; required by the `fiscal_quarter` and
    `fiscal_year` grains. A fiscal year is named after the calendar year it ends in: with
    `fiscal_year_start: 4`, FY2027 runs from 2026-04-01 to 2027-03-31."""
    source: Name | None = None
    """The calendar table, a source with one row per day; needed by `granularities`."""
    date_column: Name | None = None
    """The calendar table's column holding the day (a date)."""
    granularities: tuple[CustomGranularity, ...] = ()
    """Custom granularities read from the calendar table, for `--by NAME`."""

    @model_validator(mode="after")
    def _custom(self) -> Calendar:
        if self.granularities and (self.source is None or self.date_column is None):
            raise invalid(
                "custom `granularities` need the calendar table: give `source` and `date_column`",
                "name the source with one row per day, and its column holding the day",
            )
        names = [g.name for g in self.granularities]
        for name in names:
            if names.count(name) > 1:
                raise invalid(
                    "granularity {name} is given twice",
                    "give each custom granularity a name of its own",
                    name=repr(name),
                )
        return self


class ProjectFile(Spec):
    """`nsmcode.yaml` at the project root."""

    version: Literal[1]
    """The spec version; 1 today."""
    name: str = Field(min_length=1)
    description: str | None = None
    paths: tuple[str, ...] = ("metrics",)
    """Folders, relative to the project file, searched recursively for `*.yml`/`*.yaml`."""
    dialect: Dialect = "duckdb"
    """The dialect `query` and `analyze` run in."""
    targets: tuple[Dialect, ...] = DIALECTS
    """Dialects `compile` writes."""
    rules: RulesConfig = RulesConfig()
    connection: str | None = None
    """Name of the entry of `connections` to run on; default embedded DuckDB."""
    connections: dict[str, Connection] = Field(default_factory=dict)
    analysis: Analysis = Analysis()
    materialize: Materialize | None = None
    """Where `nsmcode materialize` writes; nothing is ever written without it."""
    calendar: Calendar = Calendar()
    """Week start and fiscal year (docs/spec.md, "Calendars")."""

    def connection_dialect(self, name: str | None) -> Dialect:
        """The dialect a connection profile runs: its type, or `dialect` for DB-API drivers and
        for the default embedded DuckDB (`name` None and no `connection:`)."""
        chosen = name or self.connection
        profile = self.connections.get(chosen) if chosen else None
        if profile is None:
            return "duckdb"
        return self.dialect if profile.type == "dbapi" else cast(Dialect, profile.type)

    @property
    def checked_dialects(self) -> tuple[Dialect, ...]:
        """Every dialect `compile` writes or `query` may run in: what `validate` checks, so that
        its exit 0 speaks for both (the targets, `dialect`, and each connection's dialect)."""
        run = {self.dialect, self.connection_dialect(None)}
        run.update(self.connection_dialect(name) for name in self.connections)
        return tuple(d for d in DIALECTS if d in run or d in self.targets)

    @field_validator("paths")
    @classmethod
    def _relative(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            if path.startswith("/") or re.search(r"(^|[\\/])\.\.([\\/]|$)", path):
                raise invalid(
                    "path {path} must stay inside the project folder",
                    "write a folder relative to nsmcode.yaml, e.g. `definitions`",
                    path=repr(path),
                )
        return value
