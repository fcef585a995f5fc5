"""Request bodies: the base of every API request body (unknown fields refused, and no NUL character in any
text: a person never means one, and it cannot be stored; both a 422 naming the field), and raw JSON
bodies from other systems read safely (a 400 saying why one is refused)."""

from __future__ import annotations

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from opsdesk.entrypoints.api import safe_json
from opsdesk.services.text import NUL, nul_problem


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str) and NUL in value:
            raise PydanticCustomError("nul_character", nul_problem(info.field_name or "the text"))
        return value


def json_or_400(raw: bytes) -> object:
    """The body's JSON; a 400 with the reason for anything but plain, modest JSON (safe_json)."""
    try:
        return safe_json.load(raw)
    except safe_json.UnsafeJsonError as exc:
        raise HTTPException(400, str(exc)) from None
