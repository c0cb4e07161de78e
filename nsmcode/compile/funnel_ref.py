"""`<funnel>.step<N>_rate`: a KPI or key result following one stage of a funnel.

`_rate` is the step conversion (stage N / stage N-1), `_overall` the conversion from stage 1,
`_count` the entities reaching stage N; the series is per cohort period (docs/spec.md, Funnels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nsmcode.project import Project

PATTERN = re.compile(
    r"^(?P<funnel>[A-Za-z_][A-Za-z0-9_]*)\.step(?P<step>[1-9][0-9]*)_(?P<what>rate|overall|count)$"
)
COLUMNS = {"rate": "step_conversion", "overall": "overall_conversion", "count": "entities"}


@dataclass(frozen=True)
class StepRef:
    funnel: str
    step: int
    column: str
    """The funnel output column the goal follows."""


def step_ref(project: Project, name: str) -> StepRef | None:
    """The funnel stage `name` names, or None (not that form, no such funnel or stage)."""
    match = PATTERN.match(name)
    if match is None or match["funnel"] not in project.funnels:
        return None
    step = int(match["step"])
    if step > len(project.funnels[match["funnel"]].steps):
        return None
    return StepRef(match["funnel"], step, COLUMNS[match["what"]])


def known(project: Project, name: str) -> bool:
    """A goal's `metric:` names a metric or a funnel stage."""
    return name in project.metrics or step_ref(project, name) is not None
