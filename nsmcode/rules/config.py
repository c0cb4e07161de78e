"""Rule configuration: thresholds, severity overrides and per-definition suppressions.

Configuration mistakes are findings like any other (located, coded, documented), so a typo in a
rule code or threshold key is reported where it is written instead of silently doing nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from nsmcode import models
from nsmcode.diagnostics import Diagnostic, Severity, Span
from nsmcode.project import Project
from nsmcode.rules.engine import Context, Rule

PROJECT_OBJ = "project"
SUPPRESSIBLE = ("metric", "funnel", "team", "okr")


def _suggest(value: str, choices: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else None


class UnknownRuleCode(Rule):
    """Overrides and suppressions name rules that exist.

    ## What it does
    Checks that every `rules.overrides` entry in nsmcode.yaml and every `suppress:` entry of a
    definition names a rule code that nsmcode knows (`nsmcode rules` lists them), and that no rule
    is overridden twice.

    ## Why is this bad?
    A misspelt code configures nothing: the finding it was meant to silence keeps being reported,
    and the reason written next to it documents a decision that is not in force.

    ## Example
    ```yaml
    # nsmcode.yaml
    version: 1
    name: relay
    rules:
      overrides:
        - {rule: NSM999, severity: "off", reason: We have no guardrail yet.}
    ```

    Use instead:
    ```yaml
    # nsmcode.yaml
    version: 1
    name: relay
    rules:
      overrides:
        - {rule: NSM009, severity: info, reason: The guardrail is being defined this quarter.}
    ```
    """

    code = "NSM090"
    name = "config.unknown-rule"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        p = ctx.project
        seen: set[str] = set()
        for i, override in enumerate(p.config.rules.overrides):
            span = p.config_span("rules", "overrides", i, "rule")
            if override.rule not in ctx.codes:
                yield self._unknown(override.rule, span, PROJECT_OBJ, ctx)
            elif override.rule in seen:
                yield self.finding(
                    f"rule {override.rule} is overridden twice",
                    span,
                    PROJECT_OBJ,
                    "keep one override per rule",
                )
            seen.add(override.rule)
        for kind, name, definition in p.all_definitions():
            for i, suppression in enumerate(getattr(definition, "suppress", ())):
                if suppression.rule not in ctx.codes:
                    span = p.span(kind, name, "suppress", i, "rule")
                    yield self._unknown(suppression.rule, span, f"{kind}:{name}", ctx)

    def _unknown(self, code: str, span: Span, obj: str, ctx: Context) -> Diagnostic:
        return self.finding(
            f"unknown rule code {code!r}",
            span,
            obj,
            _suggest(code, sorted(ctx.codes)) or "run `nsmcode rules` to list the rule codes",
        )


class UnknownThreshold(Rule):
    """Thresholds under `rules.thresholds` exist and hold sensible whole numbers.

    ## What it does
    Checks every key of `rules.thresholds` in nsmcode.yaml against the thresholds the rules
    document (each rule's page lists its keys), and that each value is a whole number not below
    zero, with every `min_...` not above its `max_...`.

    ## Why is this bad?
    A misspelt key changes nothing: the rule keeps its default and the team believes it has
    configured something else. An impossible range (a minimum above the maximum) makes a rule
    fail whatever the definitions say.

    ## Example
    ```yaml
    # nsmcode.yaml
    version: 1
    name: relay
    rules:
      thresholds: {min_input: 2}
    ```

    Use instead:
    ```yaml
    # nsmcode.yaml
    version: 1
    name: relay
    rules:
      thresholds: {min_inputs: 2}
    ```
    """

    code = "NSM091"
    name = "config.unknown-threshold"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        for key, message, hint in threshold_problems(ctx.project, known_thresholds(ctx.rules)):
            span = ctx.project.config_span("rules", "thresholds", key)
            yield self.finding(message, span, PROJECT_OBJ, hint)


class UnusedSuppression(Rule):
    """Every suppression and every rule turned off silences at least one finding.

    ## What it does
    Reports a `suppress:` entry of a definition that silences no finding of that definition, and a
    `rules.overrides` entry with `severity: off` for a rule that reports nothing.

    ## Why is this bad?
    A suppression outlives the problem it excused: once the definition is fixed it silently
    waits to hide the next, unrelated finding of the same rule. Removing stale suppressions keeps
    every exception in the repository a live, reviewed decision.

    ## Example
    ```yaml
    metrics:
      - name: weekly_signups
        source: accounts
        calculation: {type: count}
        suppress:
          - {rule: NSM006, reason: Signups are not a vanity metric here.}
    ```

    Use instead:
    ```yaml
    metrics:
      - name: weekly_signups
        source: accounts
        calculation: {type: count}
    ```
    """

    code = "NSM092"
    name = "config.unused-suppression"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Diagnostic]:
        return iter(())  # reported by `apply_configuration`, which knows what was silenced


CONFIG_RULES: tuple[type[Rule], ...] = (UnknownRuleCode, UnknownThreshold, UnusedSuppression)


# ------------------------------------------------------------------------------------------------
# Thresholds


def known_thresholds(rules: Sequence[type[Rule]]) -> dict[str, int]:
    """Default value of every threshold the given rules declare."""
    return {t.key: t.default for r in rules for t in r.thresholds}


def threshold_problems(
    project: Project, known: dict[str, int]
) -> list[tuple[str, str, str | None]]:
    """(key, message, hint) for every unusable threshold setting."""
    out: list[tuple[str, str, str | None]] = []
    given = project.config.rules.thresholds
    for key, value in sorted(given.items()):
        if key not in known:
            hint = _suggest(key, sorted(known)) or f"known thresholds: {', '.join(sorted(known))}"
            out.append((key, f"unknown threshold {key!r}", hint))
        elif value < 0 or value != int(value):
            out.append((key, f"threshold {key!r} must be a whole number >= 0 (got {value})", None))
    values = resolve_thresholds(project, known)
    for key in sorted(given):
        if key.startswith("min_") and key in known:
            high = "max_" + key.removeprefix("min_")
            if high in values and values[key] > values[high]:
                out.append(
                    (
                        key,
                        f"threshold {key!r} ({values[key]}) is above {high!r} ({values[high]})",
                        f"lower {key} or raise {high}",
                    )
                )
    return out


def resolve_thresholds(project: Project, known: dict[str, int]) -> dict[str, int]:
    """Defaults with the project's valid settings applied; invalid ones keep the default."""
    values = dict(known)
    for key, value in project.config.rules.thresholds.items():
        if key in known and value >= 0 and value == int(value):
            values[key] = int(value)
    return values


# ------------------------------------------------------------------------------------------------
# Suppressions and overrides


@dataclass
class _Suppression:
    obj: str
    rule: str
    span: Span
    used: bool = False


@dataclass
class Outcome:
    """The findings left after configuration, and how many were silenced."""

    findings: list[Diagnostic]
    suppressed: int = 0
    silenced: list[Diagnostic] = field(default_factory=list)


def _suppressions(project: Project) -> list[_Suppression]:
    out: list[_Suppression] = []
    for kind, name, definition in project.all_definitions():
        if kind not in SUPPRESSIBLE:
            continue
        for i, entry in enumerate(definition.suppress):
            span = project.span(kind, name, "suppress", i, "rule")
            out.append(_Suppression(f"{kind}:{name}", entry.rule, span))
    return out


def apply_configuration(
    project: Project, findings: list[Diagnostic], codes: frozenset[str]
) -> Outcome:
    """Silence suppressed findings, apply severity overrides, report unused suppressions."""
    suppressions = _suppressions(project)
    overrides: dict[str, tuple[int, models.RuleOverride]] = {}
    for i, override in enumerate(project.config.rules.overrides):
        overrides.setdefault(override.rule, (i, override))
    used_overrides: set[str] = set()
    kept: list[Diagnostic] = []
    silenced: list[Diagnostic] = []

    def configure(finding: Diagnostic) -> None:
        entry = overrides.get(finding.code)
        if entry is None:
            kept.append(finding)
            return
        used_overrides.add(finding.code)
        if entry[1].severity is models.Severity.OFF:
            silenced.append(finding)
        else:
            kept.append(_with_severity(finding, Severity(entry[1].severity.value)))

    for finding in findings:
        matches = [s for s in suppressions if s.obj == finding.obj and s.rule == finding.code]
        for s in matches:
            s.used = True
        if matches:
            silenced.append(finding)
        else:
            configure(finding)
    if UnusedSuppression.code in codes:
        rule = UnusedSuppression()
        for s in suppressions:
            if not s.used and s.rule in codes:
                configure(
                    rule.finding(
                        f"suppression of {s.rule} on {s.obj} silences nothing",
                        s.span,
                        s.obj,
                        "the finding is gone: delete this suppression",
                    )
                )
        for code, (i, override) in sorted(overrides.items()):
            if (
                override.severity is models.Severity.OFF
                and code in codes
                and code not in used_overrides
                and code != UnusedSuppression.code
            ):
                configure(
                    rule.finding(
                        f"rule {code} is turned off but reports nothing in this project",
                        project.config_span("rules", "overrides", i, "rule"),
                        PROJECT_OBJ,
                        "delete the override so the rule guards against new problems",
                    )
                )
    return Outcome(sorted(kept, key=sort_key), len(silenced), sorted(silenced, key=sort_key))


def _with_severity(finding: Diagnostic, severity: Severity) -> Diagnostic:
    return Diagnostic(
        finding.code,
        finding.message,
        finding.span,
        finding.hint,
        severity,
        finding.obj,
        finding.name,
    )


def sort_key(d: Diagnostic) -> tuple[str, int, int, str, str, str]:
    """Deterministic order: by file, line, column, code, object, message."""
    s = d.span or Span("")
    return (s.file, s.line, s.col, d.code, d.obj or "", d.message)
