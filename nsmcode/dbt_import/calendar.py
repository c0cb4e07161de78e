"""dbt time spines with `custom_granularities` -> the project's `calendar:` block.

A dbt time spine is a table with one row per day; each custom granularity is a column of it
(`column_name`, else the granularity's name). nsmcode reads custom granularities from such a
table too (`calendar: {source, date_column, granularities: [{name, column}]}`), so the spine
becomes a source and its custom granularities the calendar's. Read from a YAML model's
`time_spine:` config or a compiled manifest's `project_configuration.time_spines`.

nsmcode has one calendar table, at a daily grain: a spine at another grain, a second spine with
custom granularities, or a granularity named like a built-in grain (`fiscal_quarter`: declare
`calendar: {fiscal_year_start: M}` instead) is reported (D111).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nsmcode.dbt_import.reader import Located, not_carried
from nsmcode.dbt_import.semantic import relation_of
from nsmcode.diagnostics import Diagnostic, Span

BUILT_IN = ("day", "week", "month", "quarter", "year", "fiscal_quarter", "fiscal_year", "hour")


@dataclass
class Calendar:
    """The calendar the import writes, and what was reported on the way."""

    source: dict[str, Any] | None = None
    span: Span | None = None
    block: dict[str, Any] | None = None
    """`calendar:` of nsmcode.yaml."""
    granularities: dict[str, Span] = field(default_factory=dict)
    """Every dbt custom granularity name (carried or not) -> where it is declared."""
    problems: list[Diagnostic] = field(default_factory=list)


def _spine(loc: Located, manifest: bool, schema: str | None) -> tuple[Any, ...] | None:
    """(table, date column, its grain, [(name, column, span)]) of one time spine."""
    if manifest:
        table = relation_of(loc.get("node_relation"))
        primary = loc.get("primary_column") or {}
        column = primary.get("name") if isinstance(primary, dict) else None
        grain = primary.get("time_granularity") if isinstance(primary, dict) else None
        customs = loc.children("custom_granularities")
    else:
        table = loc.get("name")
        if isinstance(table, str) and schema:
            table = f"{schema}.{table}"
        spine = loc.child("time_spine")
        if spine is None:
            return None
        column = spine.get("standard_granularity_column")
        grain = "day"
        for item in loc.get("columns") or []:
            if isinstance(item, dict) and item.get("name") == column:
                grain = item.get("granularity", "day")
        customs = spine.children("custom_granularities")
    named = []
    for custom in customs:
        name = custom.get("name")
        if isinstance(name, str):
            named.append((name, custom.get("column_name") or name, custom.span("name")))
    if not isinstance(table, str) or not isinstance(column, str):
        return None
    return table, column, str(grain).lower(), named


def read_calendar(spines: list[Located], manifest: bool, schema: str | None) -> Calendar:
    out = Calendar()
    for loc in spines:
        read = _spine(loc, manifest, schema)
        if read is None or not read[3]:
            continue
        table, column, grain, customs = read
        for name, _column, span in customs:
            out.granularities.setdefault(name, span)
        why = None
        if grain != "day":
            why = f"its standard column {column!r} is at grain {grain!r}, not day"
        elif out.block is not None:
            why = "nsmcode reads custom granularities from one calendar table"
        if why is not None:
            for name, _column, span in customs:
                out.problems.append(
                    not_carried("D111", f"custom granularity {name!r} is not carried: {why}", span)
                )
            continue
        carried = []
        for name, custom_column, span in customs:
            if name.lower() in BUILT_IN:
                out.problems.append(
                    not_carried(
                        "D111",
                        f"custom granularity {name!r} is not carried: {name!r} is a built-in "
                        "nsmcode grain",
                        span,
                        "for a fiscal calendar starting on the 1st of a month, add "
                        "`calendar: {fiscal_year_start: M}` to nsmcode.yaml",
                    )
                )
                continue
            carried.append({"name": name, "column": custom_column})
        if not carried:
            continue
        source_name = "time_spine__" + table.rsplit(".", 1)[-1]
        columns = [column, *dict.fromkeys(c["column"] for c in carried if c["column"] != column)]
        out.source = {
            "name": source_name,
            "description": "The dbt time spine, one row per day (custom granularities).",
            "table": table,
            "columns": [{"name": c, "type": "date"} for c in columns],
        }
        out.span = loc.span()
        out.block = {"source": source_name, "date_column": column, "granularities": carried}
    return out
