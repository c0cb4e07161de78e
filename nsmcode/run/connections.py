"""Connections: embedded DuckDB by default, warehouses by profile, one small `Engine` over each.

A profile lives under `connections:` in nsmcode.yaml. Secrets never do: a password or a whole
connection string is read from the environment variable the profile names, and is scrubbed from
every message nsmcode prints. Drivers are imported only when a profile that needs them is used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import glob
import importlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.loader import display_path
from nsmcode.project import Project

EMBEDDED = "embedded"
_DIALECT = {"duckdb": "duckdb", "postgres": "postgres", "sqlite": "sqlite"}


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]


class EngineError(Exception):
    """A query failed; `kind` says how, so callers can point at the definition involved.

    kind: `missing_table`, `missing_column` (with `name`) or `other`. The message is already
    scrubbed of secrets.
    """

    def __init__(self, kind: str, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.message = message


# Driver messages for a table or column that is not there, in DuckDB, PostgreSQL, SQLite and the
# wording most other warehouses use. The captured name may be qualified ("a.plan").
_MISSING_TABLE = (
    r"Table with name ([\w.\"]+) does not exist",
    r"relation \"([^\"]+)\" does not exist",
    r"no such table: ([\w.]+)",
    r"[Tt]able '?\"?([\w.]+)\"?'? (?:does not exist|not found)",
    r"Object '?\"?([\w.]+)\"?'? does not exist",
)
_MISSING_COLUMN = (
    r"Referenced column \"([^\"]+)\" not found",
    r"does not have a column named \"([^\"]+)\"",
    r"column \"?([\w.]+)\"? does not exist",
    r"no such column: ([\w.]+)",
    r"[Uu]nknown column '?([\w.]+)'?",
    r"invalid identifier '?\"?([\w.]+)\"?'?",
)


def classify(message: str) -> tuple[str, str | None]:
    """(`missing_table` | `missing_column` | `other`, the name involved) from a driver message."""
    for kind, patterns in (("missing_table", _MISSING_TABLE), ("missing_column", _MISSING_COLUMN)):
        for pattern in patterns:
            match = re.search(pattern, message)
            if match:
                return kind, match.group(1).replace('"', "").split(".")[-1]
    return "other", None


def scrub(message: str, secrets: Sequence[str]) -> str:
    """Remove secrets, and anything shaped like a password, from a message."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        message = message.replace(secret, "***")
    message = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", message, flags=re.IGNORECASE)
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", message)


@dataclass
class Engine:
    """A live connection and the SQL dialect nsmcode compiles for it."""

    name: str
    kind: str
    dialect: str
    connection: Any
    secrets: tuple[str, ...] = ()
    missing_files: dict[str, str] = field(default_factory=dict)
    """DuckDB: table -> file named in `tables:` that does not exist (reported when queried)."""

    def execute(self, sql: str) -> Result:
        # A DuckDB cursor is a second connection, which would not see the session's temp views.
        shared = self.kind == "duckdb"
        cursor = self.connection if shared else self.connection.cursor()
        try:
            cursor.execute(sql)
            columns = [str(d[0]).lower() for d in cursor.description or ()]
            rows = [tuple(normalise(v) for v in row) for row in cursor.fetchall()]
        except Exception as exc:
            message = scrub(_first_line(exc), self.secrets)
            kind, name = classify(message)
            self._rollback()
            raise EngineError(kind, message, name) from None
        finally:
            if not shared:
                cursor.close()
        return Result(columns, rows)

    def _rollback(self) -> None:
        """Leave a failed transaction so the next query can run (DB-API drivers without
        autocommit); engines with nothing to roll back may refuse, which is fine."""
        with contextlib.suppress(Exception):
            self.connection.rollback()

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].strip()


def normalise(value: Any) -> Any:
    """Engine-independent Python values: exact decimals become int or float, times become dates
    only where the engine returns a timestamp for a DATE (periods are compared across engines)."""
    if isinstance(value, decimal.Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    return value


def as_date(value: Any) -> dt.date | None:
    """A period or timestamp value from any engine as a date (SQLite returns text)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ------------------------------------------------------------------------------------------------
# Opening


def profile(project: Project, name: str | None) -> tuple[str, models.Connection]:
    """The connection profile to use: `name`, else the project's `connection`, else embedded."""
    chosen = name or project.config.connection
    if chosen is None:
        return EMBEDDED, models.Connection(type="duckdb")
    if chosen not in project.config.connections:
        known = ", ".join(sorted(project.config.connections)) or "none defined"
        raise InputError(
            [
                Diagnostic(
                    "R009",
                    f"connection {chosen!r} is not defined under `connections`",
                    project.config_span("connections") if name else project.config_span(),
                    f"known connections: {known}",
                )
            ]
        )
    return chosen, project.config.connections[chosen]


def open_engine(project: Project, name: str | None = None) -> Engine:
    """Connect with a profile (see `profile`); raise InputError with a located hint on failure."""
    chosen, conn = profile(project, name)
    opener = {
        "duckdb": _open_duckdb,
        "postgres": _open_postgres,
        "sqlite": _open_sqlite,
        "dbapi": _open_dbapi,
    }[conn.type]
    return opener(project, chosen, conn)


def _span(project: Project, name: str, *path: str) -> Span:
    if name == EMBEDDED:
        return project.config_span()
    return project.config_span("connections", name, *path)


def _env(project: Project, name: str, conn: models.Connection, attr: str) -> str | None:
    variable = getattr(conn, attr)
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise InputError(
            [
                Diagnostic(
                    "R006",
                    f"connection {name!r}: environment variable {variable} is not set",
                    _span(project, name, attr),
                    f"export {variable}=... before running; secrets never go in nsmcode.yaml",
                )
            ]
        )
    return value


def _connect_error(
    project: Project, name: str, conn: models.Connection, exc: BaseException, secrets: list[str]
) -> InputError:
    message = scrub(_first_line(exc), secrets)
    lowered = message.lower()
    credential = any(
        word in lowered
        for word in ("password", "authentication", "role", "permission denied", "access denied")
    )
    if credential:
        where = conn.password_env or conn.dsn_env
        hint = "check the user name and the credentials" + (
            f" in the environment variable {where}" if where else ""
        )
        code, what = "R005", "authentication failed"
    else:
        hint = "check that the server is running and reachable (host, port, network)"
        code, what = "R004", "cannot connect"
    return InputError(
        [
            Diagnostic(
                code,
                f"connection {name!r} ({conn.type}): {what}: {message}",
                _span(project, name, "type"),
                hint,
            )
        ]
    )


def _open_postgres(project: Project, name: str, conn: models.Connection) -> Engine:
    try:
        import psycopg
    except ImportError:
        raise _missing_driver(project, name, "psycopg", "nsmcode[postgres]") from None
    dsn = _env(project, name, conn, "dsn_env")
    password = _env(project, name, conn, "password_env")
    secrets = [s for s in (dsn, password) if s]
    if dsn is not None:
        with contextlib.suppress(psycopg.Error):
            secrets += [
                v
                for k, v in psycopg.conninfo.conninfo_to_dict(dsn).items()
                if k == "password" and isinstance(v, str)
            ]
    kwargs: dict[str, Any] = {"connect_timeout": 10, "autocommit": True}
    for key, value in (
        ("host", conn.host),
        ("port", conn.port),
        ("user", conn.user),
        ("dbname", conn.database),
        ("password", password),
    ):
        if value is not None:
            kwargs[key] = value
    try:
        connection = psycopg.connect(dsn or "", **kwargs)
    except Exception as exc:
        raise _connect_error(project, name, conn, exc, secrets) from None
    return Engine(name, "postgres", "postgres", connection, tuple(secrets))


def _open_sqlite(project: Project, name: str, conn: models.Connection) -> Engine:
    import sqlite3

    if conn.database in (None, ":memory:"):
        return Engine(name, "sqlite", "sqlite", sqlite3.connect(":memory:"))
    path = project.root / conn.database
    if not path.is_file():
        raise InputError(
            [
                Diagnostic(
                    "R003",
                    f"connection {name!r}: SQLite database {display_path(path, project.root)} "
                    "does not exist",
                    _span(project, name, "database"),
                    "fix `database:` (relative to nsmcode.yaml) or create the database",
                )
            ]
        )
    return Engine(name, "sqlite", "sqlite", sqlite3.connect(f"file:{path}?mode=ro", uri=True))


def _missing_driver(project: Project, name: str, module: str, install: str) -> InputError:
    return InputError(
        [
            Diagnostic(
                "R006",
                f"connection {name!r} needs the Python module {module!r}, which is not installed",
                _span(project, name, "type"),
                f"pip install '{install}'",
            )
        ]
    )


def _open_dbapi(project: Project, name: str, conn: models.Connection) -> Engine:
    if not conn.module:
        raise InputError(
            [
                Diagnostic(
                    "R006",
                    f"connection {name!r} of type dbapi names no driver `module`",
                    _span(project, name, "type"),
                    "add e.g. `module: snowflake.connector`",
                )
            ]
        )
    try:
        driver = importlib.import_module(conn.module)
    except ImportError:
        raise _missing_driver(project, name, conn.module, conn.module.split(".")[0]) from None
    dsn = _env(project, name, conn, "dsn_env")
    password = _env(project, name, conn, "password_env")
    secrets = [s for s in (dsn, password) if s]
    kwargs = {
        k: v
        for k, v in (
            ("host", conn.host),
            ("port", conn.port),
            ("user", conn.user),
            ("password", password),
        )
        if v is not None
    }
    args = [a for a in (dsn, conn.database) if a is not None][:1]
    try:
        connection = driver.connect(*args, **kwargs)
    except Exception as exc:
        raise _connect_error(project, name, conn, exc, secrets) from None
    return Engine(name, "dbapi", project.config.dialect, connection, tuple(secrets))


# ------------------------------------------------------------------------------------------------
# DuckDB


def _open_duckdb(project: Project, name: str, conn: models.Connection) -> Engine:
    try:
        import duckdb
    except ImportError:
        raise _missing_driver(project, name, "duckdb", "nsmcode[duckdb]") from None
    database = str(project.root / conn.database) if conn.database else ":memory:"
    try:
        connection = duckdb.connect(database)
    except duckdb.Error as exc:
        raise _connect_error(project, name, conn, exc, []) from None
    engine = Engine(name, "duckdb", "duckdb", connection)
    for table, file in sorted(conn.tables.items()):
        path = project.root / file
        if not (glob.glob(str(path)) if glob.has_magic(str(path)) else path.is_file()):
            engine.missing_files[table.lower()] = file
            continue
        _create_view(connection, table, path)
    return engine


def _reader(path: Path) -> str:
    literal = "'" + str(path).replace("'", "''") + "'"
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return f"read_parquet({literal})"
    if suffix in (".csv", ".tsv", ".txt"):
        return f"read_csv_auto({literal})"
    if suffix in (".json", ".ndjson", ".jsonl"):
        return f"read_json_auto({literal})"
    return literal


def _create_view(connection: Any, table: str, path: Path) -> None:
    """A view named like the table over the file. Unqualified names get TEMP views, so a DuckDB
    database file is never changed; schema-qualified names need a real schema and view."""
    parts = [p.replace('"', '""') for p in table.split(".")]
    kind = "VIEW"
    if len(parts) > 1:
        connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{parts[-2]}"')
    else:
        kind = "TEMP VIEW"
    name = ".".join(f'"{p}"' for p in parts)
    connection.execute(f"CREATE OR REPLACE {kind} {name} AS SELECT * FROM {_reader(path)}")


def data_file_error(project: Project, engine: Engine, table: str) -> Diagnostic | None:
    """The located error for a table whose mapped data file is missing, if that is the cause."""
    file = engine.missing_files.get(table.lower())
    if file is None:
        return None
    generator = project.root / "generate_data.py"
    if generator.is_file():
        hint = f"generate the data: python {display_path(generator, project.root)}"
    else:
        hint = f"create {file} or fix `connections.{engine.name}.tables.{table}`"
    return Diagnostic(
        "R003",
        f"data file {file} for table {table!r} does not exist "
        f"(connection {engine.name!r}, relative to {display_path(project.root, project.root)})",
        _span(project, engine.name, "tables", table),
        hint,
    )
