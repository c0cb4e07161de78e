"""One type for everything the user is told: a located, coded diagnostic with a fix hint."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, order=True)
class Span:
    """A position in a definition file; line and column are 1-based, as editors show them."""

    file: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    """A finding or an input error.

    `code` is stable (documented, used in suppressions and baselines); `obj` names the definition
    the finding is about (e.g. ``metric:weekly_active_integration_points``) so baselines survive
    line moves.
    """

    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR
    obj: str | None = None
    name: str | None = field(default=None, compare=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        s = self.span or Span("")
        return (s.file, s.line, s.col, self.code, self.message)

    def render(self) -> str:
        where = f"{self.span}: " if self.span else ""
        text = f"{where}{self.code} {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputError(Exception):
    """Definitions cannot be loaded; carries every diagnostic found, not only the first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("\n".join(d.render() for d in self.diagnostics))
