"""OKR and KPI status as a terminal table, JSON, CSV, or Markdown for a pull-request comment."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nsmcode.emit import envelope, printable
from nsmcode.run.output import defuse
from nsmcode.run.status import (
    AT_RISK,
    AT_RISK_SLACK,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    ON_TRACK_SLACK,
    GoalStatus,
)

BAR = 10
_MARK = {ON_TRACK: "🟢", AT_RISK: "🟡", OFF_TRACK: "🔴", NO_DATA: "⚪"}


@dataclass(frozen=True)
class Group:
    """An OKR (objective and its key results) or a team (and its KPIs)."""

    name: str
    title: str
    details: dict[str, Any]
    items: list[GoalStatus]


def number(value: float | None) -> str:
    """Compact and readable: 3,618 / 245.3 / 1.25 / 0.0381."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    size = abs(value)
    if size >= 1000 or (size >= 100 and value.is_integer()):
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:,.1f}"
    if size >= 1 or size == 0:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def percent(value: float | None, clamp: bool = False) -> str:
    """A share as a whole percentage; progress is never clamped (below 0: moving the wrong way,
    above 100%: past the target)."""
    if value is None:
        return "-"
    shown = min(1.0, max(0.0, value)) if clamp else value
    return f"{shown * 100:.0f}%"


def value(item: GoalStatus, number_: float | None) -> str:
    """A baseline, current value or target: as a percentage for a share, like the site."""
    if item.share and number_ is not None and math.isfinite(number_):
        pct = number_ * 100
        return f"{pct:.{0 if abs(pct) >= 10 else 1}f}%"
    return number(number_)


def due(item: GoalStatus) -> str:
    return item.goal.due.isoformat() if item.goal.due else "-"


def bar(value: float | None) -> str:
    if value is None:
        return " " * (BAR + 2)
    filled = round(min(1.0, max(0.0, value)) * BAR)
    return "[" + "#" * filled + "-" * (BAR - filled) + "]"


def rule_text() -> str:
    return (
        f"on track: progress >= elapsed - {ON_TRACK_SLACK:.0%}; "
        f"at risk: >= elapsed - {AT_RISK_SLACK:.0%}; otherwise off track"
    )


ELAPSED = (
    "progress: the way from baseline (0%) to target (100%); elapsed: the share of the goal's "
    "window (from its start to its due date) gone by on that day"
)


def _label(item: GoalStatus) -> str:
    return item.goal.metric


def render_table(kind: str, groups: Sequence[Group], as_of: dt.date) -> str:
    noun = "key results" if kind == "okr" else "KPIs"
    lines = [
        f"{'OKR' if kind == 'okr' else 'KPI'} status as of {as_of.isoformat()} ({rule_text()})",
        f"{ELAPSED}.",
    ]
    header = [
        "metric", "baseline", "current", "target", "due", "progress", "", "elapsed", "status"
    ]
    for group in groups:
        lines += ["", printable(f"{group.title}  [{group.name}]")]
        extra = ", ".join(f"{k} {v}" for k, v in _shown(group.details))
        if extra:
            lines.append(f"  {extra}")
        if not group.items:
            lines.append(f"  (no {noun})")
            continue
        rows = [header] + [
            [
                _label(i),
                value(i, i.baseline),
                value(i, i.current),
                value(i, i.goal.target),
                due(i),
                bar(i.progress),
                percent(i.progress),
                percent(i.elapsed),
                i.status,
            ]
            for i in group.items
        ]
        rows = [[printable(text) for text in r] for r in rows]
        widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
        for r in rows:
            cells = [
                r[c].ljust(widths[c]) if c in (0, 4, 5, 8) else r[c].rjust(widths[c])
                for c in range(len(header))
            ]
            lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _shown(details: dict[str, Any]) -> list[tuple[str, str]]:
    """Details worth a word in text: set strings (flags such as `company` are JSON-only)."""
    return [(k, v) for k, v in details.items() if isinstance(v, str) and v]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(kind: str, groups: Sequence[Group], as_of: dt.date) -> str:
    title = "OKR status" if kind == "okr" else "KPI status"
    first = "Key result" if kind == "okr" else "KPI"
    lines = [f"### {title} as of {as_of.isoformat()}", "", f"_{rule_text()}; {ELAPSED}_"]
    for group in groups:
        lines += ["", f"#### {_md(group.title)}", ""]
        meta = [f"`{group.name}`"] + [f"{k} {_md(v)}" for k, v in _shown(group.details)]
        lines += [" · ".join(meta), ""]
        lines.append(
            f"| {first} | Baseline | Current | Target | Due | Progress | Elapsed | Status |"
        )
        lines.append("|---|---:|---:|---:|---|---:|---:|---|")
        for i in group.items:
            name = f"`{i.goal.metric}`"
            if i.goal.description:
                name = f"{_md(i.goal.description)}<br>{name}"
            lines.append(
                f"| {name} | {value(i, i.baseline)} | {value(i, i.current)} | "
                f"{value(i, i.goal.target)} | {due(i)} | {percent(i.progress)} | "
                f"{percent(i.elapsed)} | {_MARK[i.status]} {i.status} |"
            )
    return "\n".join(lines)


def _results(kind: str, groups: Sequence[Group], as_of: dt.date) -> dict[str, Any]:
    key, items = ("okrs", "key_results") if kind == "okr" else ("teams", "kpis")
    return {
        "as_of": as_of.isoformat(),
        "rule": {"on_track_slack": ON_TRACK_SLACK, "at_risk_slack": AT_RISK_SLACK},
        key: [
            {"name": g.name, "title": g.title, **g.details, items: [i.as_dict() for i in g.items]}
            for g in groups
        ],
    }


def render_json(kind: str, groups: Sequence[Group], as_of: dt.date) -> str:
    """The shared envelope (nsmcode.emit): the status report as results."""
    return envelope(f"{kind} status", _results(kind, groups, as_of))


def render_csv(kind: str, groups: Sequence[Group], as_of: dt.date) -> str:
    """One row a goal, its group first: for a spreadsheet or a dashboard's import (text that a
    spreadsheet would run as a formula is defused, as in `query --format csv`)."""
    rows = [
        {"as_of": as_of.isoformat(), "group": g.name, **item.as_dict()}
        for g in groups
        for item in g.items
    ]
    columns = list(dict.fromkeys(name for row in rows for name in row)) or ["as_of", "group"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else defuse(v) for k, v in row.items()})
    return buffer.getvalue().rstrip("\n")


RENDERERS = {
    "table": render_table,
    "text": render_table,
    "markdown": render_markdown,
    "json": render_json,
    "csv": render_csv,
}
