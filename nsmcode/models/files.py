"""The two kinds of file: a definition file (any section, in any file under the
definitions folders) and the project file, `nsmcode.yaml`."""

from __future__ import annotations

import re
from typing import Literal, cast, get_args

from pydantic import Field, field_validator

from nsmcode.models.base import Name, Spec, invalid
from nsmcode.models.connections import Connection
from nsmcode.models.funnels import Funnel
from nsmcode.models.goals import Okr, Team
from nsmcode.models.metrics import Metric
from nsmcode.models.periods import Calendar
from nsmcode.models.qualifiers import Qualifier
from nsmcode.models.queries import Materialize, SavedQuery
from nsmcode.models.rules import RulesConfig
from nsmcode.models.sources import Source


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
