"""Query results as an aligned table for people, or exact, deterministic CSV and JSON for tools.

Table: numbers right-aligned, one number of decimals per column (so decimal points line up),
thousands separated, NULL shown as `-`. CSV and JSON: every value exact (floats in their
shortest round-trip form), dates in ISO format, NULL empty (CSV) or null (JSON).

CSV is opened in spreadsheets, where a cell starting with `=` runs as a formula (a warehouse value
can be anyone's text): text starting with `= + - @`, tab or CR gets a leading `'`, as OWASP's CSV
injection page recommends; `raw=True` (`--csv-raw`) writes values as they are, for programs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Sequence
from typing import Any

from nsmcode.emit import envelope, printable
from nsmcode.run.execute import Table

NULL = "-"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def decimals(values: Sequence[Any]) -> int:
    """Decimals to show a column with: 0 for integers; for numbers below 1, at least 4 and
    enough for 3 significant digits of the smallest; 3 up to 100 and 2 beyond."""
    floats = [v for v in values if isinstance(v, float) and math.isfinite(v)]
    if not floats or (all(v.is_integer() for v in floats) and max(map(abs, floats)) >= 1):
        return 0
    largest = max(abs(v) for v in floats)
    if largest >= 100:
        return 2
    if largest >= 1:
        return 3
    nonzero = [abs(v) for v in floats if v]
    smallest = min(nonzero) if nonzero else 1.0
    return min(8, max(4, 2 - math.floor(math.log10(smallest))))


def format_number(value: Any, places: int) -> str:
    if value is None:
        return NULL
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if _is_number(value):
        return f"{value:,.{places}f}"
    return str(value)


def cell(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return printable(str(value))  # a warehouse value never drives the terminal


INCOMPLETE = "*"
"""Marks, in table output, a row whose period had not closed by the as-of date."""


def render_table(table: Table) -> str:
    columns = table.columns
    body: list[list[str]] = [[] for _ in table.rows]
    marked = table.complete is not None and not all(table.complete)
    right: list[bool] = []
    for index, _ in enumerate(columns):
        values = [row[index] for row in table.rows]
        numeric = index > 0 and all(v is None or _is_number(v) for v in values)
        numeric = numeric and any(v is not None for v in values)
        right.append(numeric)
        places = decimals(values) if numeric else 0
        for out, value in zip(body, values, strict=True):
            out.append(format_number(value, places) if numeric else cell(value))
    if marked and table.complete is not None:
        columns = [*columns, ""]
        right.append(False)
        for out, done in zip(body, table.complete, strict=True):
            out.append("" if done else INCOMPLETE)
    widths = [max([len(name), *(len(r[i]) for r in body)]) for i, name in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = ["-" * w for w in widths]
    if marked:
        rule[-1] = ""
    lines = [line(columns), line(rule)]
    lines += [line(r) for r in body]
    if not table.rows:
        lines.append("(no rows)")
    if marked:
        as_of = f" by {table.as_of.isoformat()}" if table.as_of else ""
        lines.append(f"{INCOMPLETE} incomplete: the period had not closed{as_of} (it may change)")
    return "\n".join(lines)


def _exact(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any) -> Any:
    """A text value a spreadsheet would run as a formula, made plain text (numbers untouched)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def render_csv(table: Table, *, raw: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*table.columns, *(["complete"] if table.complete is not None else [])])
    for i, row in enumerate(table.rows):
        values = ["" if (v := _exact(value)) is None else v for value in row]
        values = values if raw else [defuse(v) for v in values]
        if table.complete is not None:
            values.append("true" if table.complete[i] else "false")
        if any(isinstance(v, str) and "\r" in v for v in values):
            buffer.write(_quoting_cr(values))
        else:
            writer.writerow(values)
    return buffer.getvalue().rstrip("\n")


def _quoting_cr(values: list[Any]) -> str:
    """A row whose text holds a CR: the csv module quotes a field only for the characters of its
    line terminator, so a `\r\n` writer quotes it; the row then ends in `\n` like the others."""
    line = io.StringIO()
    csv.writer(line, lineterminator="\r\n").writerow(values)
    return line.getvalue()[:-2] + "\n"


def render_json(table: Table) -> str:
    """The shared envelope (nsmcode.emit) with one record a row as results; with
    `complete` on each record when the query marks incomplete periods."""
    records: list[dict[str, Any]] = [
        {name: _exact(value) for name, value in zip(table.columns, row, strict=True)}
        for row in table.rows
    ]
    if table.complete is not None:
        for record, done in zip(records, table.complete, strict=True):
            record["complete"] = done
    return envelope("query", records)


def render_markdown(table: Table) -> str:
    """A GitHub-flavoured table for a pull request or a report; numbers as in the terminal table,
    number columns right-aligned."""
    columns = range(len(table.columns))
    places = [decimals([row[i] for row in table.rows]) for i in columns]
    numeric = [any(_is_number(row[i]) for row in table.rows) for i in columns]

    def text(value: Any, i: int) -> str:
        shown = format_number(value, places[i]) if _is_number(value) else cell(value)
        return shown.replace("|", "\\|")

    lines = [
        "| " + " | ".join(c.replace("|", "\\|") for c in table.columns) + " |",
        "|" + "|".join("---:" if numeric[i] else "---" for i in columns) + "|",
    ]
    lines += ["| " + " | ".join(text(v, i) for i, v in enumerate(row)) + " |" for row in table.rows]
    return "\n".join(lines)


RENDERERS = {
    "table": render_table,
    "text": render_table,
    "csv": render_csv,
    "json": render_json,
    "markdown": render_markdown,
}
