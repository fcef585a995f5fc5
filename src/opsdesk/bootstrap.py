"""The one place that picks the real adapters and wires them into the use cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from opsdesk.adapters.bank_holidays import HolidaysPackageSource, read_govuk_file
from opsdesk.adapters.calendar_feed import render_ics
from opsdesk.adapters.clock import SystemClock
from opsdesk.adapters.rota_solver import HighsPlanSolver
from opsdesk.config.policy import BankHolidaySettings, Policy, load_policy
from opsdesk.config.policy_writer import write_plan
from opsdesk.config.settings import Settings
from opsdesk.domain.bank_holidays import LayeredCalendar
from opsdesk.domain.errors import IntegrationError, PolicyError, PolicyProblem
from opsdesk.domain.hours import CoverEngine
from opsdesk.domain.rota_plan import Plan
from opsdesk.domain.shifts import Shift
from opsdesk.services.clock import Clock
from opsdesk.services.hours import HoursService
from opsdesk.services.rota import RotaService, override_problems
from opsdesk.services.rota_generation import Generated, generate


def bank_holiday_calendar(rules: BankHolidaySettings, settings: Settings, source: str) -> LayeredCalendar:
    authoritative = {}
    if rules.file is not None:
        try:
            authoritative = read_govuk_file(rules.file, rules.division)
        except IntegrationError as exc:
            raise PolicyError([PolicyProblem("bank-holidays.file", str(exc))], source) from None
    return LayeredCalendar(
        source=HolidaysPackageSource(rules.division, settings.cache_dir),
        authoritative=authoritative,
        extra=rules.extra,
        removed=rules.removed,
    )


def cover_engine(policy: Policy, settings: Settings) -> CoverEngine:
    calendar = bank_holiday_calendar(policy.bank_holidays, settings, policy.source)
    return CoverEngine(policy.hours, calendar)


def today(timezone: str, clock: Clock | None = None) -> date:
    """The local date now in `timezone`."""
    return (clock or SystemClock()).now().astimezone(ZoneInfo(timezone)).date()


def rota_service(settings: Settings, clock: Clock | None = None) -> RotaService:
    """Everything the rota commands need; raises PolicyError before anything runs on a bad policy."""
    policy = load_policy(settings)
    engine = cover_engine(policy, settings)
    problems = override_problems(policy.rota, engine)
    if problems:
        raise PolicyError(problems, policy.source)
    return RotaService(engine, policy.rota, clock or SystemClock())


def generate_rota(
    service: RotaService, first: date, weeks: int, progress: Callable[[str], None] | None = None
) -> Generated:
    """Plan `weeks` turns with the HiGHS solver; RotaInfeasibleError says which rule stops it."""
    solver = HighsPlanSolver(progress=progress)
    return generate(service.rota, service.engine, solver, first, weeks, progress)


def calendar(service: RotaService, shifts: list[Shift], title: str) -> bytes:
    """An iCalendar feed of `shifts`."""
    return render_ics(shifts, service.engine.timezone, service.name_of, title, service.clock.now())


def write_rota(settings: Settings, plan: Plan) -> None:
    write_plan(settings.policy_path, plan)


def hours_service(settings: Settings, clock: Clock | None = None) -> HoursService:
    """Everything `opsdesk hours` needs; raises PolicyError before anything runs on a bad policy."""
    policy = load_policy(settings)
    return HoursService(cover_engine(policy, settings), clock or SystemClock())
