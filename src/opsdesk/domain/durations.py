"""Durations as people say them: "45 minutes", "32 hours 30 minutes", "3 days 4 hours"."""

from __future__ import annotations

from datetime import timedelta

UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))
DAYS_FROM = 2 * 86_400  # below two days people count hours ("36 hours"), from two days on, days


def spoken(duration: timedelta, *, days: bool = True) -> str:
    """The largest unit and the next one down when it is not zero, truncated (never rounded up: a notice
    of 47 hours 59 minutes 59 seconds is not "48 hours"). Days from two days on: "32 hours",
    "3 days 4 hours", "45 minutes", "1 hour 5 minutes"; never with `days=False` (hours of a cover that
    are not whole days: "1771 hours")."""
    seconds = int(abs(duration).total_seconds())
    if seconds == 0:
        return "no time"
    units = UNITS if days and seconds >= DAYS_FROM else UNITS[1:]
    index = next(i for i, (_, size) in enumerate(units) if seconds >= size)
    name, size = units[index]
    said = _count(seconds // size, name)
    if index + 1 < len(units):
        smaller, smaller_size = units[index + 1]
        rest = seconds % size // smaller_size
        if rest:
            said += f" {_count(rest, smaller)}"
    return said


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
