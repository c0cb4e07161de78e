"""Sources: the tables (or selects) metrics read, their columns, entities and joins."""

from __future__ import annotations

import enum

from pydantic import Field, model_validator

from nsmcode.models.base import Name, Spec, invalid


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
