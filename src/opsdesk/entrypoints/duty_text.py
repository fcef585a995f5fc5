"""How an instant's cover and duty read to a person: the wording of `opsdesk who` (and `opsdesk hours`),
shared by the command line and the Slack app so both say the same thing the same way."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from opsdesk.domain.hours import Cover, DayKind
from opsdesk.domain.rota import Holding

if TYPE_CHECKING:
    from opsdesk.services.rota import OnDuty, RotaService

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


def holder_text(service: RotaService, held: Holding) -> str:
    if held.engineer is None:
        if held.leave is not None:
            note = f": {held.leave.note}" if held.leave.note else ""
            return f"nobody ({held.leave.engineer} is on leave{note})"
        return "nobody assigned"
    name = service.name_of(held.engineer) or "not in engineers"
    extra = ""
    if held.override is not None:
        extra = f"  [override{': ' + held.override.reason if held.override.reason else ''}]"
    return f"{name} ({held.engineer}){extra}"


def describe_duty(service: RotaService, duty: OnDuty) -> list[str]:
    """The lines `opsdesk who` prints: the cover and until when, who holds each role, and when there is
    no cover, who takes over when it resumes."""
    tz = service.engine.timezone
    cover = duty.cover
    local = cover.at.astimezone(tz)
    head = f"{clock_text(local, True)}: {COVER_PHRASES[cover.cover]} ({day_phrase(cover.day, cover.holiday)})"
    if duty.until is not None:
        until = duty.until.astimezone(tz)
        head += f" until {clock_text(until, until.date() != local.date())}"
    lines = [head]
    lines += [f"  {str(role) + ':':<11}{holder_text(service, held)}" for role, held in duty.holdings.items()]
    if duty.next is not None:
        lines.append("  nobody is on duty; when cover resumes:")
        lines += ["  " + line for line in describe_duty(service, duty.next)]
    return lines
