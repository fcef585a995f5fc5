"""The rota: engineers, on-call turns, support days, leave and overrides, and who holds a role when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import NewType
from zoneinfo import ZoneInfo

from opsdesk.domain.instants import wall_to_utc

EngineerId = NewType("EngineerId", str)
WEEK = timedelta(days=7)


class Role(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUPPORT = "support"


ON_CALL_ROLES = (Role.PRIMARY, Role.SECONDARY)


METHODS = ("slack", "email", "sms", "voice", "pagerduty", "webhook")  # an engineer's contact methods
MAX_RULES = 10
MAX_AFTER_MINUTES = 120


@dataclass(frozen=True)
class NotifyRule:
    """One of an engineer's notification rules: page by `methods`, all at once, `after_minutes` after the
    page began (0: with the page), unless the incident was acknowledged meanwhile. (Here rather than in
    domain/incidents/paging, which re-exports it, because an Engineer holds them.)"""

    methods: tuple[str, ...]
    after_minutes: int = 0

    def __post_init__(self) -> None:
        if not self.methods or any(m not in METHODS for m in self.methods):
            raise ValueError(f"a notification rule pages by one or more of {', '.join(METHODS)}")
        if not 0 <= self.after_minutes <= MAX_AFTER_MINUTES:
            raise ValueError(f"a notification rule's delay is 0 to {MAX_AFTER_MINUTES} minutes")

    @property
    def named(self) -> str:
        """ "slack and sms": for the timeline."""
        return " and ".join(self.methods)


@dataclass(frozen=True)
class Engineer:
    id: EngineerId
    name: str
    email: str
    slack: str | None = None
    github: str | None = None
    pagerduty: str | None = None
    on_call: bool = True  # opted in to the on-call rota
    experienced: bool = True  # False: a newcomer, who needs an experienced secondary
    support: bool = True  # may take the daytime support duty
    manager: bool = False  # a duty manager: paged as an escalation's final tier (`final: manager`)
    phone: str | None = None  # E.164 (+447911123456): pages by SMS and voice call
    notify: tuple[NotifyRule, ...] = ()  # how a page reaches them, rule by rule; () for the service's ways
    webhook: str | None = None  # a webhook name of the deployment (OPSDESK_WEBHOOKS), for `webhook` pages


@dataclass(frozen=True)
class TurnPattern:
    """Weekly on-call turns, each starting on `weekday` (Monday=0) at `minute` past local midnight."""

    weekday: int = 0
    minute: int = 7 * 60

    def week_of(self, day: date) -> date:
        """The start date of the turn whose first day is on or before `day` (by date only)."""
        return day - timedelta(days=(day.weekday() - self.weekday) % 7)

    def start(self, week: date, tz: ZoneInfo) -> datetime:
        return wall_to_utc(datetime.combine(week, time(self.minute // 60, self.minute % 60)), tz)

    def end(self, week: date, tz: ZoneInfo) -> datetime:
        return self.start(week + WEEK, tz)

    def week_at(self, at: datetime, tz: ZoneInfo) -> date:
        """The start date of the turn that holds the instant `at`."""
        week = self.week_of(at.astimezone(tz).date())
        return week if self.start(week, tz) <= at else week - WEEK


@dataclass(frozen=True)
class SupportLimit:
    """At most `max_days` support days per engineer in each sprint of `sprint_days`, from `first_sprint`."""

    max_days: int = 3
    sprint_days: int = 14
    first_sprint: date = date(2026, 1, 5)

    def sprint_of(self, day: date) -> date:
        offset = (day - self.first_sprint).days % self.sprint_days
        return day - timedelta(days=offset)


@dataclass(frozen=True)
class Fatigue:
    """Limits that keep duty bearable; the generator keeps them and `rota check` reports them."""

    max_weeks_running: int = 1  # on-call turns in a row, primary or secondary
    support_on_call_same_day: bool = False  # may the support engineer be on call the same day?
    rest_after_weekend_days: int = 1  # no support duty this many days after a weekend day on call


@dataclass(frozen=True)
class OnCallAssignment:
    week: date
    primary: EngineerId | None
    secondary: EngineerId | None


@dataclass(frozen=True)
class SupportAssignment:
    day: date
    engineer: EngineerId


@dataclass(frozen=True)
class Leave:
    engineer: EngineerId
    first: date
    last: date  # included
    note: str = ""

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Override:
    """An engineer takes a role for [start, end): cover for someone, a swap, or part of a shift."""

    role: Role
    engineer: EngineerId
    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True)
class Rota:
    engineers: tuple[Engineer, ...] = ()
    turn: TurnPattern = TurnPattern()
    support_limit: SupportLimit = SupportLimit()
    on_call: tuple[OnCallAssignment, ...] = ()
    support: tuple[SupportAssignment, ...] = ()
    leave: tuple[Leave, ...] = ()
    overrides: tuple[Override, ...] = ()
    fatigue: Fatigue = Fatigue()
    _by_id: dict[EngineerId, Engineer] = field(default_factory=dict, compare=False, repr=False)
    _weeks: dict[date, OnCallAssignment] = field(default_factory=dict, compare=False, repr=False)
    _days: dict[date, SupportAssignment] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({e.id: e for e in self.engineers})
        self._weeks.update({a.week: a for a in self.on_call})
        self._days.update({a.day: a for a in self.support})

    def engineer(self, engineer_id: EngineerId) -> Engineer | None:
        return self._by_id.get(engineer_id)

    def week(self, week: date) -> OnCallAssignment | None:
        return self._weeks.get(week)

    def support_day(self, day: date) -> SupportAssignment | None:
        return self._days.get(day)

    def on_leave(self, engineer_id: EngineerId, day: date) -> Leave | None:
        return next(
            (leave for leave in self.leave if leave.engineer == engineer_id and leave.covers(day)), None
        )

    def assigned(self, role: Role, at: datetime, tz: ZoneInfo) -> EngineerId | None:
        """Who the assignments (without overrides or leave) give `role` at `at`."""
        if role is Role.SUPPORT:
            entry = self._days.get(at.astimezone(tz).date())
            return entry.engineer if entry else None
        week = self._weeks.get(self.turn.week_at(at, tz))
        if week is None:
            return None
        return week.primary if role is Role.PRIMARY else week.secondary

    def override_at(self, role: Role, at: datetime) -> Override | None:
        """The override of `role` in force at `at`; a later entry in the file wins over an earlier one."""
        found = None
        for override in self.overrides:
            if override.role is role and override.start <= at < override.end:
                found = override
        return found


@dataclass(frozen=True)
class Holding:
    """Who holds a role at an instant, and why: the assignment, an override, or a vacancy through leave."""

    role: Role
    engineer: EngineerId | None
    override: Override | None = None
    assigned: EngineerId | None = None
    leave: Leave | None = None


def holding(rota: Rota, role: Role, at: datetime, tz: ZoneInfo) -> Holding:
    """Overrides first, then the assignments; an engineer on leave that day holds nothing."""
    assigned = rota.assigned(role, at, tz)
    override = rota.override_at(role, at)
    holder = override.engineer if override else assigned
    if holder is None:
        return Holding(role, None, override, assigned)
    leave = rota.on_leave(holder, at.astimezone(tz).date())
    if leave is not None:
        return Holding(role, None, override, assigned, leave)
    return Holding(role, holder, override, assigned)
