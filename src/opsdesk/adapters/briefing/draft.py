"""A briefing as a draft: its headline, the lines under it, its sections and what to do next, made of parts
that tell opsdesk's own words from text that came from outside (which each vendor cleans and escapes).

Outside text (alarm summaries, titles, notes, names) is cleaned here the same way for every vendor: control
and bidirectional characters out, whitespace runs made one space, and long fields cut with an ellipsis, so
nothing a stranger typed can move the layout around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from opsdesk.domain.handover.model import HandoverKind, Person
from opsdesk.services.text import BIDI_CONTROLS, REPLACEMENT

ELLIPSIS = "…"
MAX_LINES = 12  # of one note or one set of instructions
# C0 and C1 controls (escape sequences, carriage returns) become spaces; bidirectional controls are shown.
_CONTROLS = {
    **dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)], " "),
    **dict.fromkeys(BIDI_CONTROLS, REPLACEMENT),
}


@dataclass(frozen=True)
class Outside:
    """Text from people or other systems: shown cleaned, on one line, cut to `limit` characters."""

    text: str
    limit: int = 200

    def cleaned(self) -> str:
        return one_line(self.text, self.limit)


@dataclass(frozen=True)
class Who:
    """An engineer opsdesk names: their name, or a Slack mention where they have a Slack id."""

    person: Person


@dataclass(frozen=True)
class Command:
    """Something to type or call, shown as code."""

    text: str


@dataclass(frozen=True)
class Link:
    """A title from outside that links to `url` (a GitHub pull request or run)."""

    title: Outside
    url: str


Part = str | Outside | Who | Command | Link
Line = tuple[Part, ...]


@dataclass(frozen=True)
class Item:
    """One entry of a section, and the lines under it (a plan, instructions, a note)."""

    line: Line
    details: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled list; when it has no items it says `empty`, or is left out when `empty` is ""."""

    title: str
    items: tuple[Item, ...]
    empty: str = ""
    count: bool = True  # the title says how many items

    @property
    def heading(self) -> str:
        return f"{self.title} ({len(self.items)})" if self.count and self.items else self.title


@dataclass(frozen=True)
class Draft:
    kind: HandoverKind
    headline: Line  # the most important line
    lateness: tuple[Line, ...]  # said next when the briefing did not come at its time
    top: tuple[Line, ...]  # who from, the stretch
    sections: tuple[Section, ...]
    next: tuple[Line, ...]  # what to do next
    handover: int | None  # the kept record's id (None: a preview)
    timezone: ZoneInfo
    addressed: tuple[Person, ...] = ()  # who must acknowledge (Slack mentions them by the ack line)

    @property
    def shown(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.items or s.empty)


def one_line(text: str, limit: int) -> str:
    """Outside text on one line: controls out, whitespace runs made one space, cut with an ellipsis."""
    line = " ".join(text.translate(_CONTROLS).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + ELLIPSIS


def paragraph(label: str, text: str, limit: int) -> tuple[Line, ...]:
    """Outside text whose line breaks matter (a note, instructions): one line after `label`, or, when it
    has several, `label` alone and then each line indented (blank ones dropped, at most MAX_LINES)."""
    lines = [line for line in (one_line(line, limit) for line in text.splitlines()) if line]
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], f"{ELLIPSIS} ({len(lines) - MAX_LINES + 1} more lines)"]
    if len(lines) == 1 and label:
        return ((f"{label}: ", Outside(lines[0], limit)),)
    head: tuple[Line, ...] = ((f"{label}:",),) if label and lines else ()
    indent = "  " if label else ""
    return (*head, *((indent, Outside(line, limit)) for line in lines))


def name(person: Person | None, fallback: str = "nobody") -> str:
    return one_line(person.name, 60) if person is not None else fallback


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def some(count: int, noun: str, nouns: str | None = None) -> str:
    """ "no open incidents", "1 open incident", "3 open incidents"."""
    return f"no {nouns or noun + 's'}" if count == 0 else plural(count, noun, nouns)


def day(at: datetime | date, tz: ZoneInfo) -> str:
    """ "Fri 28 May" (the date in `tz` when `at` is an instant)."""
    local = at.astimezone(tz) if isinstance(at, datetime) else at
    return f"{local:%a} {local.day} {local:%b}"


def when(at: datetime, tz: ZoneInfo) -> str:
    """ "Fri 28 May 16:00"."""
    local = at.astimezone(tz)
    return f"{day(local, tz)} {local:%H:%M}"


def clock(at: datetime, tz: ZoneInfo) -> str:
    return f"{at.astimezone(tz):%H:%M}"


def span(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """ "Fri 28 May 22:00 to 23:30", "Fri 28 May 16:00 to Tue 1 Jun 09:00"; across a clock change each end
    says its zone, so a window never reads an hour longer or shorter than it is."""
    first, last = start.astimezone(tz), end.astimezone(tz)
    if first.utcoffset() != last.utcoffset():
        return f"{when(first, tz)} {first:%Z} to {when(last, tz)} {last:%Z}"
    if first.date() == last.date():
        return f"{when(first, tz)} to {clock(last, tz)}"
    return f"{when(first, tz)} to {when(last, tz)}"


def waited(after: timedelta) -> str:
    """ "40 s", "4 min", "1 h 5 min": how long a page waited, short enough for a phone."""
    seconds = int(after.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


KIND_WORDS = {
    HandoverKind.HANDOVER: "handover",
    HandoverKind.HAND_BACK: "hand-back",
    HandoverKind.TURN_CHANGE: "turn change",
    HandoverKind.DIGEST: "digest",
}


def plain(line: Line) -> str:
    """A line as plain text: outside text cleaned, engineers by name, commands in backticks, links after
    their titles."""
    return "".join(_plain(part) for part in line)


def _plain(part: Part) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Outside):
        return part.cleaned()
    if isinstance(part, Who):
        return name(part.person)
    if isinstance(part, Command):
        return f"`{part.text}`"
    return f"{part.title.cleaned()} <{one_line(part.url, 500)}>"
