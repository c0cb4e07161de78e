"""Where a source's rows find an entity's key: in the source itself, or in a source reached through
declared many-to-one joins (users -> accounts), so that a conversion (or a funnel step) can follow
an entity other than the one it counts.

    entity_key(project, source, entity, span, what) -> EntityKey   (CompileError C036/C037)

The nearest source declaring the entity wins; two paths at the same distance are ambiguous (C037);
a key reachable only by following a join backwards, one-to-many, would count rows once per match
and is refused (C036). The path found is the one `rows.join_path` joins (breadth first, in
declaration order), so the scan that selects the key joins exactly these sources.
"""

from __future__ import annotations

from dataclasses import dataclass

from nsmcode.compile.errors import fail
from nsmcode.diagnostics import Span
from nsmcode.project import Project


@dataclass(frozen=True)
class EntityKey:
    """An entity's key as the rows of `source` see it: column `column` of source `owner`,
    reached through the many-to-one joins of `path` (the sources joined after `source`,
    nearest first; empty when `source` declares the entity itself)."""

    source: str
    entity: str
    owner: str
    column: str
    path: tuple[str, ...] = ()


def entity_key(
    project: Project, source: str, entity: str, span: Span | None, what: str
) -> EntityKey:
    """The key of `entity` for rows of `source`; refuses an unreachable, one-to-many or
    ambiguous path with a diagnostic at `span` naming `what` (e.g. "metric 'activation'")."""
    own = project.entity_column(source, entity)
    if own is not None:
        return EntityKey(source, entity, source, own)
    # breadth first over declared joins, counting the distinct join paths to each source
    paths: dict[str, list[tuple[str, ...]]] = {source: [()]}
    frontier = [source]
    while frontier:
        found = [
            s for s in frontier if s != source and project.entity_column(s, entity) is not None
        ]
        if found:
            return _chosen(project, source, entity, found, paths, span, what)
        following: dict[str, list[tuple[str, ...]]] = {}
        for current in frontier:
            for join in project.sources[current].joins:
                target = join.source
                if target in paths or target not in project.sources:
                    continue
                following.setdefault(target, []).extend((*p, target) for p in paths[current])
        paths.update(following)
        frontier = list(following)
    raise _unreachable(project, source, entity, span, what)


def _chosen(
    project: Project,
    source: str,
    entity: str,
    found: list[str],
    paths: dict[str, list[tuple[str, ...]]],
    span: Span | None,
    what: str,
) -> EntityKey:
    candidates = [(owner, path) for owner in found for path in paths[owner]]
    if len(candidates) > 1:
        shown = "; ".join(" -> ".join((source, *path)) for _, path in candidates)
        raise fail(
            "C037",
            f"{what}: entity {entity!r} is reached from source {source!r} by more than one "
            f"path of many-to-one joins ({shown})",
            span,
            f"declare entity {entity!r} on source {source!r} itself, or keep one join path to "
            "a source that declares it",
        )
    owner, path = candidates[0]
    column = project.entity_column(owner, entity)
    assert column is not None
    return EntityKey(source, entity, owner, column, path)


def _unreachable(
    project: Project, source: str, entity: str, span: Span | None, what: str
) -> Exception:
    declaring = [name for name in project.sources if project.entity_column(name, entity)]
    ours = project.reachable_sources(source)
    for owner in declaring:
        shared = [s for s in project.reachable_sources(owner) if s in ours]
        if shared:
            via = shared[0]
            return fail(
                "C036",
                f"{what}: entity {entity!r} is declared by source {owner!r}, which {source!r} "
                f"reaches only by following {owner!r}'s join to {via!r} backwards: one "
                f"{via!r} row matches many {owner!r} rows (one-to-many), so a {source!r} row "
                f"would count once per match",
                span,
                f"declare a many-to-one join from {source!r} towards a source that declares "
                f"{entity!r}, or declare entity {entity!r} on {source!r}",
            )
    where = f" (declared by {', '.join(repr(d) for d in declaring)})" if declaring else ""
    return fail(
        "C036",
        f"{what}: source {source!r} reaches no source declaring entity {entity!r} through its "
        f"many-to-one joins{where}",
        span,
        f"add a `joins:` entry from {source!r} towards a source that declares {entity!r}",
    )
