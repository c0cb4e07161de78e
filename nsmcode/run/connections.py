"""Connections: embedded DuckDB by default, warehouses by profile, one small `Engine` over each.

A profile lives under `connections:` in nsmcode.yaml. Secrets never do: a password, token or a
whole connection string is read from the environment variable the profile names, and is
scrubbed from every message nsmcode prints. Drivers are imported only when a query runs on a
profile that needs them (never by validate, compile or docs). The engines themselves live in
`nsmcode.run.engines`, one module per kind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError
from nsmcode.project import Project
from nsmcode.run.engines.base import (
    EMBEDDED,
    Engine,
    EngineError,
    Result,
    as_date,
    classify,
    interrupted,
    normalise,
    scrub,
)
from nsmcode.run.engines.files import data_file_error, open_duckdb
from nsmcode.run.engines.warehouses import open_dbapi, open_postgres, open_sqlite, open_warehouse

log = logging.getLogger(__name__)  # --verbose shows these records

__all__ = [
    "EMBEDDED",
    "Engine",
    "EngineError",
    "Result",
    "as_date",
    "classify",
    "data_file_error",
    "dialect_of",
    "interrupted",
    "normalise",
    "open_engine",
    "profile",
    "scrub",
]


def profile(project: Project, name: str | None) -> tuple[str, models.Connection]:
    """The connection profile to use: `name`, else the project's `connection`, else embedded."""
    chosen = name or project.config.connection
    if chosen is None:
        return EMBEDDED, models.Connection(type="duckdb")
    if chosen not in project.config.connections:
        import difflib

        known = ", ".join(sorted(project.config.connections)) or "none defined"
        close = difflib.get_close_matches(chosen, list(project.config.connections), n=1)
        guess = f"did you mean {close[0]!r}? " if close else ""
        raise InputError(
            [
                Diagnostic(
                    "R009",
                    f"connection {chosen!r} is not defined under `connections`",
                    project.config_span("connections") if name else project.config_span(),
                    f"{guess}known connections: {known}",
                )
            ]
        )
    return chosen, project.config.connections[chosen]


def dialect_of(project: Project, name: str | None, why: str) -> str:
    """The SQL dialect queries on a profile (see `profile`) are written in, without connecting;
    logged for --verbose as an opened connection is, with `why` nothing was opened."""
    chosen, conn = profile(project, name)
    dialect = project.config.connection_dialect(name)
    log.debug(
        "connection %r: %s, SQL in the %s dialect (not connected: %s)",
        chosen,
        conn.type,
        dialect,
        why,
    )
    return dialect


def _open_spark(project: Project, name: str, conn: models.Connection) -> Engine:
    from nsmcode.run.engines.spark import open_spark

    return open_spark(project, name, conn)


_OPENERS: dict[str, Callable[[Project, str, models.Connection], Engine]] = {
    "duckdb": open_duckdb,
    "postgres": open_postgres,
    "sqlite": open_sqlite,
    "dbapi": open_dbapi,
    "spark": _open_spark,
}


def open_engine(project: Project, name: str | None = None) -> Engine:
    """Connect with a profile (see `profile`); raise InputError with a located hint on failure."""
    chosen, conn = profile(project, name)
    opener = _OPENERS.get(conn.type, open_warehouse)
    return opener(project, chosen, conn)
