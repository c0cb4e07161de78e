"""docs/editors.md, done as written: generate the schemas, map them with the documented VS Code
settings onto a project made by `nsmcode init`, and validate every file with jsonschema.

(tests/test_schema.py checks the schema itself and the example and starter files; this checks the
editor set-up users follow and the files `init` writes with a real project name.)
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from nsmcode.cli import main

REPO = Path(__file__).resolve().parent.parent.parent
DOC = REPO / "docs" / "editors.md"
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.DOTALL)


def _plain(value: Any) -> Any:
    """A YAML value as JSON sees it (dates become ISO strings, as in editors)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _load_yaml(text: str) -> Any:
    return _plain(YAML(typ="safe", pure=True).load(text))


def _glob(pattern: str) -> re.Pattern[str]:
    """A VS Code glob (`**/` any folders, `*` within one folder) as a regex."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + "$")


@pytest.fixture
def project(runner: CliRunner, tmp_path: Path) -> Path:
    """A project made by `nsmcode init`, with the schemas written as the page says."""
    root = tmp_path / "acme"
    result = runner.invoke(main, ["init", str(root), "--name", "acme"])
    assert result.exit_code == 0, result.output
    commands = [line for block in _blocks("bash") for line in block.splitlines()]
    schemas = [line for line in commands if line.startswith("nsmcode schema")]
    assert schemas == ["nsmcode schema --write --project ."]
    for path in project_schemas(root):  # init wrote them; the command replaces them
        path.unlink()
    args = shlex.split(schemas[0])[1:]
    result = runner.invoke(main, [a if a != "." else str(root) for a in args])
    assert result.exit_code == 0, result.output
    assert all(path.is_file() for path in project_schemas(root))
    return root


def project_schemas(root: Path) -> list[Path]:
    folder = root / ".nsmcode"
    return [folder / "definitions.schema.json", folder / "project.schema.json"]


def _settings() -> dict[str, list[str]]:
    (block,) = [b for b in _blocks("json") if "yaml.schemas" in b]
    mapping: dict[str, list[str]] = json.loads(block)["yaml.schemas"]
    return mapping


def test_vs_code_settings_map_every_init_file_to_its_schema(project: Path) -> None:
    mapping = _settings()
    files = sorted(p for p in project.rglob("*") if p.suffix in (".yaml", ".yml"))
    assert len(files) >= 3
    for file in files:
        rel = file.relative_to(project).as_posix()
        matches = [s for s, globs in mapping.items() if any(_glob(g).match(rel) for g in globs)]
        assert len(matches) == 1, f"{rel}: {matches}"
        schema = json.loads((project / matches[0]).read_text())
        text = file.read_text()
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(_load_yaml(text)))
        assert errors == [], f"{rel}: {errors[0].message if errors else ''}"
        # the modeline init writes names the same schema file, relative to the file
        modeline = MODELINE.match(text.splitlines()[0])
        assert modeline is not None, rel
        assert (file.parent / modeline.group(1)).resolve() == (project / matches[0]).resolve()
    assert _load_yaml((project / "nsmcode.yaml").read_text())["name"] == "acme"


def test_documented_modelines_point_at_the_written_schemas(project: Path) -> None:
    examples = _blocks("yaml")
    assert len(examples) == 2
    places = {"definitions": project / "metrics" / "example.yaml", "project": project / "x.yaml"}
    for text in examples:
        modeline = MODELINE.match(text.splitlines()[0])
        assert modeline is not None
        kind = "project" if "project.schema" in modeline.group(1) else "definitions"
        schema_path = (places[kind].parent / modeline.group(1)).resolve()
        assert schema_path.is_file(), schema_path
        schema = json.loads(schema_path.read_text())
        validator = jsonschema.Draft202012Validator(schema)
        assert list(validator.iter_errors(_load_yaml(text))) == []
        # and the schema is not a rubber stamp: a misspelt key in the same text is refused
        broken = text.replace("name:", "nmae:", 1)
        assert list(validator.iter_errors(_load_yaml(broken))) != []


def test_misspelt_key_in_an_init_file_is_caught_by_the_schema(project: Path) -> None:
    schema = json.loads((project / ".nsmcode" / "definitions.schema.json").read_text())
    file = next(p for p in (project / "metrics").glob("*.yaml") if "calculation:" in p.read_text())
    broken = file.read_text().replace("calculation:", "calculaton:", 1)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(_load_yaml(broken)))
    assert any("calculaton" in e.message for e in errors)
