"""The Python API: load a project, query its metrics, get their SQL, read OKR status.

    import nsmcode
    project = nsmcode.load("examples/metrics")      # nsmcode.ProjectError on bad definitions
    result = project.query(["weekly_active_integration_points"], by="week", segments=["plan"])
    result.rows; result.columns; result.sql; result.to_pandas()

The command line is a thin layer over this module (commands/run.py): both go through
`Project.query`, so a notebook and `nsmcode query` give the same numbers. Nothing here prints;
every problem with the definitions or the input is a `ProjectError` carrying located
diagnostics. pyarrow, pandas and polars are optional (`pip install 'nsmcode[dataframes]'`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
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
from nsmcode.diagnostics import Diagnostic, InputError, Span

if TYPE_CHECKING:
    from nsmcode import models
    from nsmcode import project as _project
    from nsmcode.run.connections import Engine
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
        self._kept: dict[str, tuple[str, Engine]] = {}
        """Open embedded-DuckDB engines, by profile, with the files they map (see `_engine`)."""
        self._plans: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        """Compiled queries by (metrics, dialect, options, grain): the definitions never change
        once loaded, so each query shape is compiled once per project."""

    def close(self) -> None:
        """Close the DuckDB connections kept open between queries (also done when the project
        is garbage-collected, or at the end of a `with nsmcode.load(...) as project:` block)."""
        kept, self._kept = self._kept, {}
        for _, engine in kept.values():
            engine.close()

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
        with _errors(), self._engine(connection) as engine:
            return self._query(
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
            with self._engine(connection) as engine:
                return self._query(
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

        with _errors(), self._engine(connection) as engine:
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
        return self._status("okr", names, as_of, connection, progress)

    def kpi_status(
        self,
        teams: Sequence[str] = (),
        *,
        as_of: DateLike | None = None,
        connection: str | None = None,
        progress: Progress | None = None,
    ) -> Status:
        """Status of every KPI (of the named teams), as `kpi status` reports it."""
        return self._status("kpi", teams, as_of, connection, progress)

    def connection_dialect(self, connection: str | None = None) -> str:
        """The SQL dialect a connection profile runs (default: the project's connection)."""
        from nsmcode.run import connections

        with _errors():
            connections.profile(self._project, connection)  # an unknown name: a located R009
        return self._project.config.connection_dialect(connection)

    # -- internals shared with the command line ---------------------------------------------------

    def _engine(self, connection: str | None) -> AbstractContextManager[Engine]:
        """The engine for one call. Embedded DuckDB over files (no `database:`, which another
        process may want to write) stays open between calls, as long as the mapped files that
        exist are the same ones; every other connection is opened and closed per call."""
        from nsmcode.run import connections
        from nsmcode.run.engines.files import mapped_files

        chosen, profile = connections.profile(self._project, connection)
        if profile.type != "duckdb" or profile.database not in (None, ":memory:"):
            return connections.open_engine(self._project, connection)
        files = repr(mapped_files(self._project, chosen, profile))
        kept = self._kept.get(chosen)
        if kept is None or kept[0] != files:
            if kept is not None:
                kept[1].close()
            kept = self._kept[chosen] = (files, connections.open_engine(self._project, connection))
        return nullcontext(kept[1])

    def _plan(self, names: list[str], engine: Engine, options: Any, by: str | None) -> list[Any]:
        from nsmcode.run import execute

        key = (tuple(names), engine.dialect, options, by)
        batches = self._plans.get(key)
        if batches is None:
            if len(self._plans) >= 256:
                self._plans.pop(next(iter(self._plans)))
            batches = self._plans[key] = tuple(
                execute.plan(self._project, names, engine.dialect, options, by=by)
            )
        return list(batches)

    def _query(
        self,
        engine: Engine,
        names: list[str],
        *,
        by: str | None,
        segments: Sequence[str],
        where: str | None,
        since: dt.date | None,
        until: dt.date | None,
        order: Sequence[str] = (),
        limit: int | None = None,
        pivot: bool = False,
        as_of: dt.date | None = None,
        progress: Progress | None = None,
        where_span: Span | None = None,
    ) -> Result:
        from nsmcode.run import arrow, execute, goals, shape

        project = self._project
        execute.check_metrics(project, names)
        check_grain(by, project)
        if limit is not None and limit < 0:
            negative = Diagnostic("R014", f"limit {limit} is negative", Span("--limit"), "give 0+")
            raise InputError([negative])
        options = query_options(segments, where, since, until, where_span)
        batches = self._plan(names, engine, options, as_grain(by))
        statements = tuple(b.sql for b in batches)
        if arrow.available(engine, batches, pivot):
            data = arrow.fetch(project, engine, batches[0], len(options.segments))
            shape.check_order([c for c in data.column_names], order)
            as_of = as_of or goals.latest_date(project, engine, names)
            if as_of is not None:
                data = arrow.completeness(
                    project, data, batches[0].metrics, as_of, as_grain(by), until
                )
            if order:
                data = arrow.order(data, order)
            if limit is not None:
                data = data.slice(0, limit)
            return Result(None, statements, data, (batches[0].metrics, options.segments, as_of))
        table = execute.run_batches(project, engine, names, options, batches, progress)
        if as_of is None:
            as_of = goals.latest_date(project, engine, names)
        if as_of is not None:
            table = shape.completeness(project, table, as_of, as_grain(by), until)
        if pivot:
            table = shape.pivot(table)
        if order:
            table = shape.order(table, order)
        return Result(shape.limit(table, limit), statements)

    def _status(
        self,
        kind: str,
        names: Sequence[str],
        as_of: DateLike | None,
        connection: str | None,
        progress: Progress | None = None,
    ) -> Status:
        from nsmcode.run import goals, status

        project = self._project
        with _errors():
            if kind == "okr":
                chosen = goals.okr_groups(project, names, [])
                wanted = status.key_results([project.okrs[g.name] for g in chosen])
            else:
                chosen = goals.team_groups(project, names, [])
                wanted = status.kpis([project.teams[g.name] for g in chosen])
            with self._engine(connection) as engine:
                day, items = goals.evaluate(
                    project, engine, wanted, as_day(as_of, "as_of"), progress
                )
        return Status(day, items)


def _frozen(table: dict[str, T]) -> Mapping[str, T]:
    from types import MappingProxyType

    return MappingProxyType(table)

