"""The checks on a change request as written: its fields, its window read from free text, notice, hours,
conflicts and whether an engineer is free."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from opsdesk.domain.changes.model import (
    FIELDS,
    Booked,
    ChangePolicy,
    CheckResult,
    Code,
    Problem,
    RequestText,
    Severity,
)
from opsdesk.domain.changes.window import ChangeWindow, TimeProblem, TimeProblemCode, read_window
from opsdesk.domain.durations import spoken
from opsdesk.domain.hours import Cover, CoverEngine
from opsdesk.domain.rota import Engineer, Rota


def check_request(  # noqa: PLR0917  (everything a check looks at)
    text: RequestText | Problem,
    submitted: datetime,
    policy: ChangePolicy,
    rota: Rota,
    engine: CoverEngine,
    booked: Sequence[Booked],
) -> CheckResult:
    """Every problem with a request as written (`text`, or why it could not be read), and its window when
    the time could be read."""
    if isinstance(text, Problem):
        return CheckResult(None, [text])
    problems = [
        Problem(Code.MISSING_FIELD, Severity.ERROR, f"{label} is empty: fill in the {label!r} field")
        for field_id, label in FIELDS
        if text.answer(field_id) is None
    ]
    time_text = text.answer("time")
    if time_text is None:
        return CheckResult(None, problems)
    if text.times_given > 1:
        problems.append(
            Problem(Code.AMBIGUOUS_TIME, Severity.ERROR, "Scheduled Time is given more than once: keep one")
        )
        return CheckResult(None, problems)
    window = read_window(time_text, submitted, engine.timezone)
    if isinstance(window, TimeProblem):
        code = Code.AMBIGUOUS_TIME if window.code is TimeProblemCode.AMBIGUOUS else Code.UNREADABLE_TIME
        problems.append(Problem(code, Severity.ERROR, f"Scheduled Time: {window.message}"))
        return CheckResult(None, problems)
    problems += check_window(window, submitted, policy, rota, engine, booked)
    return CheckResult(window, problems)


def check_window(  # noqa: PLR0917  (everything a check looks at)
    window: ChangeWindow,
    submitted: datetime,
    policy: ChangePolicy,
    rota: Rota,
    engine: CoverEngine,
    booked: Sequence[Booked],
) -> list[Problem]:
    problems = []
    hours = window.length.total_seconds() / 3600
    if window.length > policy.longest:
        longest = policy.longest.total_seconds() / 3600
        problems.append(
            Problem(
                Code.TOO_LONG,
                Severity.ERROR,
                f"the window is {hours:g} hours; the policy allows at most {longest:g}: split the change",
            )
        )
    notice = window.start - submitted
    if notice < policy.notice:
        needed = policy.notice.total_seconds() / 3600
        if notice <= timedelta():
            said = "the window starts before the request was made"
        else:
            said = f"{spoken(notice)} of notice"
        problems.append(
            Problem(
                Code.SHORT_NOTICE,
                Severity.ERROR,
                f"{said}; at least {needed:g} hours are needed from submission to the window's start",
            )
        )
    support = sum(
        ((w.end - w.start) for w in engine.windows(window.start, window.end) if w.cover is Cover.SUPPORT),
        timedelta(),
    )
    if support == window.length:
        problems.append(
            Problem(
                Code.IN_HOURS,
                Severity.ERROR,
                "the whole window is in support hours, when the team is at work: no out-of-hours support is needed",
            )
        )
    elif support > timedelta():
        problems.append(
            Problem(
                Code.PARTLY_IN_HOURS,
                Severity.WARNING,
                f"{support.total_seconds() / 3600:g} hour{'' if support == timedelta(hours=1) else 's'} of the window "
                f"{'is' if support == timedelta(hours=1) else 'are'} in support hours",
            )
        )
    for other in booked:
        if other.window.start < window.end and window.start < other.window.end:
            problems.append(
                Problem(
                    Code.CONFLICT, Severity.ERROR, f"the window overlaps approved change {other.reference}"
                )
            )
    for freeze in policy.freezes:
        if freeze.start < window.end and window.start < freeze.end:
            problems.append(
                Problem(
                    Code.CONFLICT, Severity.ERROR, f"the window falls in a change freeze: {freeze.reason}"
                )
            )
    if not available_engineers(rota, days_of(window, engine.timezone)):
        problems.append(
            Problem(
                Code.NO_ENGINEER,
                Severity.ERROR,
                "no engineer on the on-call rota is free then (everyone is on leave or opted out)",
            )
        )
    return problems


def days_of(window: ChangeWindow, tz: ZoneInfo) -> list[date]:
    """The local days a window touches."""
    first = window.start.astimezone(tz).date()
    last = (window.end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def available_engineers(rota: Rota, days: list[date]) -> list[Engineer]:
    """Engineers on the on-call rota who are not on leave on any of `days`."""
    return [e for e in rota.engineers if e.on_call and all(rota.on_leave(e.id, day) is None for day in days)]
