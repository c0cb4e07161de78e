"""The compiler's one exception type: located diagnostics with C0xx codes.

Codes (stable, documented):

- C001 unknown metric, C002 unknown target dialect
- C010 user SQL does not parse, C011 unknown column or source in user SQL,
  C012 a construct outside the allow-list (subquery, statement, function, operator)
- C020 a derived expression uses something other than arithmetic over metric names
- C030 a segment the metric's sources cannot reach, C031 metrics of one query disagree on grain,
  C032 a calculation built on a metric of the wrong kind, C033 a source without a time column,
  C034 a window finer than the grain, C035 a name that collides with an output column
- C040 the target dialect cannot express the metric with the same meaning
"""

from __future__ import annotations

from nsmcode.diagnostics import Diagnostic, InputError, Span


class CompileError(InputError):
    """A metric cannot be compiled (for one target, or at all); carries located diagnostics."""


def fail(code: str, message: str, span: Span | None, hint: str | None = None) -> CompileError:
    return CompileError([Diagnostic(code, message, span, hint)])
