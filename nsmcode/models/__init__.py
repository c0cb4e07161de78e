"""Spec v1: the pydantic models every definition file is validated against.

The models are the single source of truth for the YAML format: `nsmcode schema` generates the JSON
Schema from them and docs/spec.md documents them field by field. They are frozen and forbid unknown
keys so that a typo is an error, not a silently ignored setting.

One module per concept; every public name is re-exported here, so `models.Metric` and
`from nsmcode.models import Grain` are the way to use them:

- base: the `Spec` base class, `Name`, `invalid` (a validation error with a fix hint);
- periods: grains, durations, planning periods, the calendar;
- sources: sources, their columns, entities and joins;
- qualifiers: qualifiers and metric filters;
- calculations: the calculation types of a metric;
- metrics: the metric itself (role, category, calculation, filters);
- funnels: funnels and their stages;
- goals: targets, teams and KPIs, OKRs;
- rules: rule overrides, thresholds and suppressions;
- queries: saved queries and materialization;
- connections: connection profiles;
- files: the definition file and the project file (`nsmcode.yaml`), which gather them all.
"""

from __future__ import annotations

from nsmcode.models.base import SPEC_VERSION, Name, Spec, invalid
from nsmcode.models.calculations import (
    AGGREGATIONS,
    SECONDS_PER,
    Average,
    Balance,
    Calculation,
    Conversion,
    Count,
    CountDistinct,
    Cumulative,
    Derived,
    DerivedInput,
    Max,
    Min,
    Offset,
    Percentile,
    PeriodOverPeriod,
    Ratio,
    Retention,
    Sum,
    TimeToConvert,
    TimeUnit,
    percentile_places,
)
from nsmcode.models.connections import Connection, ConnectionType
from nsmcode.models.files import DIALECTS, Analysis, DefinitionFile, Dialect, ProjectFile
from nsmcode.models.funnels import CohortPeriod, Funnel, FunnelOrder, FunnelStep
from nsmcode.models.goals import Direction, KeyResult, Kpi, MetricRef, Okr, Target, Team
from nsmcode.models.metrics import Category, Measures, Metric, Role
from nsmcode.models.periods import (
    FISCAL_GRAINS,
    Calendar,
    CustomGranularity,
    Duration,
    DurationUnit,
    Grain,
    Period,
    Weekday,
    duration,
    duration_days,
    period_bounds,
)
from nsmcode.models.qualifiers import BOUNDS, MetricFilter, Qualifier
from nsmcode.models.queries import QUERY_DATES, Materialize, RelativeDate, SavedQuery
from nsmcode.models.rules import RuleOverride, RulesConfig, Severity, Suppression
from nsmcode.models.sources import Column, ColumnType, Entity, Join, Semantic, Source

__all__ = [
    "AGGREGATIONS", "BOUNDS", "DIALECTS", "FISCAL_GRAINS", "QUERY_DATES", "SECONDS_PER",
    "SPEC_VERSION", "Analysis", "Average", "Balance", "Calculation", "Calendar", "Category",
    "CohortPeriod", "Column", "ColumnType", "Connection", "ConnectionType", "Conversion",
    "Count", "CountDistinct", "Cumulative", "CustomGranularity", "DefinitionFile", "Derived",
    "DerivedInput", "Dialect", "Direction", "Duration", "DurationUnit", "Entity", "Funnel",
    "FunnelOrder", "FunnelStep", "Grain", "Join", "KeyResult", "Kpi", "Materialize", "Max",
    "Measures", "Metric", "MetricFilter", "MetricRef", "Min", "Name", "Offset", "Okr",
    "Percentile", "Period", "PeriodOverPeriod", "ProjectFile", "Qualifier", "Ratio",
    "RelativeDate", "Retention", "Role", "RuleOverride", "RulesConfig", "SavedQuery",
    "Semantic", "Severity", "Source", "Spec", "Sum", "Suppression", "Target", "Team",
    "TimeToConvert", "TimeUnit", "Weekday", "duration", "duration_days", "invalid",
    "percentile_places", "period_bounds",
]
