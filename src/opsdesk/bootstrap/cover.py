"""Wiring the cover engine (what every command needs): the policy's hours and its bank holidays.

Kept apart from the application's other parts so that `opsdesk hours` loads nothing else.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from opsdesk.adapters.bank_holidays import HolidaysPackageSource, read_govuk_file
from opsdesk.adapters.clock import SystemClock
from opsdesk.config.loading import load_policy
from opsdesk.config.policy import BankHolidaySettings, Policy
from opsdesk.config.settings import Settings
from opsdesk.domain.bank_holidays import LayeredCalendar
from opsdesk.domain.errors import IntegrationError, PolicyError, PolicyProblem
from opsdesk.domain.hours import CoverEngine
from opsdesk.services.clock import Clock
from opsdesk.services.hours import HoursService


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


def hours_service(settings: Settings, clock: Clock | None = None) -> HoursService:
    """Everything `opsdesk hours` needs; raises PolicyError before anything runs on a bad policy."""
    policy = load_policy(settings)
    return HoursService(cover_engine(policy, settings), clock or SystemClock())
