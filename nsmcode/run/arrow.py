"""DuckDB results kept as Arrow: a query on DuckDB is fetched as an Arrow table and shaped there
(completeness, order, limit), so `to_arrow()`, `to_pandas()` and `to_polars()` never build one
Python object per value; `rows` are made from it only when asked for.

Values are normalised as `connections.normalise` does for the Python path: exact decimals become
integers (scale 0) or floats, so both paths give the same numbers.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Sequence
from typing import Any

from nsmcode import models
from nsmcode.diagnostics import InputError
from nsmcode.project import Project
from nsmcode.run import execute, shape
from nsmcode.run.connections import Engine, as_date
from nsmcode.run.execute import Batch, Table, explain


def available(engine: Engine, batches: Sequence[Batch], pivot: bool) -> bool:
    """One DuckDB query, no pivot, pyarrow installed: the result can stay in Arrow."""
    return (
        engine.kind == "duckdb"
        and len(batches) == 1
        and not pivot
        and importlib.util.find_spec("pyarrow") is not None
    )


def fetch(project: Project, engine: Engine, batch: Batch, segments: int) -> Any:
    """The batch's result as a pyarrow Table with columns named as `Table.columns` (a single
    metric's `value` renamed; totals without `period`)."""
    import time

    import duckdb

    started = time.monotonic()
    try:
        relation = engine.connection.sql(batch.sql)
        table = (getattr(relation, "to_arrow_table", None) or relation.arrow)()
    except duckdb.Error as exc:
        from nsmcode.run.connections import EngineError, classify, interrupted, scrub

        if interrupted(exc):
            raise KeyboardInterrupt from None
        message = scrub(str(exc).strip().splitlines()[0], engine.secrets)
        kind, name = classify(message)
        error = EngineError(kind, message, name)
        raise InputError([explain(project, engine, batch.metrics, error)]) from None
    engine.log_run(batch.sql, table.num_rows, started, " into Arrow")
    names = list(table.column_names)
    if len(batch.metrics) == 1 and names[1 + segments :] == ["value"]:
        names[-1] = batch.metrics[0]
    table = _normalised(table.rename_columns(names), batch.grain is models.Grain.HOUR)
    if batch.grain is None:
        table = table.drop_columns(["period"])
    return table


def _normalised(table: Any, hourly: bool = False) -> Any:
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            target = pa.int64() if field.type.scale == 0 else pa.float64()
            table = table.set_column(i, field.name, table.column(i).cast(target))
        elif field.name == "period" and pa.types.is_timestamp(field.type) and not hourly:
            table = table.set_column(i, "period", table.column(i).cast(pa.date32()))
    return table


def completeness(
    project: Project,
    table: Any,
    metrics: Sequence[str],
    as_of: dt.date,
    by: str,
    until: dt.date | None,
) -> Any:
    """The table with a `complete` column: the rule of `shape.completeness`, per period."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if execute.custom_grain(project, by):  # as shape.completeness: not judged
        return table
    if "period" not in table.column_names:
        done = shape.total_complete(project, metrics, as_of, until)
        return table.append_column("complete", pa.array([done] * table.num_rows, pa.bool_()))
    complete = shape.period_complete(project, metrics, by, as_of)
    periods = pc.unique(table.column("period")).to_pylist()
    closed = [p for p in periods if p is not None and complete(as_date(p) or p)]
    kind = table.column("period").type  # date32, or per hour a timestamp
    flags = pc.is_in(table.column("period"), value_set=pa.array(closed, kind))
    return table.append_column("complete", flags)


def order(table: Any, keys: Sequence[str]) -> Any:
    """Sort like `shape.order` (NULLs last; ties keep the current order: a stable sort)."""
    sort_keys = [
        (k.removeprefix("-"), "descending" if k.startswith("-") else "ascending") for k in keys
    ]
    return table.sort_by(sort_keys)  # Arrow's default puts NULLs at the end


def to_table(
    arrow: Any, metrics: Sequence[str], segments: Sequence[str], as_of: dt.date | None
) -> Table:
    """The Python-object table (what the command line prints), made once, when asked for."""
    columns = [c for c in arrow.column_names if c != "complete"]
    data = [arrow.column(c).to_pylist() for c in columns]
    rows = list(zip(*data, strict=True)) if data else []
    complete = (
        tuple(arrow.column("complete").to_pylist()) if "complete" in arrow.column_names else None
    )
    total = "period" not in columns
    return Table(tuple(metrics), tuple(segments), rows, total, complete, as_of)
