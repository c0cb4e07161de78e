"""Data files as tables: embedded DuckDB, and the checks every file-mapping engine shares.

The user's DuckDB database is attached READ_ONLY beside an in-memory catalog; that catalog holds
a view over each of the database's tables and views, plus one per `tables:` file, so queries see
both while nothing is ever written to the user's file. A mapping that would hide a table or view
of the database is refused (R011).
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from nsmcode import models
from nsmcode.diagnostics import Diagnostic
from nsmcode.loader import display_path
from nsmcode.project import Project
from nsmcode.run.engines.base import Engine, connect_error, error, inside, missing_driver, span

FORMATS = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".tsv": "csv",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
}
"""Suffix -> format of the files `tables:` may name (also compressed: .gz, .zst)."""
_COMPRESSED = (".gz", ".zst")
_ATTACHED = "nsm_database"


def file_format(project: Project, name: str, table: str, file: str) -> str:
    """The format of a mapped file from its suffix, or a located R012 naming the supported ones."""
    lowered = file.lower()
    for suffix in _COMPRESSED:
        lowered = lowered.removesuffix(suffix)
    kind = FORMATS.get(Path(lowered).suffix)
    if kind is None:
        supported = ", ".join(sorted(FORMATS)) + " (optionally .gz or .zst compressed)"
        raise error(
            "R012",
            f"connection {name!r}: table {table!r} maps to {file!r}, a file type nsmcode cannot "
            "read",
            project,
            name,
            ["tables", table],
            f"supported: {supported}",
        )
    return kind


def table_parts(project: Project, name: str, table: str) -> list[str]:
    parts = table.split(".")
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise error(
            "R012",
            f"connection {name!r}: table name {table!r} under `tables:` must be `table` or "
            "`schema.table`",
            project,
            name,
            ["tables", table],
            "name the table as the sources' `table:` does",
        )
    return parts


def mapped_files(
    project: Project, name: str, conn: models.Connection
) -> tuple[dict[str, tuple[Path, str]], dict[str, str]]:
    """(table -> (path, format) for files that exist, table -> file for those that do not).

    Every mapped file is checked before anything opens: its type (R012) and that it stays in
    the project (R013)."""
    present: dict[str, tuple[Path, str]] = {}
    missing: dict[str, str] = {}
    for table, file in sorted(conn.tables.items()):
        table_parts(project, name, table)
        kind = file_format(project, name, table, file)
        fixed = Path(file).parts
        fixed = fixed[: next((i for i, p in enumerate(fixed) if glob.has_magic(p)), len(fixed))]
        inside(project, name, ["tables", table], str(Path(*fixed)) if fixed else ".", "data file")
        path = project.root / file
        exists = glob.glob(str(path)) if glob.has_magic(str(path)) else path.is_file()
        if exists:
            present[table] = (path, kind)
        else:
            missing[table.lower()] = file
    return present, missing


def open_duckdb(project: Project, name: str, conn: models.Connection) -> Engine:
    try:
        import duckdb
    except ImportError:
        raise missing_driver(project, name, "duckdb", "nsmcode[duckdb]") from None
    present, missing = mapped_files(project, name, conn)
    database = _database(project, name, conn)
    connection = duckdb.connect(":memory:")
    existing: dict[tuple[str, str], str] = {}
    if database is not None:
        try:
            connection.execute(f"ATTACH {_literal(str(database))} AS {_ATTACHED} (READ_ONLY)")
        except duckdb.Error as exc:
            connection.close()
            raise connect_error(project, name, conn, exc, []) from None
        existing = _objects(connection)
        _refuse_shadows(project, name, conn, existing)
        for (schema, table), _kind in sorted(existing.items()):
            _view(connection, schema, table, f"{_ATTACHED}.{_quote(schema)}.{_quote(table)}")
    for table, (path, kind) in sorted(present.items()):
        parts = table.split(".")
        schema, view = (parts[0], parts[1]) if len(parts) == 2 else ("main", parts[0])
        _view(connection, schema, view, _reader(path, kind))
    engine = Engine(name, "duckdb", "duckdb", connection)
    engine.missing_files.update(missing)
    return engine


def _database(project: Project, name: str, conn: models.Connection) -> Path | None:
    if conn.database in (None, ":memory:"):
        return None
    path = inside(project, name, ["database"], conn.database, "DuckDB database")
    if not path.is_file():
        raise error(
            "R003",
            f"connection {name!r}: DuckDB database {display_path(path, project.root)} does not "
            "exist",
            project,
            name,
            ["database"],
            "fix `database:` (relative to nsmcode.yaml); nsmcode never creates a database, "
            "leave `database:` out to use only the `tables:` files",
        )
    return path


def _objects(connection: Any) -> dict[tuple[str, str], str]:
    """(schema, name) -> 'table' | 'view' of the attached database (names as stored)."""
    rows = connection.execute(
        "SELECT schema_name, table_name, 'table' FROM duckdb_tables() WHERE database_name = ? "
        "UNION ALL SELECT schema_name, view_name, 'view' FROM duckdb_views() "
        "WHERE database_name = ? AND NOT internal",
        [_ATTACHED, _ATTACHED],
    ).fetchall()
    return {(str(s), str(t)): str(k) for s, t, k in rows}


def _refuse_shadows(
    project: Project, name: str, conn: models.Connection, existing: dict[tuple[str, str], str]
) -> None:
    lowered = {(s.lower(), t.lower()): (s, t, k) for (s, t), k in existing.items()}
    for table in sorted(conn.tables):
        parts = table.lower().split(".")
        key = (parts[0], parts[1]) if len(parts) == 2 else ("main", parts[0])
        if key in lowered:
            schema, found, kind = lowered[key]
            raise error(
                "R011",
                f"connection {name!r}: `tables: {table}` would hide the {kind} "
                f"{schema}.{found} of the database {conn.database}",
                project,
                name,
                ["tables", table],
                f"remove the mapping to read the database's {kind}, or map the file under "
                "another name (and use that name in the source's `table:`)",
            )


def _view(connection: Any, schema: str, view: str, select_from: str) -> None:
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS memory.{_quote(schema)}")
    connection.execute(
        f"CREATE OR REPLACE VIEW memory.{_quote(schema)}.{_quote(view)} AS "
        f"SELECT * FROM {select_from}"
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _reader(path: Path, kind: str) -> str:
    function = {"parquet": "read_parquet", "csv": "read_csv_auto", "json": "read_json_auto"}[kind]
    return f"{function}({_literal(str(path))})"


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
    tables = sorted(_tables(project, engine))
    mapped = next((t for t in tables if t.lower() == table.lower()), table)
    return Diagnostic(
        "R003",
        f"data file {file} for table {table!r} does not exist "
        f"(connection {engine.name!r}, relative to {display_path(project.root, project.root)})",
        span(project, engine.name, "tables", mapped),
        hint,
    )


def _tables(project: Project, engine: Engine) -> list[str]:
    conn = project.config.connections.get(engine.name)
    return list(conn.tables) if conn is not None else []
