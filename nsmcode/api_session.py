"""What a loaded project keeps between API calls, and the core those calls share with the
command line: embedded DuckDB over files stays open between calls, each query shape is compiled
once per project, and queries and OKR/KPI status run here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from nsmcode.api_inputs import DateLike, as_day, as_grain, check_grain, query_options
from nsmcode.api_results import Result, Status
from nsmcode.diagnostics import Diagnostic, InputError, Span

if TYPE_CHECKING:
    from nsmcode import project as _project
    from nsmcode.run.connections import Engine
    from nsmcode.run.execute import Progress


class Session:
    """The engines and compiled queries of one loaded project (`nsmcode.api.Project`)."""

    def __init__(self, project: _project.Project) -> None:
        self.project = project
        self.kept: dict[str, tuple[str, Engine]] = {}
        """Open embedded-DuckDB engines, by profile, with the files they map (see `engine`)."""
        self.plans: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        """Compiled queries by (metrics, dialect, options, grain): the definitions never change
        once loaded, so each query shape is compiled once per project."""

    def close(self) -> None:
        """Close the DuckDB connections kept open between queries."""
        kept, self.kept = self.kept, {}
        for _, engine in kept.values():
            engine.close()

    def engine(self, connection: str | None) -> AbstractContextManager[Engine]:
        """The engine for one call. Embedded DuckDB over files (no `database:`, which another
        process may want to write) stays open between calls, as long as the mapped files that
        exist are the same ones; every other connection is opened and closed per call."""
        from nsmcode.run import connections
        from nsmcode.run.engines.files import mapped_files

        chosen, profile = connections.profile(self.project, connection)
        if profile.type != "duckdb" or profile.database not in (None, ":memory:"):
            return connections.open_engine(self.project, connection)
        files = repr(mapped_files(self.project, chosen, profile))
        kept = self.kept.get(chosen)
        if kept is None or kept[0] != files:
            if kept is not None:
                kept[1].close()
            kept = self.kept[chosen] = (files, connections.open_engine(self.project, connection))
        return nullcontext(kept[1])

    def plan(self, names: list[str], engine: Engine, options: Any, by: str | None) -> list[Any]:
        from nsmcode.run import execute

        key = (tuple(names), engine.dialect, options, by)
        batches = self.plans.get(key)
        if batches is None:
            if len(self.plans) >= 256:
                self.plans.pop(next(iter(self.plans)))
            batches = self.plans[key] = tuple(
                execute.plan(self.project, names, engine.dialect, options, by=by)
            )
        return list(batches)

    def query(
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

        project = self.project
        execute.check_metrics(project, names)
        check_grain(by, project)
        if limit is not None and limit < 0:
            negative = Diagnostic("R014", f"limit {limit} is negative", Span("--limit"), "give 0+")
            raise InputError([negative])
        options = query_options(segments, where, since, until, where_span)
        batches = self.plan(names, engine, options, as_grain(by))
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

    def status(
        self,
        kind: str,
        names: Sequence[str],
        as_of: DateLike | None,
        connection: str | None,
        progress: Progress | None = None,
    ) -> Status:
        from nsmcode.run import goals, status

        project = self.project
        if kind == "okr":
            chosen = goals.okr_groups(project, names, [])
            wanted = status.key_results([project.okrs[g.name] for g in chosen])
        else:
            chosen = goals.team_groups(project, names, [])
            wanted = status.kpis([project.teams[g.name] for g in chosen])
        with self.engine(connection) as engine:
            day, items = goals.evaluate(project, engine, wanted, as_day(as_of, "as_of"), progress)
        return Status(day, items)
