"""Rule settings: severities overridden project-wide, thresholds, and suppressions on one
definition."""

from __future__ import annotations

import enum

from pydantic import Field

from nsmcode.models.base import Spec


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    OFF = "off"


class Suppression(Spec):
    rule: str = Field(pattern=r"^[A-Z]+[0-9]+$")
    """The rule code to silence for this definition."""
    reason: str = Field(min_length=1)
    """Why the finding does not apply here; required."""


class RuleOverride(Spec):
    rule: str = Field(pattern=r"^[A-Z]+[0-9]+$")
    severity: Severity
    """`error`, `warning`, `info` or `off`."""
    reason: str = Field(min_length=1)


class RulesConfig(Spec):
    overrides: tuple[RuleOverride, ...] = ()
    thresholds: dict[str, float] = Field(default_factory=dict)
    """Numbers rules use, e.g. `min_inputs: 3`; see `nsmcode rules`."""
