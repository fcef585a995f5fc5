"""Field types shared by the policy file's models: strict dates, weekdays, and the strict base model."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _strict_date(value: object) -> object:
    # Only a real date or "YYYY-MM-DD": a bare number must not become a date from a Unix timestamp.
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("expected a date as YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_strict_date)]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class StrictModel(BaseModel):
    """Unknown keys are errors; names in the file are the aliases (e.g. `working-day`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=True)


def check_pattern(value: str) -> str:
    """A regular expression from the settings, refused with the reason when it does not compile."""
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression ({exc})") from None
    return value
