"""The API's arguments, checked and normalized: metric lists, dates, grain names and the query
options they make. A bad argument is a located R014 error, as on the command line (whose flags
the spans name)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from nsmcode.diagnostics import Diagnostic, InputError, Span

if TYPE_CHECKING:
    from nsmcode import project as _project
    from nsmcode.compile import QueryOptions

DateLike = dt.date | str

GRAINS = ("hour", "day", "week", "month", "quarter", "year", "fiscal_quarter", "fiscal_year")
"""models.Grain's values, without importing the models (the CLI's `--help` reads them too)."""
TOTAL = "total"


def metric_names(metrics: str | Sequence[str]) -> list[str]:
    return [metrics] if isinstance(metrics, str) else list(metrics)


def as_day(value: DateLike | None, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(
            [Diagnostic("R014", f"{what}: {value!r} is not a date", None, "write YYYY-MM-DD")]
        ) from None


def as_grain(by: str | None) -> str:
    """`by` as execute.query_grain reads it: None becomes each metric's own grain."""
    return by or "own"


def check_grain(by: str | None, project: _project.Project) -> None:
    customs = tuple(g.name for g in project.config.calendar.granularities)
    if by is not None and by not in (*GRAINS, *customs, TOTAL, "own"):
        raise InputError(
            [
                Diagnostic(
                    "R014",
                    f"unknown grain {by!r}",
                    Span("--by"),
                    f"give one of: {', '.join((*GRAINS, *customs, TOTAL))}",
                )
            ]
        )


def query_options(
    segments: Sequence[str],
    where: str | None,
    since: dt.date | None,
    until: dt.date | None,
    where_span: Span | None = None,
) -> QueryOptions:
    from nsmcode.compile import QueryOptions
    from nsmcode.models import QUERY_DATES

    for flag, day in (("--since", since), ("--until", until)):
        if day is not None and not QUERY_DATES[0] <= day <= QUERY_DATES[1]:
            raise InputError(
                [
                    Diagnostic(
                        "R014",
                        f"{day} is outside the dates nsmcode computes with",
                        Span(flag),
                        "give a date between 1900-01-01 and 9998-12-31",
                    )
                ]
            )
    if since and until and since > until:
        raise InputError(
            [
                Diagnostic(
                    "R014",
                    f"since ({since}) is after until ({until})",
                    Span("--since"),
                    "swap them",
                )
            ]
        )
    return QueryOptions(
        segments=tuple(segments),
        since=since,
        until=until,
        where=where,
        where_span=where_span,
    )
