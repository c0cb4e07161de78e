"""The analysis as text (terminals), Markdown (pull requests, wikis) or JSON (tools, the site)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

from nsmcode.analyze.explain import periods
from nsmcode.analyze.result import (
    CAUSATION,
    AnalysisReport,
    LeadCheck,
    RetentionCheck,
    bucket_label,
    plural,
)
from nsmcode.analyze.stats import LagPoint
from nsmcode.emit import envelope

WIDTH = 100
STATUS = {
    "pass": "PASS",
    "fail": "FAIL",
    "insufficient": "NOT ENOUGH DATA",
    "skipped": "SKIPPED",
}


def _r(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


def _bound(point: LagPoint) -> str:
    return "-" if point.bound is None else f"±{point.bound:.3f}"


def _marker(check: LeadCheck, point: LagPoint) -> str:
    verdict = check.verdict
    if not point.enough:
        return "too few pairs"
    if verdict.best is not None and point.lag == verdict.best.lag:
        return "strongest lead" if check.status == "pass" else "strongest positive lag"
    if verdict.reverse is not None and point.lag == verdict.reverse.lag:
        return "strongest reverse"
    return ""


def _lag_rows(check: LeadCheck) -> list[list[str]]:
    return [[str(p.lag), str(p.n), _r(p.r), _bound(p), _marker(check, p)] for p in check.points]


def _bucket_rows(check: RetentionCheck) -> list[list[str]]:
    return [
        [
            bucket_label(b),
            str(b.entities),
            str(b.retained) if b.entities else "-",
            f"{b.rate:.1%}" if b.entities else "-",
        ]
        for b in check.buckets
    ]


def _input_rows(report: AnalysisReport) -> list[list[str]]:
    rows = []
    for rank, check in enumerate(report.inputs.ranking, 1):
        best = check.verdict.best
        rows.append(
            [
                str(rank),
                check.leader,
                periods(best.lag, report.grain) if best else "-",
                _r(best.r) if best else "-",
                _bound(best) if best else "-",
                STATUS[check.status].lower(),
            ]
        )
    return rows


ADVERB = {"hour": "hourly", "day": "daily", "week": "weekly", "month": "monthly"}
ADVERB |= {"quarter": "quarterly", "year": "yearly"}
ADVERB |= {"fiscal_quarter": "fiscal-quarterly", "fiscal_year": "fiscal-yearly"}
LAG_HEADER = ["lag", "n", "r", "bound", ""]
INPUT_HEADER = ["#", "input", "best lag", "r", "bound", "leads?"]


# ------------------------------------------------------------------------------------------------
# Text


def _table(header: list[str], rows: list[list[str]], indent: str = "   ") -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = [all(_numeric(r[i]) for r in rows) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return (indent + "  ".join(parts)).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _numeric(cell: str) -> bool:
    return cell == "-" or cell.lstrip("+-±").replace(".", "").replace("%", "").isdigit()


def _paragraphs(texts: Sequence[str], indent: str = "   ") -> list[str]:
    out: list[str] = []
    for text in texts:
        out += textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent)
        out.append("")
    return out


def render_text(report: AnalysisReport) -> str:
    grain = report.grain
    out = [
        f"nsmcode analyze: is {report.north_star} a leading indicator?",
        f"project {report.project}, connection {report.connection} ({report.dialect}), "
        f"{ADVERB[grain]} changes, lags -{report.max_lag}..{report.max_lag}",
        "",
        f"1. Does the north star lead {report.outcome}?  {STATUS[report.lead.status]}",
    ]
    out += textwrap.wrap(report.lead.summary, WIDTH, initial_indent="   ", subsequent_indent="   ")
    out.append("")
    out += _table(LAG_HEADER, _lag_rows(report.lead))
    out.append("")
    out += _paragraphs(report.lead.explanation)
    retention = report.retention
    entity = retention.entity or "entity"
    out.append(
        f"2. Do {plural(entity)} that score high on the north star retain better?  "
        f"{STATUS[retention.status]}"
    )
    out += textwrap.wrap(retention.summary, WIDTH, initial_indent="   ", subsequent_indent="   ")
    out.append("")
    if retention.buckets:
        out += _table(["bucket", plural(entity), "retained", "rate"], _bucket_rows(retention))
        out.append("")
    out += _paragraphs(retention.explanation)
    out.append("3. Which inputs move the north star?")
    out += textwrap.wrap(
        report.inputs.summary, WIDTH, initial_indent="   ", subsequent_indent="   "
    )
    out.append("")
    if report.inputs.ranking:
        out += _table(INPUT_HEADER, _input_rows(report))
        out.append("")
    for name, why in report.inputs.skipped:
        out += textwrap.wrap(
            f"not analysed: {name}: {why}", WIDTH, initial_indent="   ", subsequent_indent="     "
        )
    if report.inputs.skipped:
        out.append("")
    out += _paragraphs(report.inputs.explanation)
    out += textwrap.wrap(CAUSATION, WIDTH)
    out += ["", *textwrap.wrap(f"Result: {STATUS[report.status]}: {report.verdict()}", WIDTH)]
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------
# Markdown


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(header), "|" + "|".join("---" for _ in header) + "|", *(line(r) for r in rows)]


def render_markdown(report: AnalysisReport) -> str:
    retention = report.retention
    entity = retention.entity or "entity"
    out = [
        f"# Is `{report.north_star}` a leading indicator?",
        "",
        f"Project `{report.project}`, connection `{report.connection}` ({report.dialect}), "
        f"{ADVERB[report.grain]} changes, lags -{report.max_lag}..{report.max_lag}. "
        f"**Result: {STATUS[report.status]}**: {report.verdict()}",
        "",
        f"## 1. Does the north star lead `{report.outcome}`? {STATUS[report.lead.status]}",
        "",
        report.lead.summary,
        "",
        *_md_table([*LAG_HEADER[:-1], "note"], _lag_rows(report.lead)),
        "",
        *_md_paragraphs(report.lead.explanation),
        f"## 2. Do {plural(entity)} that score high retain better? {STATUS[retention.status]}",
        "",
        retention.summary,
        "",
    ]
    if retention.buckets:
        out += _md_table(["bucket", plural(entity), "retained", "rate"], _bucket_rows(retention))
        out.append("")
    out += _md_paragraphs(retention.explanation)
    out += ["## 3. Which inputs move the north star?", "", report.inputs.summary, ""]
    if report.inputs.ranking:
        out += _md_table(INPUT_HEADER, _input_rows(report))
        out.append("")
    out += [f"- not analysed: `{name}`: {why}" for name, why in report.inputs.skipped]
    if report.inputs.skipped:
        out.append("")
    out += _md_paragraphs(report.inputs.explanation)
    out += [f"> {CAUSATION}", ""]
    return "\n".join(out)


def _md_paragraphs(texts: Sequence[str]) -> list[str]:
    return [line for text in texts for line in (text, "")]


def render_json(report: AnalysisReport) -> str:
    """The shared envelope (nsmcode.emit): the analysis as results."""
    return envelope("analyze", report.to_dict())


RENDERERS: dict[str, Callable[[AnalysisReport], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}
