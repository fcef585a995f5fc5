"""The team's policy as values, and how it is found: a YAML file, or the built-in defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from opsdesk.config.defaults import DEFAULT_DIVISION, default_hours_policy
from opsdesk.config.settings import Settings
from opsdesk.domain.bank_holidays import Division
from opsdesk.domain.errors import PolicyError, PolicyProblem
from opsdesk.domain.hours import HoursPolicy
from opsdesk.domain.rota import Rota

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


def default_policy() -> Policy:
    return Policy(hours=default_hours_policy(), bank_holidays=BankHolidaySettings())


def load_policy(settings: Settings) -> Policy:
    """The policy from the file the settings name, validated whole; the defaults when there is none."""
    path = settings.policy_path
    if not path.exists():
        if settings.policy_path_explicit:
            raise PolicyError(
                [PolicyProblem("", "no such file; give the path of a policy file, or omit --config")],
                source=str(path),
            )
        return default_policy()
    # Imported only when a file exists: validation (pydantic, ruamel.yaml) costs ~0.2 s to import.
    from opsdesk.config.policy_file import read_policy_file  # noqa: PLC0415

    return read_policy_file(path)
