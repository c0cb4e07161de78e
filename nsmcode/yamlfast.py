"""Compose YAML into located nodes with libyaml, in C: the fast path of `yamlsource.parse`.

ruamel.yaml's Python parser spends most of a load scanning characters one at a time; libyaml does
the same work in C and still gives every node its line and column. PyYAML's binding to it is used
(ruamel.yaml.clib has no nesting limit, and its recursive composer crashes the process on 100,000
nested brackets; libyaml from 0.2.6 refuses nesting past 1,000 levels before composing it).

Only input libyaml composes without complaint takes this path, with scalar tags resolved by
ruamel.yaml's YAML 1.2 rules, so the result is what ruamel.yaml would have built. Anything else
(a syntax error, several documents, a `%YAML` directive, no libyaml) returns `NOT_COMPOSED`, and
the caller parses the text with ruamel.yaml, whose error messages are the ones users see.
"""

from __future__ import annotations

import re
from typing import Any

NOT_COMPOSED: Any = object()
"""Returned when libyaml cannot be used for this text (or at all): parse it with ruamel.yaml."""

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)


def _implicit_rules() -> dict[Any, list[tuple[str, Any]]]:
    """ruamel.yaml's implicit scalar rules for YAML 1.2 (its default), by first character."""
    from ruamel.yaml.resolver import VersionedResolver

    resolver = VersionedResolver(version=(1, 2))
    return dict(resolver.versioned_resolver)


def _composer_class() -> Any:
    try:
        import yaml  # type: ignore[import-untyped]
        from yaml._yaml import CParser  # type: ignore[import-untyped]
    except ImportError:  # PyYAML without libyaml, or not installed: the Python parser it is
        return None
    if not getattr(yaml, "__with_libyaml__", False) or yaml._yaml.get_version() < (0, 2, 6):
        return None  # older libyaml has no nesting limit: deep input would crash the composer
    rules = _implicit_rules()
    by_first = {first: found for first, found in rules.items() if first is not None}
    assert None not in rules, "ruamel.yaml's 1.2 rules are keyed by first character"

    class Composer(CParser):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is ScalarNode:
                if implicit[0] and value[:1] in by_first:
                    for tag, regexp in by_first[value[:1]]:
                        if regexp.match(value):
                            return str(tag)
                return _STR
            return _SEQ if kind is SequenceNode else _MAP

        def descend_resolver(self, parent: Any, index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

    from yaml.nodes import ScalarNode, SequenceNode  # type: ignore[import-untyped]

    return Composer


_COMPOSER: Any = None


def compose_fast(text: str) -> Any:
    """The root node of a one-document YAML text (None when empty), or NOT_COMPOSED."""
    global _COMPOSER
    if _COMPOSER is None:
        _COMPOSER = _composer_class() or False
    if _COMPOSER is False or _DIRECTIVE.search(text):
        return NOT_COMPOSED
    composer = _COMPOSER(text)
    try:
        return composer.get_single_node()
    except Exception:  # any complaint: ruamel.yaml says it properly
        return NOT_COMPOSED
    finally:
        composer.dispose()
