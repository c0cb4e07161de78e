"""Warehouse profiles: PostgreSQL, SQLite, any DB-API module, and the first-class warehouses.

Each first-class profile is a pure function from the profile to the driver's connect arguments
(`connect_arguments`, tested without a server) plus one generic opener that imports the driver
only now, when a query runs on the profile, connects, and turns every failure into R004/R005.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nsmcode import models
from nsmcode.loader import display_path
from nsmcode.project import Project
from nsmcode.run.engines.base import (
    Engine,
    connect_error,
    env,
    error,
    inside,
    missing_driver,
)


@dataclass
class Arguments:
    """What a driver's connect() gets, and the secrets among them (scrubbed from messages)."""

    kwargs: dict[str, Any]
    secrets: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)


def _set(kwargs: dict[str, Any], **values: Any) -> dict[str, Any]:
    kwargs.update({k: v for k, v in values.items() if v is not None})
    return kwargs


def _require(project: Project, name: str, conn: models.Connection, *attrs: str) -> None:
    for attr in attrs:
        if getattr(conn, attr) is None:
            shown = "schema" if attr == "schema_name" else attr
            raise error(
                "R006",
                f"connection {name!r} of type {conn.type} needs `{shown}`",
                project,
                name,
                ["type"],
                f"add `{shown}:` to the profile (see docs/running.md)",
            )


def connect_arguments(project: Project, name: str, conn: models.Connection) -> Arguments:
    """The connect arguments of a first-class profile (secrets read from the environment)."""
    password = env(project, name, conn, "password_env")
    token = env(project, name, conn, "token_env")
    secrets = [s for s in (password, token) if s]
    kind = conn.type
    if kind == "mysql":
        kwargs = _set(
            {"connect_timeout": 10, "autocommit": True, "charset": "utf8mb4"},
            host=conn.host or "127.0.0.1",
            port=conn.port or 3306,
            user=conn.user,
            password=password,
            database=conn.database,
        )
        return Arguments(kwargs, secrets)
    if kind == "clickhouse":
        kwargs = _set(
            {"connect_timeout": 10},
            host=conn.host or "127.0.0.1",
            port=conn.port,
            username=conn.user,
            password=password,
            database=conn.database,
            secure=conn.secure,
        )
        return Arguments(kwargs, secrets)
    if kind == "trino":
        _require(project, name, conn, "host", "user")
        kwargs = _set(
            {"http_scheme": "https" if conn.secure or password else "http"},
            host=conn.host,
            port=conn.port or (443 if conn.secure or password else 8080),
            user=conn.user,
            catalog=conn.catalog,
            schema=conn.schema_name,
        )
        if password is not None:
            kwargs["auth"] = ("basic", conn.user, password)  # built into the driver's class later
        return Arguments(kwargs, secrets)
    if kind == "snowflake":
        _require(project, name, conn, "account", "user")
        kwargs = _set(
            {"login_timeout": 30, "application": "nsmcode"},
            account=conn.account,
            user=conn.user,
            password=password,
            warehouse=conn.warehouse,
            database=conn.database,
            schema=conn.schema_name,
            role=conn.role,
        )
        return Arguments(kwargs, secrets)
    if kind == "databricks":
        _require(project, name, conn, "host", "http_path", "token_env")
        kwargs = _set(
            {},
            server_hostname=conn.host,
            http_path=conn.http_path,
            access_token=token,
            catalog=conn.catalog,
            schema=conn.schema_name,
        )
        return Arguments(kwargs, secrets)
    if kind == "bigquery":
        _require(project, name, conn, "project")
        key_file = env(project, name, conn, "credentials_env")
        kwargs = _set({}, project=conn.project, location=conn.location, key_file=key_file)
        if conn.dataset is not None:
            kwargs["dataset"] = f"{conn.project}.{conn.dataset}"
        return Arguments(kwargs, secrets)
    raise AssertionError(kind)


DRIVERS: dict[str, tuple[str, str]] = {
    "mysql": ("pymysql", "nsmcode[mysql]"),
    "clickhouse": ("clickhouse_connect", "nsmcode[clickhouse]"),
    "trino": ("trino", "nsmcode[trino]"),
    "snowflake": ("snowflake.connector", "nsmcode[snowflake]"),
    "databricks": ("databricks.sql", "nsmcode[databricks]"),
    "bigquery": ("google.cloud.bigquery", "nsmcode[bigquery]"),
}
"""Profile type -> (driver module, the pip extra that installs it)."""


def open_warehouse(project: Project, name: str, conn: models.Connection) -> Engine:
    """Import the profile's driver (only now), connect, and wrap it in an Engine."""
    module_name, extra = DRIVERS[conn.type]
    arguments = connect_arguments(project, name, conn)
    try:
        driver = importlib.import_module(module_name)
    except ImportError:
        raise missing_driver(project, name, module_name, extra) from None
    try:
        return _CONNECT[conn.type](name, driver, arguments)
    except Exception as exc:
        raise connect_error(project, name, conn, exc, arguments.secrets) from None


def _mysql(name: str, driver: Any, a: Arguments) -> Engine:
    connection = driver.connect(**a.kwargs)
    with connection.cursor() as cursor:
        cursor.execute("SET time_zone = '+00:00'")  # TIMESTAMP columns read as UTC
        cursor.execute("SELECT VERSION()")
        (version,) = cursor.fetchone()
        if "mariadb" in str(version).lower():
            # MariaDB ignores MySQL's SET_VAR(cte_max_recursion_depth) hint and silently stops a
            # recursive calendar after max_recursive_iterations (1000) periods
            cursor.execute(f"SET SESSION max_recursive_iterations = {MARIADB_RECURSION}")
    return Engine(name, "mysql", "mysql", connection, tuple(a.secrets))


MARIADB_RECURSION = 4_294_967_295


def _clickhouse(name: str, driver: Any, a: Arguments) -> Engine:
    client = driver.get_client(**a.kwargs)

    def run(sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        result = client.query(sql)
        return list(result.column_names), [tuple(r) for r in result.result_rows]

    return Engine(name, "clickhouse", "clickhouse", client, tuple(a.secrets), run=run)


def _trino(name: str, driver: Any, a: Arguments) -> Engine:
    kwargs = dict(a.kwargs)
    if "auth" in kwargs:
        auth = importlib.import_module("trino.auth")
        _, user, password = kwargs["auth"]
        kwargs["auth"] = auth.BasicAuthentication(user, password)
    connection = importlib.import_module("trino.dbapi").connect(**kwargs)
    return Engine(name, "trino", "trino", connection, tuple(a.secrets))


def _snowflake(name: str, driver: Any, a: Arguments) -> Engine:
    connection = driver.connect(**a.kwargs)
    return Engine(name, "snowflake", "snowflake", connection, tuple(a.secrets))


def _databricks(name: str, driver: Any, a: Arguments) -> Engine:
    connection = driver.connect(**a.kwargs)
    return Engine(name, "databricks", "databricks", connection, tuple(a.secrets))


def _bigquery(name: str, driver: Any, a: Arguments) -> Engine:
    kwargs = dict(a.kwargs)
    key_file = kwargs.pop("key_file", None)
    dataset = kwargs.pop("dataset", None)
    if key_file is not None:
        client = driver.Client.from_service_account_json(key_file, **kwargs)
    else:
        client = driver.Client(**kwargs)
    dbapi = importlib.import_module("google.cloud.bigquery.dbapi")
    connection = dbapi.connect(client=client)
    if dataset is not None:
        config = driver.QueryJobConfig(default_dataset=dataset)
        client.default_query_job_config = config
    return Engine(name, "bigquery", "bigquery", connection, tuple(a.secrets))


_CONNECT: dict[str, Callable[[str, Any, Arguments], Engine]] = {
    "mysql": _mysql,
    "clickhouse": _clickhouse,
    "trino": _trino,
    "snowflake": _snowflake,
    "databricks": _databricks,
    "bigquery": _bigquery,
}


# ------------------------------------------------------------------------------------------------
# PostgreSQL, SQLite, DB-API


def open_postgres(project: Project, name: str, conn: models.Connection) -> Engine:
    try:
        import psycopg
    except ImportError:
        raise missing_driver(project, name, "psycopg", "nsmcode[postgres]") from None
    dsn = env(project, name, conn, "dsn_env")
    password = env(project, name, conn, "password_env")
    secrets = [s for s in (dsn, password) if s]
    if dsn is not None:
        with contextlib.suppress(psycopg.Error):
            secrets += [
                v
                for k, v in psycopg.conninfo.conninfo_to_dict(dsn).items()
                if k == "password" and isinstance(v, str)
            ]
    kwargs: dict[str, Any] = {"connect_timeout": 10, "autocommit": True}
    _set(
        kwargs,
        host=conn.host,
        port=conn.port,
        user=conn.user,
        dbname=conn.database,
        password=password,
    )
    try:
        connection = psycopg.connect(dsn or "", **kwargs)
    except Exception as exc:
        raise connect_error(project, name, conn, exc, secrets) from None
    return Engine(name, "postgres", "postgres", connection, tuple(secrets))


def open_sqlite(project: Project, name: str, conn: models.Connection) -> Engine:
    import sqlite3

    if conn.database in (None, ":memory:"):
        return Engine(name, "sqlite", "sqlite", sqlite3.connect(":memory:"))
    path = inside(project, name, ["database"], conn.database, "SQLite database")
    if not path.is_file():
        raise error(
            "R003",
            f"connection {name!r}: SQLite database {display_path(path, project.root)} "
            "does not exist",
            project,
            name,
            ["database"],
            "fix `database:` (relative to nsmcode.yaml); nsmcode never creates a database",
        )
    uri = "file:" + path.as_posix().replace("%", "%25").replace("?", "%3F").replace("#", "%23")
    return Engine(name, "sqlite", "sqlite", sqlite3.connect(f"{uri}?mode=ro", uri=True))


def open_dbapi(project: Project, name: str, conn: models.Connection) -> Engine:
    if not conn.module:
        raise error(
            "R006",
            f"connection {name!r} of type dbapi names no driver `module`",
            project,
            name,
            ["type"],
            "add e.g. `module: snowflake.connector`",
        )
    dsn = env(project, name, conn, "dsn_env")
    password = env(project, name, conn, "password_env")
    secrets = [s for s in (dsn, password) if s]
    try:
        driver = importlib.import_module(conn.module)
    except ImportError:
        raise missing_driver(project, name, conn.module, conn.module.split(".")[0]) from None
    kwargs = _set({}, host=conn.host, port=conn.port, user=conn.user, password=password)
    args = [a for a in (dsn, conn.database) if a is not None][:1]
    try:
        connection = driver.connect(*args, **kwargs)
    except Exception as exc:
        raise connect_error(project, name, conn, exc, secrets) from None
    return Engine(name, "dbapi", project.config.dialect, connection, tuple(secrets))
