"""Connection profiles: the warehouse or embedded engine a project runs on, each type
with the fields it reads."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from nsmcode.models.base import Name, Spec, invalid

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
