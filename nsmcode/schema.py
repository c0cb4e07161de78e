"""JSON Schema for editors, generated from the models (never written by hand)."""

from __future__ import annotations

from typing import Any

from nsmcode import models

SCHEMA_ID = "https://nsmcode.dev/schema/v1/{kind}.json"


def json_schema(kind: str = "definitions") -> dict[str, Any]:
    """A self-contained draft 2020-12 schema: every $ref points inside the document."""
    model = models.DefinitionFile if kind == "definitions" else models.ProjectFile
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID.format(kind=kind)
    return schema
