"""The rota part of the policy file: engineers, turns, assignments, leave and overrides (pydantic)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, StrictBool

from opsdesk.config.defaults import WEEKDAY_NAMES
from opsdesk.config.field_types import Day, StrictModel, Weekday
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.hours import parse_clock
from opsdesk.domain.instants import parse_instant
from opsdesk.domain.rota import (
    MAX_AFTER_MINUTES,
    MAX_RULES,
    Engineer,
    EngineerId,
    Fatigue,
    Leave,
    NotifyRule,
    OnCallAssignment,
    Override,
    Role,
    Rota,
    SupportAssignment,
    SupportLimit,
    TurnPattern,
)

Loc = tuple[int | str, ...]
Problem = tuple[Loc, str]
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"


def _clock_time(text: str) -> str:
    minute = parse_clock(text)
    if minute is None or minute >= 24 * 60:
        raise ValueError('expected a time of day as "HH:MM", e.g. "07:00"')
    return text


PHONE_REGION = "GB"  # a number given without its country code is read as a UK number


def _phone(text: str) -> str:
    """A phone number as E.164 (+447911123456), read with the phonenumbers library."""
    import phonenumbers  # noqa: PLC0415  (only when a policy gives a phone number)

    example = "e.g. +44 7911 123456"
    if not text.isprintable():
        raise ValueError(f"a phone number holds no control characters: give it as digits, {example}")
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError(f"not a phone number: give it in international form, {example}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number: check its digits and give its country code, {example}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


Phone = Annotated[
    str,
    Field(
        max_length=40,
        description="a phone number for SMS and voice pages, international form (+44 7911 123456); kept in E.164",
    ),
    AfterValidator(_phone),
]
Id = Annotated[str, Field(pattern=ID_PATTERN, description="lower-case letters, digits, '.', '_' or '-'")]


Method = Literal["slack", "email", "sms", "voice", "pagerduty", "webhook"]  # domain.rota.METHODS


class NotifyRuleModel(StrictModel):
    by: list[Method] = Field(
        min_length=1, max_length=6, description="the methods this rule pages by, all at once"
    )
    after_minutes: int = Field(
        default=0,
        ge=0,
        le=MAX_AFTER_MINUTES,
        alias="after-minutes",
        description="minutes after the page began; sent only if nobody has acknowledged by then",
    )


class EngineerModel(StrictModel):
    id: Id
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)
    slack: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]{2,20}$", description="Slack user id")
    github: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,39}$", description="GitHub login")
    pagerduty: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,20}$", description="PagerDuty user id")
    phone: Phone | None = None
    on_call: StrictBool = Field(default=True, alias="on-call", description="opted in to the on-call rota")
    experienced: StrictBool = Field(
        default=True, description="false for a newcomer, who needs an experienced secondary"
    )
    support: StrictBool = Field(default=True, description="may take the daytime support duty")
    manager: StrictBool = Field(
        default=False, description="a duty manager: paged by an escalation whose final tier is `manager`"
    )
    notify: list[NotifyRuleModel] = Field(
        default_factory=list,
        max_length=MAX_RULES,
        description="how a page reaches this engineer, rule by rule (else the service's `paging` ways)",
    )
    webhook: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$",
        description="a webhook name from the deployment's OPSDESK_WEBHOOKS, for the `webhook` method",
    )


class TurnModel(StrictModel):
    starts: Weekday = "monday"
    at: Annotated[str, AfterValidator(_clock_time)] = Field(default="07:00", description="HH:MM, local")


class SupportDutyModel(StrictModel):
    max_days_per_sprint: int = Field(default=3, ge=0, le=14, alias="max-days-per-sprint")
    sprint_days: int = Field(default=14, ge=1, le=56, alias="sprint-days")
    first_sprint: Day = Field(
        default=date(2026, 1, 5), alias="first-sprint", description="a sprint's first day"
    )


class FatigueModel(StrictModel):
    max_weeks_running: int = Field(
        default=1, ge=1, le=52, alias="max-weeks-running", description="on-call turns in a row, either role"
    )
    support_on_call_same_day: StrictBool = Field(
        default=False,
        alias="support-on-call-same-day",
        description="true lets the support engineer be on call the same day",
    )
    rest_after_weekend_days: int = Field(
        default=1,
        ge=0,
        le=7,
        alias="rest-after-weekend-days",
        description="no support duty this many days after a weekend or bank-holiday day on call; 0 for none",
    )


class OnCallWeekModel(StrictModel):
    week: Day = Field(description="the date the turn starts")
    primary: Id | None = None
    secondary: Id | None = None


class SupportDayModel(StrictModel):
    date: Day
    engineer: Id


class RotaModel(StrictModel):
    turn: TurnModel = Field(default_factory=TurnModel)
    support_duty: SupportDutyModel = Field(default_factory=SupportDutyModel, alias="support-duty")
    fatigue: FatigueModel = Field(default_factory=FatigueModel)
    on_call: list[OnCallWeekModel] = Field(default_factory=list, alias="on-call")
    support: list[SupportDayModel] = Field(default_factory=list)


class LeaveModel(StrictModel):
    engineer: Id
    first: Day = Field(alias="from")
    last: Day = Field(alias="to", description="the last day of leave, included")
    note: str = Field(default="", max_length=200)


class OverrideModel(StrictModel):
    role: Role
    engineer: Id
    start: str = Field(
        alias="from", description="ISO 8601; wall-clock in the policy's time zone unless offset"
    )
    end: str = Field(alias="to")
    reason: str = Field(default="", max_length=200)


def build_rota(
    engineers: list[EngineerModel],
    rota: RotaModel,
    leave: list[LeaveModel],
    overrides: list[OverrideModel],
    tz: ZoneInfo,
) -> tuple[Rota, list[Problem]]:
    """The domain Rota, and every problem that needs the whole file (or the time zone) to see."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    phones: dict[str, int] = {}
    for index, engineer in enumerate(engineers):
        if engineer.id in seen:
            problems.append(
                (("engineers", index, "id"), f"{engineer.id!r} is already engineers[{seen[engineer.id]}]")
            )
        seen.setdefault(engineer.id, index)
        if engineer.phone is not None and engineer.phone in phones:
            problems.append(
                (
                    ("engineers", index, "phone"),
                    f"{engineer.phone} is already engineers[{phones[engineer.phone]}]'s phone: a reply to a "
                    "page is known by its number, so give each engineer their own",
                )
            )
        phones.setdefault(engineer.phone or "", index)
        problems += _notify_problems(index, engineer)
    turn = TurnPattern(WEEKDAY_NAMES.index(rota.turn.starts), parse_clock(rota.turn.at) or 0)
    problems += _assignment_problems(rota, turn)
    problems += _leave_problems(leave)
    parsed_overrides = []
    for index, model in enumerate(overrides):
        try:
            start, end = parse_instant(model.start, tz), parse_instant(model.end, tz)
        except InvalidInstantError as exc:
            key = "from" if exc.value == model.start else "to"
            problems.append((("overrides", index, key), f"got {exc.value!r}: {exc.reason}"))
            continue
        if end <= start:
            problems.append((("overrides", index), "'to' must be after 'from'"))
            continue
        parsed_overrides.append(Override(model.role, EngineerId(model.engineer), start, end, model.reason))
    duty = rota.support_duty
    built = Rota(
        engineers=tuple(
            Engineer(
                EngineerId(e.id),
                e.name,
                e.email,
                e.slack,
                e.github,
                e.pagerduty,
                e.on_call,
                e.experienced,
                e.support,
                e.manager,
                e.phone,
                tuple(NotifyRule(tuple(r.by), r.after_minutes) for r in e.notify),
                e.webhook,
            )
            for e in engineers
        ),
        turn=turn,
        support_limit=SupportLimit(duty.max_days_per_sprint, duty.sprint_days, duty.first_sprint),
        on_call=tuple(OnCallAssignment(w.week, _id(w.primary), _id(w.secondary)) for w in rota.on_call),
        support=tuple(SupportAssignment(d.date, EngineerId(d.engineer)) for d in rota.support),
        leave=tuple(Leave(EngineerId(x.engineer), x.first, x.last, x.note) for x in leave),
        overrides=tuple(parsed_overrides),
        fatigue=Fatigue(
            rota.fatigue.max_weeks_running,
            rota.fatigue.support_on_call_same_day,
            rota.fatigue.rest_after_weekend_days,
        ),
    )
    return built, problems


NEEDS = {  # a method, the engineer's field it needs, and an example of that field
    "sms": ("phone", "phone: +44 7911 123456"),
    "voice": ("phone", "phone: +44 7911 123456"),
    "slack": ("slack", "slack: U0123ABCD"),
    "webhook": ("webhook", "webhook: alice-pager (a name in OPSDESK_WEBHOOKS)"),
}


def _notify_problems(index: int, engineer: EngineerModel) -> list[Problem]:
    """An engineer's rules: each method once a rule, delays strictly increasing (the first may be 0), and
    every method reaching them (sms and voice need `phone`, slack `slack`, webhook `webhook`)."""
    if not engineer.notify:
        return []
    where: Loc = ("engineers", index, "notify")
    problems: list[Problem] = []
    before: int | None = None
    if engineer.notify[0].after_minutes:
        problems.append(
            (
                (*where, 0, "after-minutes"),
                "the first rule is sent with the page: leave out its after-minutes",
            )
        )
    for number, rule in enumerate(engineer.notify):
        if len(set(rule.by)) != len(rule.by):
            problems.append(((*where, number, "by"), "a method is listed twice: list each once in a rule"))
        if before is not None and rule.after_minutes <= before:
            problems.append(
                (
                    (*where, number, "after-minutes"),
                    f"got {rule.after_minutes}: each rule comes later than the one before "
                    f"({before} minutes); give more than {before}",
                )
            )
        before = rule.after_minutes
        for method in dict.fromkeys(rule.by):
            field, example = NEEDS.get(method, ("", ""))
            if field and getattr(engineer, field) is None:
                problems.append(
                    (
                        (*where, number, "by"),
                        f"{method} needs the engineer's `{field}`: add `{example}` to {engineer.id}, "
                        f"or take {method} out of the rule",
                    )
                )
    return problems


def _id(value: str | None) -> EngineerId | None:
    return EngineerId(value) if value is not None else None


def _assignment_problems(rota: RotaModel, turn: TurnPattern) -> list[Problem]:
    problems: list[Problem] = []
    weeks: dict[date, int] = {}
    for index, entry in enumerate(rota.on_call):
        if entry.week.weekday() != turn.weekday:
            problems.append(
                (
                    ("rota", "on-call", index, "week"),
                    f"{entry.week} is a {WEEKDAY_NAMES[entry.week.weekday()]}; turns start on "
                    f"{WEEKDAY_NAMES[turn.weekday]}",
                )
            )
        if entry.week in weeks:
            problems.append(
                (
                    ("rota", "on-call", index, "week"),
                    f"{entry.week} is already rota.on-call[{weeks[entry.week]}]",
                )
            )
        weeks.setdefault(entry.week, index)
    days: dict[date, int] = {}
    for index, day in enumerate(rota.support):
        if day.date in days:
            problems.append(
                (("rota", "support", index, "date"), f"{day.date} is already rota.support[{days[day.date]}]")
            )
        days.setdefault(day.date, index)
    return problems


def _leave_problems(leave: list[LeaveModel]) -> list[Problem]:
    problems: list[Problem] = []
    for index, entry in enumerate(leave):
        if entry.last < entry.first:
            problems.append((("leave", index), f"'to' ({entry.last}) is before 'from' ({entry.first})"))
            continue
        for other_index, other in enumerate(leave[:index]):
            if other.engineer == entry.engineer and other.first <= entry.last and entry.first <= other.last:
                problems.append(
                    (
                        ("leave", index),
                        f"overlaps leave[{other_index}] of {entry.engineer} ({other.first} to {other.last}); "
                        "merge the two entries",
                    )
                )
    return problems
