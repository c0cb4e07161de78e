"""Read dbt's compiled `target/semantic_manifest.json` (`nsmcode import dbt --manifest PATH`).

dbt writes it on `dbt parse` / `dbt build` with Jinja rendered and packages resolved, so a
project whose YAML uses Jinja or comes from packages imports without re-parsing. The JSON is
read with nsmcode's YAML reader (JSON is YAML), so every value keeps its line:col, and is
brought to the shape of dbt's YAML the translators read:

- `null`, `false` defaults and empty lists are dropped (they mean "not given");
- filters `{where_filters: [{where_sql_template: ...}]}` become lists of strings;
- windows `{count: 7, granularity: day}` become `7 days`;
- `node_relation: {schema_name, alias}` names the table (see semantic.relation_of).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nsmcode.dbt_import.reader import DbtFiles, Located, project_name_of, too_long
from nsmcode.diagnostics import Diagnostic, InputError, Span
from nsmcode.loader import display_path, read_text
from nsmcode.yamlsource import parse

_WINDOW_KEYS = {"window", "offset_window"}
# manifest bookkeeping with no meaning for the import
_DROPPED = {"metadata", "input_measures", "metric_aggregation_params", "unique_id", "depends_on"}


def _window(value: dict[str, Any]) -> str | dict[str, Any]:
    count, unit = value.get("count"), value.get("granularity")
    if isinstance(count, int) and isinstance(unit, str):
        unit = unit.lower().removesuffix("s")  # written as in the YAML: `7 days` -> days
        return f"{count} {unit}{'s' if count != 1 else ''}"
    return value


def _filter(value: dict[str, Any]) -> list[str]:
    found = value.get("where_filters") or []
    return [
        f["where_sql_template"]
        for f in found
        if isinstance(f, dict) and isinstance(f.get("where_sql_template"), str)
    ]


def normalize(value: Any, key: str | None = None) -> Any:
    """The manifest's value in the shape of dbt's YAML (in place for mappings and lists)."""
    if isinstance(value, dict):
        if key in ("filter", "where") and "where_filters" in value:
            return _filter(value)
        if key in _WINDOW_KEYS:
            return _window(value)
        for name in list(value):
            item = value[name]
            if item is None or item is False or item == [] or name in _DROPPED:
                del value[name]  # "not given": every false flag is dbt's default
                continue
            value[name] = normalize(item, name)
        return value
    if isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = normalize(item, key)
        return value
    return value


def declared_types(path: Path) -> dict[str, dict[str, str]]:
    """Column `data_type`s dbt models declare, from dbt's full manifest.json beside the
    semantic manifest (the semantic manifest has no column types). Best effort: a missing or
    unreadable file only means no declared types."""
    import json

    try:
        nodes = json.loads(path.read_text(encoding="utf-8")).get("nodes", {})
    except (OSError, ValueError, AttributeError):
        return {}
    out: dict[str, dict[str, str]] = {}
    if not isinstance(nodes, dict):
        return out
    for node in nodes.values():
        if not isinstance(node, dict) or node.get("resource_type") != "model":
            continue
        name, columns = node.get("name"), node.get("columns")
        if not isinstance(name, str) or not isinstance(columns, dict):
            continue
        for column in columns.values():
            if isinstance(column, dict) and isinstance(column.get("data_type"), str):
                out.setdefault(name, {})[str(column.get("name", "")).lower()] = column["data_type"]
    return out


def read_manifest(path: Path) -> DbtFiles:
    """Every semantic model, metric and saved query of a compiled semantic manifest."""
    if not path.is_file():
        raise InputError(
            [
                Diagnostic(
                    "D001",
                    f"{path} is not a file",
                    Span(str(path)),
                    "pass dbt's target/semantic_manifest.json (written by `dbt parse`)",
                )
            ]
        )
    # provenance relative to the dbt project: the folder above target/
    root = path.parent.parent if path.parent.name == "target" else path.parent
    shown = display_path(path, root)
    text, problems = read_text(path, shown)
    if text is None:
        raise InputError(problems)
    doc, problems = parse(text, shown, shallow=False)
    if problems:
        raise InputError(problems)
    if not isinstance(doc.value, dict) or not isinstance(doc.value.get("semantic_models"), list):
        raise InputError(
            [
                Diagnostic(
                    "D001",
                    f"{shown} is not a dbt semantic manifest (no `semantic_models` list)",
                    Span(shown, 1, 1),
                    "pass dbt's target/semantic_manifest.json, not target/manifest.json",
                )
            ]
        )
    result = DbtFiles(root, project_name_of(root), [shown], [], [], [], [])
    result.column_types = declared_types(path.parent / "manifest.json")
    for section, bucket in (
        ("semantic_models", result.semantic_models),
        ("metrics", result.metrics),
        ("saved_queries", result.saved_queries),
    ):
        items = doc.value.get(section)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                located = Located(normalize(item), doc, (section, i))
                if not too_long(located, result.warnings):
                    bucket.append(located)
    configuration = doc.value.get("project_configuration")
    spines = configuration.get("time_spines") if isinstance(configuration, dict) else None
    for i, item in enumerate(spines if isinstance(spines, list) else []):
        if isinstance(item, dict):
            where = ("project_configuration", "time_spines", i)
            result.time_spines.append(Located(normalize(item), doc, where))
    if not result.semantic_models and not result.metrics:
        raise InputError(
            [Diagnostic("D001", f"{shown} holds no semantic models or metrics", Span(shown, 1, 1))]
        )
    return result
