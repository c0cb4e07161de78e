"""`nsmcode materialize`: saved queries' results written into warehouse tables, incrementally.

The one place nsmcode writes to the user's database, and only where the project says so:

- tables live in the schema named by `materialize: {schema: ...}` in nsmcode.yaml, one per saved
  query, named like it;
- nsmcode writes only tables it created: each is recorded in `<schema>.nsmcode_registry` when it
  is created, and a table of that name that is not in the registry is refused (M002), as is a
  registry table that is not nsmcode's (M003);
- each run recomputes the last `lookback` periods (default: 1 + the longest window of the
  query's metrics, in periods) and replaces exactly those rows, DELETE + INSERT in **one
  transaction**: a reader sees the old rows or the new ones, never a half-written table, and a
  run killed half-way leaves the previous rows. The first run (or a changed column layout, or
  `full=True`) rebuilds the table in one transaction too;
- running twice changes nothing: the rows are a function of the definitions and the data.

Supported connections: DuckDB with a database file, PostgreSQL, and Spark (a local session over
the catalog kept in the profile's `warehouse:` folder, or a Spark Connect server's catalog; see
`materialize_spark` for what Spark guarantees instead of a transaction). DuckDB is opened here,
read-write (the `query` path never writes).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, InputError
from nsmcode.project import Project
from nsmcode.run import connections, saved, status
from nsmcode.run.connections import Engine, EngineError
from nsmcode.run.execute import Table
from nsmcode.run.goals import settle

REGISTRY = "nsmcode_registry"
FAULT = "NSMCODE_MATERIALIZE_FAULT"
"""Test hook: `kill` ends the process (SIGKILL) in the middle of the write (SQL: right after the old
rows are deleted, before the transaction commits; Spark: while the write job runs, before it
commits); `raise` raises there instead."""

_GRAIN_DAYS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 28, "quarter": 90}
_GRAIN_DAYS |= {"year": 365, "fiscal_quarter": 90, "fiscal_year": 365}


@dataclass(frozen=True)
class Replace:
    """What one run replaces in a table: the engine-neutral decision `_Writer.write` takes."""

    name: str
    columns: list[tuple[str, str]]
    layout: str
    """The columns as recorded in the registry (a change rebuilds the table)."""
    rebuild: bool
    """Replace the whole table (first run, `--full`, changed layout)."""
    same_layout: bool
    """The table exists with these columns (a rebuild need not drop it)."""
    since: dt.date | None
    """First period replaced (None: every row)."""
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Written:
    """What one saved query's run did."""

    saved_query: str
    table: str
    full: bool
    since: dt.date | None
    """First period replaced (None: the whole table)."""
    replaced: int
    total: int

    def __str__(self) -> str:
        what = "rebuilt" if self.full else f"replaced the periods from {self.since}"
        return f"{self.table}: {what}: {self.replaced} rows written, {self.total} in the table"


def materialize(
    project: Project,
    names: Sequence[str],
    *,
    connection: str | None = None,
    lookback: int | None = None,
    full: bool = False,
    as_of: dt.date | None = None,
    progress: Any = None,
) -> list[Written]:
    """Materialize the named saved queries (all, when none is named)."""
    config = _config(project)
    everything = list(project.saved_queries.values())
    chosen = [saved.get(project, n) for n in names] if names else everything
    if not chosen:
        raise InputError(
            [
                Diagnostic(
                    "M001",
                    "there are no saved queries to materialize",
                    project.config_span("materialize"),
                    "add `saved_queries:` to a definitions file (docs/spec.md, Saved queries)",
                )
            ]
        )
    out: list[Written] = []
    with _open(project, connection) as engine:
        if engine.kind == "spark":
            from nsmcode.run.materialize_spark import SparkWriter

            writer: _Writer = SparkWriter(project, engine, config.schema_name)
        else:
            writer = _Writer(project, engine, config.schema_name)
        writer.prepare()
        for definition in progress(chosen) if progress else chosen:
            out.append(
                writer.write(
                    definition, config.lookback if lookback is None else lookback, full, as_of
                )
            )
    return out


def _config(project: Project) -> models.Materialize:
    if project.config.materialize is None:
        raise InputError(
            [
                Diagnostic(
                    "M001",
                    "nsmcode.yaml names no schema to materialize into",
                    project.config_span(),
                    "add `materialize: {schema: metrics}`: nsmcode writes only into that schema",
                )
            ]
        )
    return project.config.materialize


@contextmanager
def _open(project: Project, name: str | None) -> Iterator[Engine]:
    """A writable connection: DuckDB opened here on its database file; PostgreSQL as usual."""
    chosen, conn = connections.profile(project, name)
    span = project.config_span("connections", chosen) if chosen != connections.EMBEDDED else None
    if conn.type == "duckdb":
        if not conn.database:
            raise InputError(
                [
                    Diagnostic(
                        "M004",
                        f"connection {chosen!r}: in-memory DuckDB keeps nothing materialized",
                        span or project.config_span(),
                        "give the connection a `database:` file",
                    )
                ]
            )
        import duckdb

        connection = duckdb.connect(str(project.root / conn.database))
        engine = Engine(chosen, "duckdb", "duckdb", connection)
        for table, file in sorted(conn.tables.items()):
            _temporary_view(project, chosen, connection, table, file)
    elif conn.type == "postgres" or (conn.type == "spark" and conn.remote is not None):
        engine = connections.open_engine(project, name)
    elif conn.type == "spark":
        if not conn.warehouse:
            raise InputError(
                [
                    Diagnostic(
                        "M004",
                        f"connection {chosen!r}: local Spark keeps its catalog in a temporary "
                        "folder, which keeps nothing materialized",
                        span or project.config_span(),
                        "give the connection a `warehouse:` folder inside the project: Spark's "
                        "local catalog (metastore and table files) is kept there",
                    )
                ]
            )
        from nsmcode.run.engines.base import inside
        from nsmcode.run.engines.spark import open_spark

        folder = inside(project, chosen, ["warehouse"], conn.warehouse, "warehouse folder")
        engine = open_spark(project, chosen, conn, catalog=folder)
    else:
        raise InputError(
            [
                Diagnostic(
                    "M004",
                    f"connection {chosen!r} ({conn.type}): materialize writes to DuckDB database "
                    "files, PostgreSQL and Spark only",
                    span or project.config_span(),
                    "materialize on a duckdb (with `database:`), postgres or spark connection",
                )
            ]
        )
    try:
        yield engine
    finally:
        engine.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Writer:
    def __init__(self, project: Project, engine: Engine, schema: str) -> None:
        self.project = project
        self.engine = engine
        self.schema = schema
        self.registry = f"{_quote(schema)}.{_quote(REGISTRY)}"
        self.marker = "%s" if engine.kind == "postgres" else "?"

    # -- SQL helpers ----------------------------------------------------------------------------

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        # DuckDB: the connection itself (a cursor would not see the session's temp views)
        shared = self.engine.kind == "duckdb"
        cursor = self.engine.connection if shared else self.engine.connection.cursor()
        try:
            cursor.execute(sql, list(params))
            return list(cursor.fetchall()) if cursor.description else []
        except Exception as exc:
            if connections.interrupted(exc):  # Ctrl-C: the transaction rolls back
                raise KeyboardInterrupt from None
            raise
        finally:
            if not shared:
                cursor.close()

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        shared = self.engine.kind == "duckdb"
        cursor = self.engine.connection if shared else self.engine.connection.cursor()
        try:
            cursor.executemany(sql, [list(r) for r in rows])
        except Exception as exc:
            if connections.interrupted(exc):
                raise KeyboardInterrupt from None
            raise
        finally:
            if not shared:
                cursor.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.run("BEGIN")
        try:
            yield
        except BaseException:
            self.run("ROLLBACK")
            raise
        self.run("COMMIT")

    def columns_of(self, table: str) -> list[str]:
        rows = self.run(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            f"{self.marker} AND table_name = {self.marker} ORDER BY ordinal_position",
            (self.schema, table),
        )
        return [str(r[0]) for r in rows]

    # -- steps ----------------------------------------------------------------------------------

    def prepare(self) -> None:
        """The schema and the registry, created if missing; a foreign registry is refused."""
        found = self.columns_of(REGISTRY)
        if found and found != ["table_name", "saved_query", "layout"]:
            raise InputError(
                [
                    Diagnostic(
                        "M003",
                        f"{self.schema}.{REGISTRY} exists and is not nsmcode's registry",
                        self.project.config_span("materialize", "schema"),
                        "materialize into a schema of its own",
                    )
                ]
            )
        if not found:
            with self.transaction():
                self.run(f"CREATE SCHEMA IF NOT EXISTS {_quote(self.schema)}")
                self.run(
                    f"CREATE TABLE {self.registry} (table_name VARCHAR(128) PRIMARY KEY, "
                    "saved_query VARCHAR(128) NOT NULL, layout VARCHAR(4000) NOT NULL)"
                )

    def owned(self, table: str) -> str | None:
        """The layout nsmcode recorded for a table it created; None when it did not create it."""
        rows = self.run(
            f"SELECT layout FROM {self.registry} WHERE table_name = {self.marker}", (table,)
        )
        return str(rows[0][0]) if rows else None

    def write(
        self,
        definition: models.SavedQuery,
        lookback: int | None,
        full: bool,
        as_of: dt.date | None,
    ) -> Written:
        name = definition.name
        shown = f"{self.schema}.{name}"
        columns = self.layout(definition)
        layout = ", ".join(f"{c} {t}" for c, t in columns)
        exists = self.exists(name)
        recorded = self.owned(name)
        if exists and recorded is None:
            raise InputError(
                [
                    Diagnostic(
                        "M002",
                        f"table {shown} exists and was not created by nsmcode: it is left alone",
                        self.project.span("saved_query", name, "name"),
                        f"rename the saved query, or drop {shown} yourself if it is disposable",
                    )
                ]
            )
        rebuild = full or not exists or recorded != layout
        grain = saved.grain(self.project, definition)
        day = as_of or dt.date.today()
        since: dt.date | None = None
        if not rebuild and grain is not None:
            periods = default_lookback(self.project, definition) if lookback is None else lookback
            latest = as_of or _latest(self.project, self.engine, definition)
            if latest is not None:
                since = status.advance(
                    _period_start(latest, grain, self.project.config.calendar),
                    -max(periods - 1, 0),
                    grain,
                )
        first = _later(saved.bound(definition.since, day), since)
        rows = _rows(self.compute(definition, first, saved.bound(definition.until, day), as_of))
        plan = Replace(name, columns, layout, rebuild, exists and recorded == layout, since, rows)
        self.replace(plan)
        total = self.count(name)
        return Written(name, shown, rebuild, None if rebuild else since, len(rows), total)

    def exists(self, name: str) -> bool:
        return bool(self.columns_of(name))

    def count(self, name: str) -> int:
        return int(self.run(f"SELECT COUNT(*) FROM {self.table(name)}")[0][0])

    def table(self, name: str) -> str:
        return f"{_quote(self.schema)}.{_quote(name)}"

    def replace(self, plan: Replace) -> None:
        """DELETE the replaced periods (or DROP and CREATE) and INSERT, in one transaction."""
        table = self.table(plan.name)
        marks = ", ".join(self.marker for _ in plan.columns)
        with self.transaction():
            if plan.rebuild:
                self.run(f"DROP TABLE IF EXISTS {table}")
                columns = ", ".join(f"{_quote(c)} {t}" for c, t in plan.columns)
                self.run(f"CREATE TABLE {table} ({columns})")
                self.run(
                    f"DELETE FROM {self.registry} WHERE table_name = {self.marker}", (plan.name,)
                )
                self.run(
                    f"INSERT INTO {self.registry} VALUES ({self.marker}, {self.marker}, "
                    f"{self.marker})",
                    (plan.name, plan.name, plan.layout),
                )
            elif plan.since is not None:
                self.run(f'DELETE FROM {table} WHERE "period" >= {self.marker}', (plan.since,))
            else:
                self.run(f"DELETE FROM {table}")
            _fault()
            if plan.rows:
                self.many(f"INSERT INTO {table} VALUES ({marks})", plan.rows)

    def compute(
        self,
        definition: models.SavedQuery,
        since: dt.date | None,
        until: dt.date | None,
        as_of: dt.date | None,
    ) -> Table:
        """The saved query's rows from `since`, with `complete` set (as `query --saved`)."""
        from dataclasses import replace

        from nsmcode.run import execute, shape
        from nsmcode.run.goals import latest_date

        options = replace(saved.options(self.project, definition, None), since=since, until=until)
        names = list(definition.metrics)
        by = saved.by(definition)
        batches = execute.plan(self.project, names, self.engine.dialect, options, by=by)
        table = execute.run_batches(self.project, self.engine, names, options, batches)
        day = as_of or latest_date(self.project, self.engine, names)
        return shape.completeness(self.project, table, day, by, until) if day else table

    def layout(self, definition: models.SavedQuery) -> list[tuple[str, str]]:
        """Column names and types: period (not for totals), segments, metrics, complete."""
        text = "TEXT" if self.engine.kind == "postgres" else "VARCHAR"
        out: list[tuple[str, str]] = []
        grain = saved.grain(self.project, definition)
        if grain is not None:  # an hour's period is its first second, a timestamp
            out.append(("period", "TIMESTAMP" if grain is models.Grain.HOUR else "DATE"))
        out += [(s, text) for s in definition.segments]
        for metric in definition.metrics:
            calc = self.project.metrics[metric].calculation
            exact = calc.type in ("count", "count_distinct")
            out.append((metric, "BIGINT" if exact else "DOUBLE PRECISION"))
        out.append(("complete", "BOOLEAN"))
        return out


def default_lookback(project: Project, definition: models.SavedQuery) -> int:
    """1 + the longest window of the query's metrics, in periods of its grain."""
    grain = saved.grain(project, definition)
    days = _GRAIN_DAYS[grain.value] if grain else 1
    longest = 0
    for metric in definition.metrics:
        rule = settle(project, metric)
        longest = max(longest, rule.periods + math.ceil(rule.days / days))
        for name in [metric, *project.upstream(metric)]:
            calc = project.metrics[name].calculation
            if isinstance(calc, models.Cumulative) and calc.window:
                longest = max(longest, math.ceil(models.duration_days(calc.window) / days))
    return 1 + longest


def _latest(project: Project, engine: Engine, definition: models.SavedQuery) -> dt.date | None:
    from nsmcode.run.goals import latest_date

    try:
        return latest_date(project, engine, list(definition.metrics))
    except EngineError:  # reported by the query itself
        return None


def _period_start(day: dt.date, grain: models.Grain, calendar: models.Calendar) -> dt.date:
    from nsmcode.compile.plan import period_start

    return period_start(day, grain, calendar)


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _rows(table: Table) -> list[tuple[Any, ...]]:
    lead = 0 if table.total else 1
    width = len(table.segments)
    flags = table.complete or tuple(True for _ in table.rows)
    out = []
    for row, done in zip(table.rows, flags, strict=True):
        segments = tuple(None if v is None else str(v) for v in row[lead : lead + width])
        out.append((*row[:lead], *segments, *row[lead + width :], done))
    return out


def _fault() -> None:
    """The fault-injection point between DELETE and INSERT (see FAULT)."""
    fault = os.environ.get(FAULT)
    if fault == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif fault == "raise":
        raise RuntimeError("injected fault between DELETE and INSERT")


__all__ = ["FAULT", "REGISTRY", "Replace", "Written", "default_lookback", "materialize"]


def _temporary_view(project: Project, name: str, connection: Any, table: str, file: str) -> None:
    """A file mapping as a TEMP view: it lives in this session only, so the user's database
    gains nothing but the tables materialize writes into its own schema."""
    from nsmcode.run.engines.files import _literal, _quote

    if "." in table:
        raise InputError(
            [
                Diagnostic(
                    "M004",
                    f"connection {name!r}: materialize reads file mappings under plain names "
                    f"only, not {table!r}",
                    project.config_span("connections", name, "tables", table),
                    "map the file under a plain name (and use it in the source's `table:`)",
                )
            ]
        )
    path = str(project.root / file)
    kind = file.rsplit(".", 1)[-1].lower()
    reader = {"parquet": "read_parquet", "json": "read_json_auto", "ndjson": "read_json_auto"}
    function = reader.get(kind, "read_csv_auto")
    connection.execute(
        f"CREATE OR REPLACE TEMP VIEW {_quote(table)} AS SELECT * FROM {function}({_literal(path)})"
    )
