"""What the Python API returns: a query's `Result` (rows, columns, SQL, and conversions to Arrow,
pandas and polars) and OKR/KPI `Status`. Arrow and the dataframe libraries are optional and
imported only when a conversion asks for them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow

    from nsmcode.run.execute import Table
    from nsmcode.run.status import GoalStatus


class Result:
    """A query's answer: `columns` and `rows` (tuples), one row per period (and segment values),
    plus `complete` per row (False: the period had not closed by `as_of`, its value may change).

    `sql` holds the statement(s) that ran, in the connection's dialect. On DuckDB the result
    stays an Arrow table until `rows` are asked for."""

    def __init__(
        self,
        table: Table | None,
        statements: Sequence[str] = (),
        arrow: Any = None,
        shape: tuple[Sequence[str], Sequence[str], dt.date | None] = ((), (), None),
    ) -> None:
        self._table = table
        self.statements = tuple(statements)
        self._arrow = arrow
        self._shape = shape

    @property
    def table(self) -> Table:
        """The rows as Python objects (what the command line prints)."""
        if self._table is None:
            from nsmcode.run import arrow

            metrics, segments, as_of = self._shape
            self._table = arrow.to_table(self._arrow, metrics, segments, as_of)
        return self._table

    def __repr__(self) -> str:
        return f"<nsmcode.Result {len(self)} rows: {', '.join(self.columns)}>"

    @property
    def columns(self) -> list[str]:
        if self._arrow is not None:
            return [c for c in self._arrow.column_names if c != "complete"]
        return self.table.columns

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return self.table.rows

    @property
    def complete(self) -> tuple[bool, ...] | None:
        return self.table.complete

    @property
    def as_of(self) -> dt.date | None:
        return self.table.as_of

    @property
    def sql(self) -> str:
        return ";\n\n".join(self.statements) + (";\n" if self.statements else "")

    def to_dicts(self) -> list[dict[str, Any]]:
        """One dict per row, with `complete` when it was computed."""
        out = []
        for i, row in enumerate(self.rows):
            record = dict(zip(self.columns, row, strict=True))
            if self.complete is not None:
                record["complete"] = self.complete[i]
            out.append(record)
        return out

    def to_arrow(self) -> pyarrow.Table:
        """A pyarrow Table (columns as in `columns`, then `complete`)."""
        pa = _optional("pyarrow", "to_arrow")
        if self._arrow is not None:
            return self._arrow
        data = {c: [r[i] for r in self.rows] for i, c in enumerate(self.columns)}
        if self.complete is not None:
            data["complete"] = list(self.complete)
        return pa.table(data)

    def to_pandas(self) -> pandas.DataFrame:
        """A pandas DataFrame, through Arrow."""
        _optional("pandas", "to_pandas")
        return self.to_arrow().to_pandas()

    def to_polars(self) -> polars.DataFrame:
        """A polars DataFrame, through Arrow (zero-copy where the types allow)."""
        _optional("polars", "to_polars")
        import polars as pl

        frame = pl.from_arrow(self.to_arrow())
        assert isinstance(frame, pl.DataFrame)
        return frame

    def __len__(self) -> int:
        return self._arrow.num_rows if self._arrow is not None else len(self.table.rows)


def _optional(module: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"Result.{what}() needs {module}, which is not installed: "
            f"pip install 'nsmcode[dataframes]'"
        ) from None


@dataclass(frozen=True)
class Status:
    """OKR or KPI status as of a date: one `GoalStatus` per key result or KPI."""

    as_of: dt.date
    goals: list[GoalStatus]

    def to_dicts(self) -> list[dict[str, Any]]:
        return [{"group": g.goal.group, **g.as_dict()} for g in self.goals]
