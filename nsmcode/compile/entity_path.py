"""Which column holds another entity's key for a row of a source, through many-to-one joins.

A conversion or funnel that follows one entity (users) may count events of another (the user's
account). Every row of the base source must then name exactly one key of the other entity: the
source declares that entity itself, or reaches a source that does through declared many-to-one
joins. Walking a join backwards would fan out (an account has many users) and is never done.

    entity_link(project, source, entity) -> Link | str   (a str says why there is none)
"""

from __future__ import annotations

from dataclasses import dataclass

from nsmcode.project import Project


@dataclass(frozen=True)
class Link:
    source: str
    """The source whose column holds the key: `source` itself or one it joins."""
    column: str
    path: tuple[str, ...]
    """The sources joined from the base source to reach it, nearest first (empty: itself)."""


def entity_link(project: Project, source: str, entity: str) -> Link | str:
    """The nearest source declaring `entity` along many-to-one joins from `source`; a reason
    string when none does, or when two different sources declare it at the same distance."""
    own = project.entity_column(source, entity)
    if own is not None:
        return Link(source, own, ())
    paths: dict[str, tuple[str, ...]] = {source: ()}
    level = [source]
    while level:
        following: list[str] = []
        for current in level:
            for join in project.sources[current].joins:
                if join.source not in paths and join.source in project.sources:
                    paths[join.source] = (*paths[current], join.source)
                    following.append(join.source)
        found = [s for s in following if project.entity_column(s, entity) is not None]
        if len(found) > 1:
            return (
                f"entity {entity!r} is reached from source {source!r} through "
                f"{' and '.join(repr(s) for s in found)} at the same distance: the path is "
                "ambiguous"
            )
        if found:
            column = project.entity_column(found[0], entity)
            assert column is not None
            return Link(found[0], column, paths[found[0]])
        level = following
    return (
        f"no source reachable from {source!r} through many-to-one joins declares entity "
        f"{entity!r} (following a join the other way would count one {entity} for many rows)"
    )
