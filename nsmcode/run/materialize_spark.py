"""`nsmcode materialize` on Spark: Parquet tables partitioned by period, in the session's catalog.

Spark's built-in catalogs have no multi-statement transactions, so the guarantee is built from
what they do have, the atomic commit of one write job:

- each table is a Parquet table partitioned by `period` (the partition column comes last);
- an incremental run writes the recomputed periods with one `INSERT OVERWRITE` in *dynamic*
  partition mode: the job writes its files to a staging folder and only its commit swaps the
  affected partitions in, so a run killed (or failing) before the commit leaves every previous
  row; periods of the table within the replaced range that the new rows no longer have are then
  dropped;
- a rebuild of a table whose columns did not change (`--full`) is one `INSERT OVERWRITE` of the
  whole table, with the same commit; a new or changed layout drops and re-creates the table;
- the commit itself replaces partition folders one by one (a delete and a rename each): a reader
  in those milliseconds may see a replaced period missing. Use a transactional table format if
  readers must never see that;
- the registry is only ever appended to (the latest entry of a table wins), so no run can lose
  it;
- Spark caches a table's file listing per session: a long-lived reader session runs
  `REFRESH TABLE` to see a run's new files (nsmcode refreshes before it writes).
"""

from __future__ import annotations

import os
from typing import Any

from nsmcode.diagnostics import Diagnostic, InputError
from nsmcode.run.materialize import FAULT, REGISTRY, Replace, _Writer

_REGISTRY_COLUMNS = ["table_name", "saved_query", "layout", "recorded"]
_TYPES = {"TEXT": "STRING", "VARCHAR": "STRING", "DOUBLE PRECISION": "DOUBLE"}


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class SparkWriter(_Writer):
    """The writer over a SparkSession (local or Spark Connect): the same decisions as on the SQL
    engines (`_Writer.write`), carried out with partition overwrites instead of a transaction."""

    @property
    def spark(self) -> Any:
        return self.engine.connection

    def sql(self, text: str, **args: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.spark.sql(text, args=args or None).collect()]

    def table(self, name: str) -> str:
        return f"{_quote(self.schema)}.{_quote(name)}"

    def exists(self, name: str) -> bool:
        """Whether the table exists; if so its cached file listing is dropped, since another
        session (a previous run) may have replaced its files."""
        found = bool(self.spark.catalog.tableExists(self.table(name)))
        if found:
            self.spark.catalog.refreshTable(self.table(name))
        return found

    def count(self, name: str) -> int:
        return int(self.spark.table(self.table(name)).count())

    def prepare(self) -> None:
        """The schema and the registry, created if missing; a foreign registry is refused."""
        if self.exists(REGISTRY):
            found = [c.lower() for c in self.spark.table(self.table(REGISTRY)).columns]
            if found != _REGISTRY_COLUMNS:
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
            return
        self.sql(f"CREATE SCHEMA IF NOT EXISTS {_quote(self.schema)}")
        self.sql(
            f"CREATE TABLE {self.table(REGISTRY)} (table_name STRING, saved_query STRING, "
            "layout STRING, recorded BIGINT) USING parquet"
        )

    def owned(self, table: str) -> str | None:
        rows = self.sql(
            f"SELECT layout FROM {self.table(REGISTRY)} WHERE table_name = :name "
            "ORDER BY recorded DESC LIMIT 1",
            name=table,
        )
        return str(rows[0][0]) if rows else None

    def layout(self, definition: Any) -> list[tuple[str, str]]:
        """The SQL engines' columns in Spark types, the partition column `period` last."""
        columns = [(c, _TYPES.get(t, t)) for c, t in super().layout(definition)]
        if columns[0][0] == "period":
            columns = [*columns[1:], columns[0]]
        return columns

    def replace(self, plan: Replace) -> None:
        table = self.table(plan.name)
        names = [c for c, _ in plan.columns]
        partitioned = names[-1] == "period"
        schema = ", ".join(f"{_quote(c)} {t}" for c, t in plan.columns)
        if plan.rebuild and not plan.same_layout:
            self.register(plan.name, plan.layout)  # first: a killed run leaves a table it owns
            self.sql(f"DROP TABLE IF EXISTS {table}")
            partition = f" PARTITIONED BY ({_quote('period')})" if partitioned else ""
            self.sql(f"CREATE TABLE {table} ({schema}) USING parquet{partition}")
        rows = [_typed(_spark_order(r, partitioned), plan.columns) for r in plan.rows]
        frame = self.spark.createDataFrame(rows, schema=schema)
        fault = os.environ.get(FAULT)
        if fault and rows:
            frame = _faulty(frame, fault)
        dynamic = partitioned and not plan.rebuild and plan.since is not None
        self.overwrite(frame, table, "dynamic" if dynamic else "static")
        if dynamic:
            kept = {r[-1] for r in rows}
            found = self.sql(
                f"SELECT DISTINCT period FROM {table} WHERE period >= :since", since=plan.since
            )
            for (period,) in sorted(found):
                if period not in kept:
                    self.sql(
                        f"ALTER TABLE {table} DROP IF EXISTS PARTITION (period = "
                        f"'{period.isoformat()}')"
                    )

    def overwrite(self, frame: Any, table: str, mode: str) -> None:
        """One INSERT OVERWRITE job: `dynamic` replaces the partitions the rows hold, `static`
        the whole table. The session's own setting is restored afterwards."""
        key = "spark.sql.sources.partitionOverwriteMode"
        before = self.spark.conf.get(key)
        self.spark.conf.set(key, mode)
        try:
            frame.write.insertInto(table, overwrite=True)
        finally:
            self.spark.conf.set(key, before)

    def register(self, name: str, layout: str) -> None:
        """Append the table's layout to the registry (the latest entry wins)."""
        latest = self.sql(f"SELECT COALESCE(MAX(recorded), 0) FROM {self.table(REGISTRY)}")
        row = (name, name, layout, int(latest[0][0]) + 1)
        frame = self.spark.createDataFrame(
            [row], schema="table_name STRING, saved_query STRING, layout STRING, recorded BIGINT"
        )
        frame.write.insertInto(self.table(REGISTRY), overwrite=False)


def _spark_order(row: tuple[Any, ...], partitioned: bool) -> tuple[Any, ...]:
    return (*row[1:], row[0]) if partitioned else row


def _typed(row: tuple[Any, ...], columns: list[tuple[str, str]]) -> tuple[Any, ...]:
    """Values as the column types want them (Spark checks: an int is not a DOUBLE)."""
    cast = {"DOUBLE": float, "BIGINT": int}
    return tuple(
        v if v is None or t not in cast else cast[t](v)
        for v, (_, t) in zip(row, columns, strict=True)
    )


def _faulty(frame: Any, fault: str) -> Any:
    """The frame through a UDF that kills this (driver) process, or raises, while the write job
    runs: the test hook of FAULT. The UDF runs in a Python worker, so the job is under way."""
    from pyspark.sql.functions import col, udf

    driver = os.getpid()
    first = frame.columns[0]
    kind = dict(frame.dtypes)[first]

    def hook(value: Any) -> Any:
        import os
        import signal
        import time

        if fault == "kill":
            os.kill(driver, signal.SIGKILL)
            time.sleep(120)
        raise RuntimeError("injected fault in the middle of the write")

    return frame.withColumn(first, udf(hook, kind)(col(first)))
