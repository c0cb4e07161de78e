"""The Python API: load a project, query its metrics, get their SQL, read OKR status.

    import nsmcode
    project = nsmcode.load("examples/metrics")      # nsmcode.ProjectError on bad definitions
    result = project.query(["weekly_active_integration_points"], by="week", segments=["plan"])
    result.rows; result.columns; result.sql; result.to_pandas()

The command line is a thin layer over this module (commands/run.py): both go through
`Project.query`, so a notebook and `nsmcode query` give the same numbers. Nothing here prints;
every problem with the definitions or the input is a `ProjectError` carrying located
diagnostics. pyarrow, pandas and polars are optional (`pip install 'nsmcode[dataframes]'`).

This module is the public surface; its parts live next to it: api_inputs (arguments checked and
normalized), api_results (`Result`, `Status`), api_session (the engines and compiled queries a
project keeps between calls, and the query core). Nothing heavy is imported at module level:
the CLI's `--help` reads GRAINS from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from nsmcode.api_inputs import GRAINS as GRAINS
from nsmcode.api_inputs import TOTAL as TOTAL
from nsmcode.api_inputs import (
    DateLike,
    as_day,
    as_grain,
    check_grain,
    metric_names,
    query_options,
)
from nsmcode.api_results import Result, Status
from nsmcode.api_session import Session
from nsmcode.diagnostics import InputError

if TYPE_CHECKING:
    from nsmcode import models
    from nsmcode import project as _project
    from nsmcode.run.execute import Progress
    from nsmcode.run.materialize import Written

__all__ = ["Project", "ProjectError", "Result", "Status", "load"]

T = TypeVar("T")


class ProjectError(InputError):
    """The definitions or the input are wrong. `diagnostics` holds every problem found, each with
    a code, a message, a `span` (file:line:col) and a fix `hint`; `str()` renders them all."""


@contextmanager
def _errors() -> Iterator[None]:
    """Every input error leaves the API as a ProjectError (a subclass of InputError)."""
    try:
        yield
    except ProjectError:
        raise
    except InputError as exc:
        raise ProjectError(exc.diagnostics) from None


def load(path: str | Path = ".") -> Project:
    """Load and check the project whose `nsmcode.yaml` is in the folder `path`."""
    from nsmcode.project import load_project

    with _errors():
        return Project(load_project(path))


# ------------------------------------------------------------------------------------------------
# The project


class Project:
    """A loaded project. `metrics`, `sources`, `funnels`, `okrs`, `teams`: read-only mappings of
    the definitions (pydantic models: `.description`, `.grain`, `.segments`, ...)."""

    def __init__(self, project: _project.Project) -> None:
        self._project = project
        self._session = Session(project)
        """The engines kept open and the queries compiled between calls."""

    def close(self) -> None:
        """Close the DuckDB connections kept open between queries (also done when the project
        is garbage-collected, or at the end of a `with nsmcode.load(...) as project:` block)."""
        self._session.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<nsmcode.Project {self.name!r} ({len(self.metrics)} metrics)>"

    # -- definitions ------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._project.config.name

    @property
    def root(self) -> Path:
        return self._project.root

    @property
    def definitions(self) -> _project.Project:
        """The resolved definitions underneath, as nsmcode's own layers (compile, run) take them."""
        return self._project

    @property
    def metrics(self) -> Mapping[str, models.Metric]:
        return _frozen(self._project.metrics)

    @property
    def sources(self) -> Mapping[str, models.Source]:
        return _frozen(self._project.sources)

    @property
    def funnels(self) -> Mapping[str, models.Funnel]:
        return _frozen(self._project.funnels)

    @property
    def okrs(self) -> Mapping[str, models.Okr]:
        return _frozen(self._project.okrs)

    @property
    def teams(self) -> Mapping[str, models.Team]:
        return _frozen(self._project.teams)

    @property
    def north_star(self) -> models.Metric | None:
        return self._project.north_star

    def dimensions(self, metric: str | None = None) -> dict[str, list[str]]:
        """Dimension -> the sources declaring it; with `metric`, only those it can be segmented
        or filtered by (reachable from every source it reads)."""
        from nsmcode.run import listing

        with _errors():
            return listing.dimensions(self._project, metric)

    def catalog(self, kind: str, metric: str | None = None) -> list[dict[str, Any]]:
        """What `nsmcode list KIND` shows: `metrics`, `dimensions`, `segments` or `funnels`
        (dimensions and segments: of `metric` only, when given)."""
        from nsmcode.run import listing

        if kind not in listing.KINDS:
            raise ValueError(f"kind must be one of {', '.join(listing.KINDS)}, not {kind!r}")
        with _errors():
            return listing.rows(self._project, kind, metric)

    # -- queries ----------------------------------------------------------------------------------

    def query(
        self,
        metrics: str | Sequence[str],
        *,
        by: str | None = None,
        segments: Sequence[str] = (),
        where: str | None = None,
        since: DateLike | None = None,
        until: DateLike | None = None,
        order: Sequence[str] = (),
        limit: int | None = None,
        pivot: bool = False,
        as_of: DateLike | None = None,
        connection: str | None = None,
        progress: Progress | None = None,
    ) -> Result:
        """Compute metrics on the project's connection (or `connection`).

        by: hour, day, week, month, quarter or `total` (one row over the range); default each
        metric's grain (a metric without one: a total). where: a SQL condition on declared
        dimensions, checked like a qualifier. since/until: inclusive bounds on the period start
        (YYYY-MM-DD). order: column names, `-name` for descending. pivot: one column per metric
        and segment values. as_of: the date completeness is judged on (default: the latest event
        date in the sources read)."""
        with _errors(), self._session.engine(connection) as engine:
            return self._session.query(
                engine,
                metric_names(metrics),
                by=by,
                segments=segments,
                where=where,
                since=as_day(since, "since"),
                until=as_day(until, "until"),
                order=order,
                limit=limit,
                pivot=pivot,
                as_of=as_day(as_of, "as_of"),
                progress=progress,
            )

    def query_saved(
        self,
        name: str,
        *,
        order: Sequence[str] = (),
        limit: int | None = None,
        pivot: bool = False,
        as_of: DateLike | None = None,
        connection: str | None = None,
        progress: Progress | None = None,
    ) -> Result:
        """Run a saved query (`saved_queries:` in the definitions). Relative bounds such as
        `since: -12 weeks` count back from `as_of`, else from today."""
        from nsmcode.run import saved

        with _errors():
            day = as_day(as_of, "as_of")
            definition = saved.get(self._project, name)
            options = saved.options(self._project, definition, day or dt.date.today())
            with self._session.engine(connection) as engine:
                return self._session.query(
                    engine,
                    list(definition.metrics),
                    by=saved.by(definition),
                    segments=options.segments,
                    where=options.where,
                    since=options.since,
                    until=options.until,
                    order=order,
                    limit=limit,
                    pivot=pivot,
                    as_of=day,
                    progress=progress,
                    where_span=options.where_span,
                )

    @property
    def saved_queries(self) -> Mapping[str, models.SavedQuery]:
        return _frozen(self._project.saved_queries)

    def saved_sql(self, name: str, *, dialect: str | None = None) -> str:
        """A saved query's SQL, as `nsmcode compile` writes it (relative bounds on
        CURRENT_DATE)."""
        from nsmcode.run import saved

        with _errors():
            return saved.compile_saved(self._project, name, dialect or self._project.config.dialect)

    def materialize(
        self,
        saved: Sequence[str] = (),
        *,
        connection: str | None = None,
        lookback: int | None = None,
        full: bool = False,
        as_of: DateLike | None = None,
        progress: Progress | None = None,
    ) -> list[Written]:
        """Write saved queries' results (all, when none is named) into tables of the schema
        `materialize:` names, replacing the last `lookback` periods in one transaction; see
        `nsmcode.run.materialize`."""
        from nsmcode.run import materialize

        with _errors():
            return materialize.materialize(
                self._project,
                list(saved),
                connection=connection,
                lookback=lookback,
                full=full,
                as_of=as_day(as_of, "as_of"),
                progress=progress,
            )

    def explain(
        self,
        metrics: str | Sequence[str],
        *,
        by: str | None = None,
        segments: Sequence[str] = (),
        where: str | None = None,
        since: DateLike | None = None,
        until: DateLike | None = None,
        connection: str | None = None,
        dialect: str | None = None,
    ) -> list[str]:
        """The SQL `query` would run, one statement per batch, for the dialect of `connection`
        (or `dialect`); nothing runs and nothing connects."""
        from nsmcode.run import execute

        with _errors():
            names = metric_names(metrics)
            execute.check_metrics(self._project, names)
            check_grain(by, self._project)
            dialect = dialect or self.connection_dialect(connection)
            options = query_options(segments, where, as_day(since, "since"), as_day(until, "until"))
            batches = execute.plan(self._project, names, dialect, options, by=as_grain(by))
            return [b.sql for b in batches]

    def sql(
        self,
        metric: str,
        *,
        dialect: str | None = None,
        by: str | None = None,
        segments: Sequence[str] = (),
        where: str | None = None,
        since: DateLike | None = None,
        until: DateLike | None = None,
    ) -> str:
        """The SQL of one metric for a dialect (default: the project's `dialect`)."""
        (statement,) = self.explain(
            [metric],
            by=by,
            segments=segments,
            where=where,
            since=since,
            until=until,
            dialect=dialect or self._project.config.dialect,
        )
        return statement

    def values(
        self,
        dimension: str,
        *,
        metric: str | None = None,
        limit: int | None = None,
        connection: str | None = None,
    ) -> list[Any]:
        """Distinct values of a dimension in the warehouse, sorted, NULL last."""
        from nsmcode.run import listing

        with _errors(), self._session.engine(connection) as engine:
            return listing.values(self._project, engine, dimension, metric, limit)

    def okr_status(
        self,
        names: Sequence[str] = (),
        *,
        as_of: DateLike | None = None,
        connection: str | None = None,
        progress: Progress | None = None,
    ) -> Status:
        """Status of every key result (of the named OKRs), as `okr status` reports it."""
        with _errors():
            return self._session.status("okr", names, as_of, connection, progress)

    def kpi_status(
        self,
        teams: Sequence[str] = (),
        *,
        as_of: DateLike | None = None,
        connection: str | None = None,
        progress: Progress | None = None,
    ) -> Status:
        """Status of every KPI (of the named teams), as `kpi status` reports it."""
        with _errors():
            return self._session.status("kpi", teams, as_of, connection, progress)

    def connection_dialect(self, connection: str | None = None) -> str:
        """The SQL dialect a connection profile runs (default: the project's connection)."""
        from nsmcode.run import connections

        with _errors():
            connections.profile(self._project, connection)  # an unknown name: a located R009
        return self._project.config.connection_dialect(connection)


def _frozen(table: dict[str, T]) -> Mapping[str, T]:
    from types import MappingProxyType

    return MappingProxyType(table)

