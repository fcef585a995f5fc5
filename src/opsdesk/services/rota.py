"""Rota use cases: who is on duty, the rules checked, and the rota's public JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from opsdesk.domain.errors import PolicyProblem
from opsdesk.domain.hours import Cover, CoverAt, CoverEngine
from opsdesk.domain.instants import wall_to_utc
from opsdesk.domain.rota import ON_CALL_ROLES, WEEK, EngineerId, Holding, Role, Rota, holding
from opsdesk.domain.rota_check import Violation, check_rota, rota_period
from opsdesk.domain.shifts import Shift, shifts
from opsdesk.services.clock import Clock
from opsdesk.services.reports import EngineerHours, hours_report

EMPTY_ROTA_WEEKS = 4  # what `rota check` covers when the rota assigns nothing: this turn and three more
ROLES_BY_COVER = {Cover.SUPPORT: (Role.SUPPORT,), Cover.ON_CALL: ON_CALL_ROLES, Cover.NONE: ()}
HORIZON = timedelta(days=366)  # as far as the cover engine looks for a change


@dataclass(frozen=True)
class OnDuty:
    """Who holds each role at an instant (roles not on duty under the cover then are absent)."""

    cover: CoverAt
    holdings: dict[Role, Holding] = field(default_factory=dict)
    next: OnDuty | None = None  # when there is no cover: who takes over when it resumes
    # The next instant the answer changes: the cover, a holder (an override's edge, a turn's handover, a
    # new support day, leave), whichever comes first; None if nothing changes within a year.
    until: datetime | None = None


class RotaService:
    def __init__(self, engine: CoverEngine, rota: Rota, clock: Clock) -> None:
        self.engine = engine
        self.rota = rota
        self.clock = clock

    def who(self, at: datetime | None = None) -> OnDuty:
        instant = self.clock.now() if at is None else at
        cover = self.engine.cover_at(instant)
        holdings = {
            role: holding(self.rota, role, instant, self.engine.timezone)
            for role in ROLES_BY_COVER[cover.cover]
        }
        following = None
        if cover.cover is Cover.NONE and cover.until is not None:
            following = self.who(cover.until)
        return OnDuty(cover, holdings, following, self._answer_until(instant, cover.until, holdings))

    def _answer_until(
        self, instant: datetime, cover_until: datetime | None, holdings: dict[Role, Holding]
    ) -> datetime | None:
        """The first instant before the cover changes at which someone else (or for another reason) holds
        a role; the cover's own change otherwise."""
        if not holdings:
            return cover_until
        horizon = cover_until or instant + HORIZON
        tz = self.engine.timezone
        candidates: set[datetime] = set()
        for override in self.rota.overrides:
            if override.role in holdings:
                candidates.update(t for t in (override.start, override.end) if instant < t < horizon)
        if any(role in holdings for role in ON_CALL_ROLES):
            handover = self.rota.turn.end(self.rota.turn.week_at(instant, tz), tz)
            while handover < horizon:
                candidates.add(handover)
                handover = self.rota.turn.end(self.rota.turn.week_at(handover, tz), tz)
        today = instant.astimezone(tz).date()
        if Role.SUPPORT in holdings:  # a new day, a new support engineer
            days = {today + timedelta(days=n) for n in range(1, (horizon - instant).days + 2)}
        else:
            days = set()
        last = horizon.astimezone(tz).date()
        for leave in self.rota.leave:  # a holder's leave begins or ends
            days.update(d for d in (leave.first, leave.last + timedelta(days=1)) if today < d <= last)
        for day in days:
            midnight = wall_to_utc(datetime.combine(day, time()), tz)
            if instant < midnight < horizon:
                candidates.add(midnight)
        for candidate in sorted(candidates):
            if any(holding(self.rota, role, candidate, tz) != held for role, held in holdings.items()):
                return candidate
        return cover_until

    def check(self, start: datetime | None = None, end: datetime | None = None) -> list[Violation]:
        """Every rule over `check_period(start, end)`: by default the whole period the rota assigns."""
        lo, hi = self.check_period(start, end)
        return check_rota(self.rota, self.engine, lo, hi) if lo < hi else []

    def period(self, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime] | None:
        """[start, end), each defaulting to the edge of what the rota assigns."""
        if start is not None and end is not None:
            return start, end
        period = rota_period(self.rota, self.engine.timezone)
        if period is None:
            return None
        return start or period[0], end or period[1]

    def check_period(self, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
        """What `check` covers: [start, end), each defaulting to the edge of what the rota assigns; when
        it assigns nothing, the turn holding now (or `start`) and the next three, which then are gaps."""
        period = self.period(start, end)
        if period is not None:
            return period
        tz = self.engine.timezone
        first = self.rota.turn.week_at(start or self.clock.now(), tz)
        return start or self.rota.turn.start(first, tz), end or self.rota.turn.start(
            first + EMPTY_ROTA_WEEKS * WEEK, tz
        )

    def shifts(
        self, start: datetime | None = None, end: datetime | None = None, engineer: EngineerId | None = None
    ) -> list[Shift]:
        """Duty as held (overrides and leave applied), within the cover windows."""
        period = self.period(start, end)
        if period is None:
            return []
        found = shifts(self.rota, self.engine, *period)
        return [s for s in found if engineer is None or s.engineer == engineer]

    def hours(self, start: datetime, end: datetime) -> list[EngineerHours]:
        return hours_report(
            self.shifts(start, end), [e.id for e in self.rota.engineers], self.engine.timezone
        )

    def name_of(self, engineer_id: EngineerId) -> str | None:
        engineer = self.rota.engineer(engineer_id)
        return engineer.name if engineer else None


def override_problems(rota: Rota, engine: CoverEngine) -> list[PolicyProblem]:
    """Overrides that hold no hours of their duty: almost always a mistyped date or time."""
    problems = []
    for index, override in enumerate(rota.overrides):
        wanted = Cover.SUPPORT if override.role is Role.SUPPORT else Cover.ON_CALL
        if not any(w.cover is wanted for w in engine.windows(override.start, override.end)):
            tz = engine.timezone
            problems.append(
                PolicyProblem(
                    f"overrides[{index}]",
                    f"{override.role} from {override.start.astimezone(tz):%Y-%m-%d %H:%M} to "
                    f"{override.end.astimezone(tz):%Y-%m-%d %H:%M} holds no {wanted} hours, so it changes "
                    "nothing; check its dates and times",
                )
            )
    return problems


def _person(service: RotaService, engineer_id: EngineerId | None) -> dict[str, str | None] | None:
    if engineer_id is None:
        return None
    return {"id": engineer_id, "name": service.name_of(engineer_id)}


def on_duty_dict(service: RotaService, duty: OnDuty) -> dict[str, object]:
    """The public shape of `who` (CLI `--json`, and later the API)."""
    tz = service.engine.timezone
    applied_overrides, applied_leave = [], []
    for held in duty.holdings.values():
        if held.override is not None:
            o = held.override
            applied_overrides.append(
                {
                    "role": str(o.role),
                    "engineer": o.engineer,
                    "from": o.start.astimezone(tz).isoformat(),
                    "to": o.end.astimezone(tz).isoformat(),
                    "reason": o.reason,
                }
            )
        if held.leave is not None:
            applied_leave.append(
                {"role": str(held.role), "engineer": held.leave.engineer, "note": held.leave.note}
            )
    result: dict[str, object] = {
        "at": duty.cover.at.astimezone(tz).isoformat(),
        "cover": str(duty.cover.cover),
        "until": duty.until.astimezone(tz).isoformat() if duty.until else None,
        "cover_until": duty.cover.until.astimezone(tz).isoformat() if duty.cover.until else None,
    }
    for role in Role:
        role_holding = duty.holdings.get(role)
        result[str(role)] = _person(service, role_holding.engineer) if role_holding else None
    result["overrides"] = applied_overrides
    result["leave"] = applied_leave
    result["next"] = on_duty_dict(service, duty.next) if duty.next else None
    return result


def violation_dict(violation: Violation, service: RotaService) -> dict[str, object]:
    tz = service.engine.timezone
    return {
        "code": str(violation.code),
        "start": violation.start.astimezone(tz).isoformat(),
        "end": violation.end.astimezone(tz).isoformat(),
        "role": str(violation.role) if violation.role else None,
        "people": list(violation.people),
        "message": violation.message,
    }
