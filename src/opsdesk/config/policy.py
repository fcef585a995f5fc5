"""The team's policy as values, and how it is found: a YAML file, or the built-in defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from opsdesk.config.defaults import DEFAULT_DIVISION, default_hours_policy
from opsdesk.domain.announcements.model import AnnouncementPolicy
from opsdesk.domain.asks import AskPolicy
from opsdesk.domain.bank_holidays import Division
from opsdesk.domain.changes.model import ChangePolicy
from opsdesk.domain.handover.model import HandoverPolicy
from opsdesk.domain.hours import HoursPolicy
from opsdesk.domain.incidents.email import EmailPolicy
from opsdesk.domain.incidents.model import MonitoredService
from opsdesk.domain.rota import Rota
from opsdesk.domain.support.model import SupportPolicy

BUILT_IN = "built-in defaults"


@dataclass(frozen=True)
class BankHolidaySettings:
    division: Division = DEFAULT_DIVISION
    # A file in GOV.UK's bank-holidays JSON format, authoritative for every year it holds.
    file: Path | None = None
    extra: dict[date, str] = field(default_factory=dict)
    removed: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Policy:
    hours: HoursPolicy
    bank_holidays: BankHolidaySettings
    source: str = BUILT_IN
    rota: Rota = field(default_factory=Rota)
    # The `service:` section, as text by key (pydantic-settings reads it under OPSDESK_* variables).
    service: dict[str, str] = field(default_factory=dict)
    services: tuple[MonitoredService, ...] = ()  # alarm sources (incidents)
    changes: ChangePolicy = field(default_factory=ChangePolicy)  # out-of-hours change requests
    handover: HandoverPolicy = field(default_factory=HandoverPolicy)  # the daily rhythm
    support: SupportPolicy = field(default_factory=SupportPolicy)  # the support board
    announcements: AnnouncementPolicy = field(default_factory=AnnouncementPolicy)  # broadcasts
    email: EmailPolicy = field(default_factory=EmailPolicy)  # critical-incident email
    ask: AskPolicy = field(default_factory=AskPolicy)  # the ask channel's questions


def default_policy() -> Policy:
    return Policy(hours=default_hours_policy(), bank_holidays=BankHolidaySettings())
