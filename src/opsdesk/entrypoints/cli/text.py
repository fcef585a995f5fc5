"""How instants, days and covers read to a person on the command line."""

from __future__ import annotations

from datetime import datetime

from opsdesk.domain.hours import Cover, DayKind

COVER_PHRASES = {Cover.SUPPORT: "support hours", Cover.ON_CALL: "on-call hours", Cover.NONE: "no cover"}


def clock_text(instant: datetime, with_date: bool) -> str:
    pattern = "%a %d %b %Y %H:%M" if with_date else "%H:%M"
    if instant.second or instant.microsecond:
        pattern += ":%S"
    return f"{instant.strftime(pattern)} {instant.tzname()}"


def day_phrase(day: DayKind, holiday: str | None) -> str:
    if day is DayKind.BANK_HOLIDAY:
        return f"bank holiday: {holiday}"
    return str(day).replace("-", " ")
