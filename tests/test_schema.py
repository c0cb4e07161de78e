"""The JSON Schema editors use, and the spec reference users read, both match the models.

`nsmcode schema` must be a valid, self-contained draft 2020-12 schema that accepts every file of
the example and the starter and rejects a typo; docs/spec.md must document every field of every
model (with a YAML example) and every loader error code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest
from click.testing import CliRunner
from pydantic import BaseModel
from ruamel.yaml import YAML

from nsmcode import models
from nsmcode.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "metrics"
STARTER = REPO / "nsmcode" / "starter" / "files"
SPEC = REPO / "docs" / "spec.md"


def schema(runner: CliRunner, *args: str) -> dict[str, Any]:
    result = runner.invoke(main, ["schema", *args])
    assert result.exit_code == 0, result.output
    loaded = json.loads(result.output)
    assert isinstance(loaded, dict)
    return loaded


def refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" or (key == "mapping" and isinstance(item, dict)):
                yield from ([item] if isinstance(item, str) else item.values())
            else:
                yield from refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)


def plain(value: Any) -> Any:
    """What a YAML file means as JSON: dates become ISO strings, as editors see them."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def read_yaml(path: Path) -> Any:
    return plain(YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")))


def definition_files() -> list[Path]:
    files = sorted((EXAMPLE / "definitions").rglob("*.yaml"))
    files += sorted((STARTER / "metrics").rglob("*.yaml"))
    assert len(files) >= 10
    return files


@pytest.mark.parametrize("kind", ["definitions", "project"])
def test_the_schema_is_a_valid_self_contained_draft_2020_12_schema(
    kind: str, runner: CliRunner
) -> None:
    document = schema(runner, "--kind", kind)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)
    found = list(refs(document))
    assert found, "the schema uses $defs"
    assert all(ref.startswith("#/") for ref in found), found
    for ref in found:  # every reference resolves inside the document
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]


def test_the_default_kind_is_definitions(runner: CliRunner) -> None:
    assert schema(runner) == schema(runner, "--kind", "definitions")


@pytest.mark.parametrize(
    "path", definition_files(), ids=lambda p: str(p.relative_to(REPO)) if isinstance(p, Path) else p
)
def test_every_definition_file_of_the_example_and_starter_is_valid(
    path: Path, runner: CliRunner
) -> None:
    validator = jsonschema.Draft202012Validator(schema(runner))
    errors = [e.message for e in validator.iter_errors(read_yaml(path))]
    assert errors == []


@pytest.mark.parametrize("path", [EXAMPLE / "nsmcode.yaml", STARTER / "nsmcode.yaml"])
def test_the_project_files_are_valid(path: Path, runner: CliRunner) -> None:
    validator = jsonschema.Draft202012Validator(schema(runner, "--kind", "project"))
    assert [e.message for e in validator.iter_errors(read_yaml(path))] == []


@pytest.mark.parametrize(
    ("kind", "document", "problem"),
    [
        (
            "definitions",
            {"metrics": [{"name": "m", "sorce": "s", "calculation": {"type": "count"}}]},
            "'sorce' was unexpected",
        ),
        ("definitions", {"metrics": [{"name": "m", "calculation": {"type": "p95"}}]}, "p95"),
        (
            "definitions",
            {"qualifiers": [{"name": "q", "condition": "x = 1"}]},
            "'reason' is a required property",
        ),
        ("definitions", {"funnels": [{"name": "f", "entity": "a", "steps": []}]}, "non-empty"),
        ("project", {"version": 1, "name": "p", "dialect": "postgresql"}, "postgresql"),
        ("project", {"version": 1, "name": "p", "path": ["metrics"]}, "'path' was unexpected"),
    ],
)
def test_the_schema_rejects_mistakes(
    kind: str, document: dict[str, Any], problem: str, runner: CliRunner
) -> None:
    validator = jsonschema.Draft202012Validator(schema(runner, "--kind", kind))
    messages = [e.message for e in validator.iter_errors(document)]
    messages += [c.message for e in validator.iter_errors(document) for c in e.context or ()]
    assert any(problem in m for m in messages), messages


# ------------------------------------------------------------------------------------------------
# docs/spec.md documents every model field


def all_models() -> list[type[BaseModel]]:
    """Every model reachable from the two file models, through unions, tuples and dicts."""
    found: list[type[BaseModel]] = []
    todo: list[Any] = [models.DefinitionFile, models.ProjectFile]
    while todo:
        item = todo.pop(0)
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item not in found:
                found.append(item)
                todo.extend(f.annotation for f in item.model_fields.values())
        else:
            todo.extend(get_args(item))
    return found


def sections() -> dict[str, str]:
    """docs/spec.md split at its `<!-- model: Name -->` markers."""
    parts = re.split(r"<!-- model: (\w+) -->", SPEC.read_text(encoding="utf-8"))
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_model_walk_finds_every_model() -> None:
    names = {m.__name__ for m in all_models()}
    assert {"Metric", "Retention", "Kpi", "KeyResult", "Connection", "RuleOverride"} <= names
    assert len(names) == 41


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.__name__)
def test_every_field_is_documented_with_a_yaml_example(model: type[BaseModel]) -> None:
    section = sections().get(model.__name__)
    assert section is not None, f"docs/spec.md has no `<!-- model: {model.__name__} -->` section"
    yaml_blocks = "\n".join(re.findall(r"```yaml\n(.*?)```", section, flags=re.S))
    for name, info in model.model_fields.items():
        field = info.alias or name  # as written in YAML
        assert re.search(rf"^\| `{field}` \|", section, flags=re.M), (
            f"{model.__name__}.{field} has no row in its table in docs/spec.md"
        )
        assert re.search(rf"(^|[\s{{,-]){field}:", yaml_blocks, flags=re.M), (
            f"{model.__name__}.{field} appears in no YAML example of its section"
        )


def test_every_documented_section_is_a_model() -> None:
    assert set(sections()) == {m.__name__ for m in all_models()}


def test_every_loader_error_code_is_documented() -> None:
    sources = [*(REPO / "nsmcode").glob("*.py"), *(REPO / "nsmcode" / "starter").glob("*.py")]
    codes = {c for path in sources for c in re.findall(r'"(E0\d\d)"', path.read_text())}
    assert codes == {f"E{n:03d}" for n in range(1, 12)}
    text = SPEC.read_text(encoding="utf-8")
    for code in sorted(codes):
        assert re.search(rf"^#### {code} ", text, flags=re.M), f"{code} has no section"


def test_every_calculation_type_is_documented_and_used_by_the_example() -> None:
    union = get_args(get_args(models.Calculation)[0])
    types = [cls.model_fields["type"].annotation.__args__[0] for cls in union]
    assert len(types) == 15
    text = SPEC.read_text(encoding="utf-8")
    example = "\n".join(p.read_text() for p in (EXAMPLE / "definitions").rglob("*.yaml"))
    used = set(re.findall(r"type: (\w+)", example))
    for name in types:
        assert f"type: {name}" in text, f"docs/spec.md shows no {name} calculation"
        assert name in used, f"the example uses no {name} calculation"


def test_every_yaml_example_in_the_spec_is_valid_yaml() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", SPEC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) > 30
    for block in blocks:
        YAML(typ="safe", pure=True).load(block)
