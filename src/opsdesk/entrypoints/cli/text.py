"""How instants, days and covers read to a person on the command line."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from opsdesk.domain.timeline import TimelineEntry
from opsdesk.entrypoints.duty_text import COVER_PHRASES, clock_text, day_phrase
from opsdesk.services.text import BIDI_CONTROLS

__all__ = [
    "COVER_PHRASES",
    "clock_text",
    "day_phrase",
    "entry_line",
    "plural",
    "printable",
    "shortened",
    "summary",
]


_CONTROL = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0), *BIDI_CONTROLS], "?")
del _CONTROL[0x0A], _CONTROL[0x09]  # keep newlines and tabs


def printable(text: str) -> str:
    """Text from outside (alarms, issues) made safe for a terminal: control characters shown as `?`, so an
    escape sequence cannot retitle a window, move the cursor or hide what follows, and bidirectional
    controls too, so the line reads in the order it was written."""
    return text.translate(_CONTROL)


def summary(text: str, limit: int = 80) -> str:
    """Outside text as one short line: `printable`, every run of spaces and line breaks made one space, and
    cut to `limit` characters with an ellipsis."""
    line = " ".join(printable(text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def entry_line(entry: TimelineEntry, tz: ZoneInfo) -> str:
    """One timeline entry (an incident's or a change request's) as a line: when, who (from where), what."""
    return (
        f"  {entry.at.astimezone(tz):%Y-%m-%d %H:%M:%S}  {printable(entry.actor)} ({entry.source})  "
        f"{printable(entry.message)}"
    )


def shortened(text: str, limit: int = 80) -> str:
    """A bad input echoed back in an error, cut to a readable length (a 2 MB line is not repeated whole)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
