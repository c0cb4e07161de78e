"""What each metric is built from and what builds on it, as the handbook shows it.

`Project.dependencies` follows calculations only (a ratio's numerator, a derived metric's
inputs). A metric filter (`metric_filter: {metric: X}` on the metric or on one of its
qualifiers) makes the metric depend on X as much (`Project.filtered_by`): its numbers change
when X's definition does. The handbook's "Built from" and "Used by" lists follow both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from nsmcode.project import Project


@dataclass(frozen=True)
class Lineage:
    """The dependency graph of a project's metrics, calculations and metric filters alike."""

    project: Project

    @cached_property
    def _direct(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for name in self.project.metrics:
            built = [n for n in self.project.dependencies(name) if n in self.project.metrics]
            out[name] = tuple(dict.fromkeys([*built, *self.project.filtered_by(name)]))
        return out

    @cached_property
    def _users(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name in sorted(self._direct):
            for read in self._direct[name]:
                out.setdefault(read, []).append(name)
        return out

    def direct(self, name: str) -> tuple[str, ...]:
        """The metrics `name` reads directly."""
        return self._direct.get(name, ())

    def upstream(self, name: str) -> list[str]:
        """Every metric `name` is built from or filtered by, transitively, nearest first."""
        found = self.project.upstream(name, filters=True)
        return [n for n in found if n != name and n in self.project.metrics]

    def dependents(self, name: str) -> list[str]:
        """The metrics that read `name` directly, by name."""
        return self._users.get(name, [])

    def filters_by(self, user: str, read: str) -> bool:
        """True when `user` reads `read` through a metric filter (not its calculation alone)."""
        return read not in self.project.dependencies(user) and read in self.project.filtered_by(
            user
        )

    def base_sources(self, name: str) -> list[str]:
        """The sources `name` ultimately reads, those of the metrics filtering it included."""
        names = [name, *self.upstream(name)]
        return sorted({m.source for n in names if (m := self.project.metrics[n]).source})
