"""The base of every API request body: unknown fields refused, and no NUL character in any text (a person
never means one, and it cannot be stored): both a 422 naming the field."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from opsdesk.services.text import NUL, nul_problem


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str) and NUL in value:
            raise PydanticCustomError("nul_character", nul_problem(info.field_name or "the text"))
        return value
