"""The built-in policy: the hours of the written process, Europe/London, England and Wales bank holidays."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from opsdesk.domain.bank_holidays import Division
from opsdesk.domain.hours import Cover, DayKind, HoursPolicy, LocalWindow

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_DIVISION = Division.ENGLAND_AND_WALES
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WORKING_DAYS = WEEKDAY_NAMES[:5]
# Hours per kind of day, each a list of windows per cover; time in no window has no cover.
DEFAULT_HOURS: dict[str, dict[str, list[str]]] = {
    DayKind.WORKING_DAY: {Cover.SUPPORT: ["09:00-16:00"], Cover.ON_CALL: ["07:00-09:00", "16:00-22:00"]},
    DayKind.WEEKEND: {Cover.ON_CALL: ["07:00-22:00"]},
    DayKind.BANK_HOLIDAY: {Cover.ON_CALL: ["07:00-22:00"]},
}


def windows_from_text(per_cover: dict[str, list[str]]) -> tuple[LocalWindow, ...]:
    return tuple(
        sorted(LocalWindow.parse(text, Cover(cover)) for cover, texts in per_cover.items() for text in texts)
    )


def default_hours_policy() -> HoursPolicy:
    """Built without the file-validation machinery, so a run with no policy file starts fast."""
    return HoursPolicy(
        timezone=ZoneInfo(DEFAULT_TIMEZONE),
        working_day=windows_from_text(DEFAULT_HOURS[DayKind.WORKING_DAY]),
        weekend=windows_from_text(DEFAULT_HOURS[DayKind.WEEKEND]),
        bank_holiday=windows_from_text(DEFAULT_HOURS[DayKind.BANK_HOLIDAY]),
        working_weekdays=frozenset(WEEKDAY_NAMES.index(name) for name in DEFAULT_WORKING_DAYS),
    )
