"""Baselines: accept today's findings so CI blocks only new ones.

A baseline is keyed on (object, code), never on line numbers, so editing a file does not turn old
findings into new ones. The file is JSON, sorted and stable, so it diffs cleanly in review.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nsmcode.diagnostics import Diagnostic, InputError, Span

BASELINE_VERSION = 1
Key = tuple[str, str]


def key(finding: Diagnostic) -> Key:
    return (finding.obj or "", finding.code)


def baseline_document(findings: Iterable[Diagnostic]) -> dict[str, Any]:
    counts = Counter(key(f) for f in findings)
    entries = [
        {"obj": obj, "code": code, "count": count} for (obj, code), count in sorted(counts.items())
    ]
    return {"version": BASELINE_VERSION, "findings": entries}


def write_baseline(path: Path, findings: Iterable[Diagnostic]) -> int:
    """Write the baseline file; return how many findings it holds."""
    document = baseline_document(findings)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return sum(int(e["count"]) for e in document["findings"])


def read_baseline(path: Path) -> Counter[Key]:
    """Read a baseline file, or raise InputError saying what is wrong with it."""
    shown = str(path)

    def bad(message: str, hint: str | None = None) -> InputError:
        return InputError([Diagnostic("E020", message, Span(shown), hint)])

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise bad(
            f"cannot read baseline: {exc.strerror}",
            "create it with `nsmcode validate --write-baseline FILE`",
        ) from None
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad(f"baseline is not valid JSON: {exc}") from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise bad(f'baseline must be a JSON object with "version": {BASELINE_VERSION}')
    if not isinstance(entries, list):
        raise bad('baseline has no "findings" list')
    counts: Counter[Key] = Counter()
    for i, entry in enumerate(entries):
        valid = (
            isinstance(entry, dict)
            and isinstance(entry.get("obj"), str)
            and isinstance(entry.get("code"), str)
            and isinstance(entry.get("count", 1), int)
            and entry.get("count", 1) >= 1
        )
        if not valid:
            raise bad(
                f'baseline entry {i + 1} must be {{"obj": str, "code": str, "count": int}}',
                "regenerate it with `nsmcode validate --write-baseline FILE`",
            )
        counts[(entry["obj"], entry["code"])] += int(entry.get("count", 1))
    return counts


def apply_baseline(
    findings: list[Diagnostic], baseline: Counter[Key]
) -> tuple[list[Diagnostic], int]:
    """Drop findings the baseline accepts (up to its count per key); return (new, dropped)."""
    left = Counter(baseline)
    new: list[Diagnostic] = []
    dropped = 0
    for finding in findings:
        k = key(finding)
        if left[k] > 0:
            left[k] -= 1
            dropped += 1
        else:
            new.append(finding)
    return new, dropped
