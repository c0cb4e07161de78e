"""What every model shares: the frozen, strict base class, identifiers and the
validation error that carries a fix hint."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

SPEC_VERSION = 1


Name = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        max_length=128,
        description="An identifier: letters, digits and underscores, not starting with a digit.",
    ),
]


def invalid(message: str, hint: str, **context: str) -> PydanticCustomError:
    """A validation error whose fix hint the loader shows next to it."""
    return PydanticCustomError("invalid_definition", message, {"hint": hint, **context})


class Spec(BaseModel):
    # allow_inf_nan=False: `.nan` or `.inf` as a target or threshold is a typo, not a goal
    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False
    )
