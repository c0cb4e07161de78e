"""JSON Schema for editors, generated from the models (never written by hand).

The schemas live in the project (`.nsmcode/*.schema.json`, written by `nsmcode schema --write` and
`nsmcode init`) and files name them with a relative modeline, so an editor finds them offline and
they always match the nsmcode that wrote them.
"""

from __future__ import annotations

import json
import os
import posixpath
import tempfile
from pathlib import Path
from typing import Any

from nsmcode import models

SCHEMA_ID = "urn:nsmcode:schema:v1:{kind}"
"""A name, not an address: nothing is fetched from it."""
SCHEMA_FILES = {
    "definitions": ".nsmcode/definitions.schema.json",
    "project": ".nsmcode/project.schema.json",
}
MODELINE = "# yaml-language-server: $schema={path}"


def json_schema(kind: str = "definitions") -> dict[str, Any]:
    """A self-contained draft 2020-12 schema: every $ref points inside the document."""
    model = models.DefinitionFile if kind == "definitions" else models.ProjectFile
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID.format(kind=kind)
    return schema


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, sort_keys=True) + "\n"


def modeline(kind: str, file: str) -> str:
    """The first line of `file` (relative to the project root, `/`-separated) naming its schema
    by a path relative to the file, as the YAML language server resolves it."""
    folder = posixpath.dirname(file) or "."
    return MODELINE.format(path=posixpath.relpath(SCHEMA_FILES[kind], folder))


def write_schemas(root: Path) -> list[Path]:
    """Write both schemas into `root/.nsmcode/`, each replaced in one step (never half
    written); return their paths."""
    written: list[Path] = []
    for kind, rel in SCHEMA_FILES.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".schema-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(schema_text(kind))
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
