"""The compiler's one exception type: located diagnostics with stable C0xx codes (see CODES)."""

from __future__ import annotations

from nsmcode.diagnostics import Diagnostic, InputError, Span

CODES: dict[str, str] = {
    "C001": "unknown metric",
    "C002": "unknown target dialect",
    "C010": "user SQL (a qualifier, a filter, a derived expression, a source select) does not "
    "parse",
    "C011": "user SQL reads a column or source that the metric's source and joins do not declare",
    "C012": "user SQL uses a construct outside the allow-list (subquery, statement, function)",
    "C020": "a derived expression is more than arithmetic over metric names and allowed functions",
    "C030": "a segment is not a dimension every source of the metric reaches",
    "C031": "metrics compiled together have different grains",
    "C032": "a cumulative, conversion or retention metric builds on a metric that does not "
    "aggregate rows, or on a source without the entity",
    "C033": "the metric's source has no time column",
    "C034": "a period-to-date window is finer than the grain",
    "C035": "a segment or metric name collides with another output column",
    "C040": "the target cannot express the metric with the same meaning",
    "C041": "an offset input cannot be read at the query's grain (a year earlier per day)",
    "C042": "a cumulative metric over a percentile or a balance",
}
"""Every code the compiler reports, for documentation and tests."""


class CompileError(InputError):
    """A metric cannot be compiled (for one target, or at all); carries located diagnostics."""


def fail(code: str, message: str, span: Span | None, hint: str | None = None) -> CompileError:
    assert code in CODES, code
    return CompileError([Diagnostic(code, message, span, hint)])
