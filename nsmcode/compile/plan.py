"""The dialect-free plan of a metric query, built from the resolved project.

A plan has three layers, mirroring how a metric is computed:

- `Rows`: a scan of one source, LEFT JOINed to what its conditions read, filtered by the metric's
  qualifiers and filter;
- leaves: sparse series keyed by (period, segments...) aggregated from rows: a `Measure` (count,
  sum, ...), a `Window` (a measure over a rolling or period-to-date window), `Converted` (entities
  that converted within a time window) and `Retained` (cohort retention);
- values: arithmetic over leaves read at a period offset (`Ref.shift`, for period-over-period),
  with the empty-period fill each leaf needs (0 for counts and sums, NULL otherwise).

Nothing here depends on a SQL dialect; `build.py` turns a plan into one sqlglot tree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

from nsmcode import models
from nsmcode.compile import calendars
from nsmcode.compile.checks import Checked
from nsmcode.compile.entities import EntityKey
from nsmcode.diagnostics import Span

Total = Literal["total"]
TOTAL: Total = "total"
"""The grain of a query without periods: one row over the whole range (`since`..`until`)."""
QueryGrain = models.Grain | Total | calendars.Custom
Aggregation = Literal[
    "count", "count_distinct", "sum", "average", "min", "max", "percentile", "balance"
]
ADDITIVE = ("count", "count_distinct", "sum")


@dataclass(frozen=True)
class Condition:
    key: str
    """Identity: `qualifier:<name>`, `filter:<metric>` or `metric_filter:<metric>`; conditions
    compare by key."""
    checked: Checked = field(compare=False)
    span: Span | None = field(compare=False)
    by_metric: EntityFilter | None = field(default=None, compare=False)
    """A metric filter: `checked` reads the per-entity values it joins (entity_filters.py)."""


@dataclass(frozen=True)
class Rows:
    """The rows of one source that pass a set of conditions."""

    source: str
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Measure:
    rows: Rows
    aggregation: Aggregation
    columns: tuple[str, ...] = ()
    fraction: float | None = None
    """For a percentile: which one (0.5 is the median; see percentiles.py)."""
    at: Literal["end", "start"] | None = None
    """For a balance: read each entity's last or first observation (see balances.py)."""

    @property
    def fill(self) -> int | None:
        """The value of a period without rows: 0 for counts and sums, NULL otherwise."""
        return 0 if self.aggregation in (*ADDITIVE, "balance") else None


Length = tuple[int, models.DurationUnit]
"""A window's length: a count of hours, of days, or of calendar months (see models.duration)."""


@dataclass(frozen=True)
class EntityFilter:
    """Keeps a row when its entity's value of `measure` over the rows of the row's own period
    meets `bounds` (see entity_filters.py)."""

    metric: str
    """The metric's name (it names the CTE of the values)."""
    measure: Measure
    """The metric computed per entity, over its own rows (its qualifiers and filter)."""
    measure_key: EntityKey
    """The entity's key in the measure's rows."""
    key: EntityKey
    """The entity's key in the filtered rows."""
    bounds: tuple[tuple[str, float], ...]
    """(operator, number): `>=`, `>`, `<=`, `<` or `=`, all of which must hold."""
    all_time: bool = False
    """The value over all the measure's rows, not the row's period's."""


@dataclass(frozen=True)
class Window:
    """A measure over the time ending with each period: `length` long (N days, or N calendar
    months back from the period's end), since the start of the `to_date` period containing it,
    or since the beginning (both None)."""

    measure: Measure
    length: Length | None
    to_date: models.Grain | None


@dataclass(frozen=True)
class Converted:
    """Distinct base entities (column `base_entity` of the base rows) per base-event period with
    a conversion event in [t, t + length] (`inclusive`) or [t, t + length), matched on the keys
    `base_key` and `conversion_key` (the same entity, maybe reached through joins); t + N months
    keeps the time of day, on the same day of the month or the month's last day if shorter."""

    base: Rows
    base_entity: str
    conversion: Rows
    base_key: EntityKey
    conversion_key: EntityKey
    length: Length
    inclusive: bool = True


@dataclass(frozen=True)
class Elapsed:
    """Per period of each base entity's first base event, a percentile (`fraction`) of the whole
    seconds from that event to the entity's first conversion event at or after it, in units of
    `per` seconds; entities without a conversion (within `seconds`, when capped) are left out.
    Matched on `base_key` and `conversion_key`, as for `Converted` (see durations.py)."""

    base: Rows
    base_entity: str
    conversion: Rows
    base_key: EntityKey
    conversion_key: EntityKey
    fraction: float
    per: int
    seconds: int | None = None
    inclusive: bool = True


@dataclass(frozen=True)
class Retained:
    """Per cohort period (an entity's first cohort event), the share of the cohort active exactly
    `offset` periods later; NULL while that period is after the last activity period."""

    cohort: Rows
    cohort_entity: str
    activity: Rows
    activity_entity: str
    offset: int


Leaf = Measure | Window | Converted | Elapsed | Retained


@dataclass(frozen=True)
class Ref:
    leaf: Leaf
    fill: int | None
    shift: int = 0
    """Read the leaf this many periods back."""
    years: int = 0
    """Read the leaf at the same week a year earlier first (week grain; see offsets.py)."""


@dataclass(frozen=True)
class Number:
    text: str


@dataclass(frozen=True)
class Arith:
    op: Literal["+", "-", "*"]
    left: Value
    right: Value


@dataclass(frozen=True)
class Divide:
    """Float division; NULL when the divisor is 0 or NULL."""

    left: Value
    right: Value


@dataclass(frozen=True)
class Negate:
    value: Value


@dataclass(frozen=True)
class Call:
    name: Literal["coalesce", "nullif", "abs", "round", "greatest", "least"]
    args: tuple[Value, ...]


Value = Ref | Number | Arith | Divide | Negate | Call


@dataclass(frozen=True)
class Feature:
    """A capability the query needs from a target, and the definition value that needs it."""

    name: str
    span: Span | None


@dataclass(frozen=True)
class Plan:
    grain: QueryGrain
    segments: tuple[str, ...]
    lo: dt.date | None
    """First period start (from `since`; a total: `since` itself; per hour: the first hour of
    that day); None: the first with data."""
    hi: dt.date | None
    """Last period start (from `until`; a total: `until` itself; per hour: the last hour of that
    day, 23:00:00); None: the last with data."""
    outputs: tuple[tuple[str, Value], ...]
    features: tuple[Feature, ...] = ()
    breakdown: bool = False
    """One series for all rows and one per segment (column `breakdown`), not one per combination."""
    calendar: models.Calendar = calendars.DEFAULT
    """How the grain cuts time (week start, fiscal year; see calendars.py)."""


# ----------------------------------------------------------------------------------------------
# Calendar arithmetic (Python side: since/until become literal period bounds)


def period_start(
    day: dt.date, grain: QueryGrain, calendar: models.Calendar = calendars.DEFAULT
) -> dt.date:
    """The first day of the period containing `day` (a total: the day; its range is days; per
    hour: the day, whose 24 hours are all in the range)."""
    if grain == TOTAL or grain is models.Grain.HOUR:
        return day
    assert isinstance(grain, models.Grain), "a custom granularity's periods are in its table"
    return calendars.period_start(day, grain, calendar)


def next_period(
    start: dt.date, grain: QueryGrain, calendar: models.Calendar = calendars.DEFAULT
) -> dt.date:
    """The start of the following period (a total, or per hour: the next day)."""
    if grain == TOTAL or grain is models.Grain.HOUR:
        return start + dt.timedelta(days=1)
    assert isinstance(grain, models.Grain), "a custom granularity's periods are in its table"
    return calendars.next_period(start, grain, calendar)


# ----------------------------------------------------------------------------------------------
# Planning


def shifted(value: Value, periods: int) -> Value:
    """The same value read `periods` periods earlier."""
    if isinstance(value, Ref):
        return replace(value, shift=value.shift + periods)
    if isinstance(value, Arith):
        return replace(
            value, left=shifted(value.left, periods), right=shifted(value.right, periods)
        )
    if isinstance(value, Divide):
        return Divide(shifted(value.left, periods), shifted(value.right, periods))
    if isinstance(value, Negate):
        return Negate(shifted(value.value, periods))
    if isinstance(value, Call):
        return Call(value.name, tuple(shifted(a, periods) for a in value.args))
    return value


def leaves(value: Value) -> list[Ref]:
    """Every leaf reference in a value, in order of appearance."""
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Arith | Divide):
        return leaves(value.left) + leaves(value.right)
    if isinstance(value, Negate):
        return leaves(value.value)
    if isinstance(value, Call):
        return [r for a in value.args for r in leaves(a)]
    return []


def rows_of(leaf: Leaf) -> tuple[Rows, ...]:
    if isinstance(leaf, Measure):
        return (leaf.rows,)
    if isinstance(leaf, Window):
        return (leaf.measure.rows,)
    if isinstance(leaf, Converted | Elapsed):
        return (leaf.base, leaf.conversion)
    return (leaf.cohort, leaf.activity)


def primary_rows(leaf: Leaf) -> tuple[Rows, ...]:
    """Rows whose periods and segments define the spine (conversion events and retention activity
    do not: they are looked up from the base and cohort rows)."""
    if isinstance(leaf, Measure):
        return (leaf.rows,)
    if isinstance(leaf, Window):
        return (leaf.measure.rows,)
    if isinstance(leaf, Converted | Elapsed):
        return (leaf.base,)
    return (leaf.cohort,)
