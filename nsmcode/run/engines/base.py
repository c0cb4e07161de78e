"""The `Engine` every command runs SQL through, its errors, and the secrets it never prints."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.loader import display_path
from nsmcode.project import Project

EMBEDDED = "embedded"


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


# Driver messages for a table or column that is not there, in DuckDB, PostgreSQL, SQLite, MySQL/
# MariaDB, ClickHouse, Spark and the wording most other warehouses use. The captured name may be
# qualified ("a.plan").
_MISSING_TABLE = (
    r"Table with name ([\w.\"]+) does not exist",
    r"relation \"([^\"]+)\" does not exist",
    r"no such table: ([\w.]+)",
    r"Table '([\w.]+)' doesn't exist",  # MySQL, MariaDB
    r"Unknown table expression identifier '([\w.]+)'",  # ClickHouse
    r"TABLE_OR_VIEW_NOT_FOUND\]? [^`]*`?([\w.`]+)`? cannot be found",  # Spark
    r"[Tt]able '?\"?([\w.]+)\"?'? (?:does not exist|not found)",
    r"Object '?\"?([\w.]+)\"?'? does not exist",
)
_MISSING_COLUMN = (
    r"Referenced column \"([^\"]+)\" not found",
    r"does not have a column named \"([^\"]+)\"",
    r"column \"?([\w.]+)\"? does not exist",
    r"no such column: ([\w.]+)",
    r"[Uu]nknown column '?([\w.]+)'?",
    r"Identifier '([\w.]+)' cannot be resolved",  # ClickHouse
    r"Unknown expression (?:or function )?identifier [`']([\w.]+)[`']",  # ClickHouse
    r"Missing columns: '([\w.]+)'",  # ClickHouse (older)
    r"UNRESOLVED_COLUMN[\w.]*\]? A column[^`]*`([\w.`]+)`",  # Spark
    r"invalid identifier '?\"?([\w.]+)\"?'?",
)


def classify(message: str) -> tuple[str, str | None]:
    """(`missing_table` | `missing_column` | `other`, the name involved) from a driver message."""
    for kind, patterns in (("missing_table", _MISSING_TABLE), ("missing_column", _MISSING_COLUMN)):
        for pattern in patterns:
            match = re.search(pattern, message)
            if match:
                return kind, match.group(1).replace('"', "").replace("`", "").split(".")[-1]
    return "other", None


# ------------------------------------------------------------------------------------------------
# Secrets

_SEPARATORS = re.compile(r"[@:/?#%'\"\s;&=]+")
log = logging.getLogger(__name__)  # --verbose shows these records

_FRAGMENT = 4
"""Fragments of a secret this long or longer are scrubbed wherever a driver echoes them."""


def secret_forms(secret: str) -> set[str]:
    """What a driver may echo of a secret: itself, URL-(un)quoted, the password a URL carries
    (parsed strictly and generously: up to the last `@`), and its pieces between the characters
    URL and conninfo parsers split on (`Sup3r@Secret` echoed as host `Secret@127.0.0.1`)."""
    forms = {secret, unquote(secret), quote(secret, safe="")}
    if "://" in secret:
        rest = secret.split("://", 1)[1]
        if "@" in rest:
            userinfo = rest.rsplit("@", 1)[0]
            if ":" in userinfo:
                forms.add(userinfo.split(":", 1)[1])
        with contextlib.suppress(ValueError):
            strict = urlsplit(secret).password
            if strict:
                forms.add(strict)
    for form in list(forms):
        forms |= {unquote(form), quote(form, safe="")}
        forms |= {p for p in _SEPARATORS.split(form) if len(p) >= _FRAGMENT}
    return {f for f in forms if f}


def scrub(message: str, secrets: Sequence[str]) -> str:
    """Remove secrets (every form a driver may echo), and anything shaped like a password."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms |= secret_forms(secret)
    for form in sorted(forms, key=len, reverse=True):
        message = message.replace(form, "***")
    message = re.sub(
        r"((?:password|passwd|pwd|token|secret)\s*[=:]\s*)('[^']*'|\"[^\"]*\"|\S+)",
        r"\1***",
        message,
        flags=re.IGNORECASE,
    )
    return re.sub(r"(://[^:/@\s]+:)\S*@", r"\1***@", message)


# ------------------------------------------------------------------------------------------------
# The engine


@dataclass
class Engine:
    """A live connection and the SQL dialect nsmcode compiles for it.

    `run` executes one statement and returns (column names, rows); the default uses the DB-API
    cursor of `connection`. Messages of every error are scrubbed of `secrets`."""

    name: str
    kind: str
    dialect: str
    connection: Any
    secrets: tuple[str, ...] = ()
    missing_files: dict[str, str] = field(default_factory=dict)
    """File-backed tables: table -> file named in `tables:` that does not exist (reported when
    queried)."""
    run: Callable[[str], tuple[list[str], list[tuple[Any, ...]]]] | None = None
    closer: Callable[[], None] | None = None

    def execute(self, sql: str) -> Result:
        started = time.monotonic()
        try:
            columns, rows = (self.run or self._dbapi)(sql)
        except Exception as exc:
            if interrupted(exc):
                raise KeyboardInterrupt from None
            message = scrub(first_line(exc), self.secrets)
            kind, name = classify(message)
            self._rollback()
            raise EngineError(kind, message, name) from None
        self.log_run(sql, len(rows), started)
        return Result([c.lower() for c in columns], [tuple(normalise(v) for v in r) for r in rows])

    def __post_init__(self) -> None:
        log.debug("connection %r: %s, SQL in the %s dialect", self.name, self.kind, self.dialect)

    def log_run(self, sql: str, rows: int, started: float, via: str = "") -> None:
        """For --verbose: a statement ran (its size, rows back, time since `started`)."""
        lines = sql.count("\n") + 1
        log.debug(
            "ran %d line%s of %s SQL on %r%s: %d row%s in %.2f s",
            lines,
            "" if lines == 1 else "s",
            self.dialect,
            self.name,
            via,
            rows,
            "" if rows == 1 else "s",
            time.monotonic() - started,
        )

    def _dbapi(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        # A DuckDB cursor is a second connection, which would not see the session's temp views.
        shared = self.kind == "duckdb"
        cursor = self.connection if shared else self.connection.cursor()
        try:
            cursor.execute(sql)
            columns = [str(d[0]) for d in cursor.description or ()]
            return columns, [tuple(row) for row in cursor.fetchall()]
        finally:
            if not shared:
                cursor.close()

    def _rollback(self) -> None:
        """Leave a failed transaction so the next query can run (DB-API drivers without
        autocommit); engines with nothing to roll back may refuse, which is fine."""
        with contextlib.suppress(Exception):
            self.connection.rollback()

    def close(self) -> None:
        if self.closer is not None:
            self.closer()
        else:
            self.connection.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def interrupted(exc: BaseException) -> bool:
    """Whether a driver's exception reports Ctrl-C during a statement (DuckDB turns the
    KeyboardInterrupt into its own InterruptException): the user stopped nsmcode, the
    definitions are not at fault."""
    return type(exc).__name__ == "InterruptException"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].strip()


def normalise(value: Any) -> Any:
    """Engine-independent Python values: exact decimals become int or float."""
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
# Located errors of a profile


def span(project: Project, name: str, *path: str) -> Span:
    if name == EMBEDDED:
        return project.config_span()
    try:
        return project.config_span("connections", name, *path)
    except (KeyError, IndexError, TypeError):
        return project.config_span("connections", name)


def error(
    code: str, message: str, project: Project, name: str, path: Iterable[str], hint: str
) -> InputError:
    return InputError([Diagnostic(code, message, span(project, name, *path), hint)])


def env(project: Project, name: str, conn: models.Connection, attr: str) -> str | None:
    """The value of the environment variable the profile's `attr` names (R006 when unset)."""
    variable = getattr(conn, attr)
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise error(
            "R006",
            f"connection {name!r}: environment variable {variable} is not set",
            project,
            name,
            [attr],
            f"export {variable}=... before running; secrets never go in nsmcode.yaml",
        )
    return value


_CREDENTIAL_WORDS = (
    "password",
    "authentication",
    "role",
    "permission denied",
    "access denied",
    "unauthorized",
    "unauthenticated",
    "invalid token",
    "credential",
)
_CREDENTIAL_STATUS = re.compile(r"\b(?:401|403)\b")


def connect_error(
    project: Project, name: str, conn: models.Connection, exc: BaseException, secrets: list[str]
) -> InputError:
    """R005 when the driver says the credentials are wrong, else R004 (cannot connect)."""
    message = scrub(first_line(exc), secrets)
    lowered = message.lower()
    if any(word in lowered for word in _CREDENTIAL_WORDS) or _CREDENTIAL_STATUS.search(message):
        where = next(
            (v for v in (conn.password_env, conn.token_env, conn.dsn_env) if v is not None), None
        )
        hint = "check the user name and the credentials" + (
            f" in the environment variable {where}" if where else ""
        )
        code, what = "R005", "authentication failed"
    else:
        hint = "check that the server is running and reachable (host, port, network)"
        code, what = "R004", "cannot connect"
    return error(code, f"connection {name!r} ({conn.type}): {what}: {message}", project, name,
                 ["type"], hint)


def missing_driver(project: Project, name: str, module: str, install: str) -> InputError:
    return error(
        "R006",
        f"connection {name!r} needs the Python module {module!r}, which is not installed",
        project,
        name,
        ["type"],
        f"pip install '{install}'",
    )


def inside(project: Project, name: str, where: Sequence[str], value: str, what: str) -> Path:
    """A file the profile names, which must stay inside the project (R013)."""
    root = project.root.resolve()
    path = (project.root / value).resolve()
    if path != root and root not in path.parents:
        raise error(
            "R013",
            f"connection {name!r}: {what} {value!r} is outside the project folder "
            f"{display_path(project.root, project.root)}",
            project,
            name,
            where,
            "name a file inside the project (relative to nsmcode.yaml); "
            "nsmcode reads nothing outside it",
        )
    return path
