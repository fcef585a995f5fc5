"""Builders for tests: policies from YAML text, engines from policies, the notifier, units of work."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.adapters.email.render import EmailRenderer
from opsdesk.adapters.github.render import GitHubRenderer
from opsdesk.adapters.pagerduty.render import PagerDutyRenderer
from opsdesk.adapters.slack.render import SlackRenderer
from opsdesk.adapters.twilio.render import SmsRenderer, VoiceRenderer
from opsdesk.bootstrap.cover import cover_engine
from opsdesk.config.policy import Policy
from opsdesk.config.policy_file import parse_policy_text
from opsdesk.config.settings import Settings
from opsdesk.domain.hours import CoverEngine
from opsdesk.domain.people import People
from opsdesk.services.notifier import Notifier, Renderer
from opsdesk.services.unit_of_work import UnitOfWorkFactory


def policy_from_yaml(text: str, base_dir: Path = Path()) -> Policy:
    return parse_policy_text(text, source="opsdesk.yaml", base_dir=base_dir)


def engine_for(policy: Policy, cache_dir: Path) -> CoverEngine:
    settings = Settings(policy_path=Path("opsdesk.yaml"), policy_path_explicit=False, cache_dir=cache_dir)
    return cover_engine(policy, settings)


def utc(text: str) -> datetime:
    """An instant written in UTC, e.g. utc("2026-03-29 01:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def notifier_for(policy: Policy, channels: frozenset[str]) -> Notifier:
    """The notifier a deployment with `channels` set up has, with every vendor's real renderer."""
    renderers: dict[str, Renderer] = {
        "slack": SlackRenderer(),
        "email": EmailRenderer(),
        "pagerduty": PagerDutyRenderer(),
        "github": GitHubRenderer(),
        "sms": SmsRenderer(),
        "voice": VoiceRenderer(),
    }
    return Notifier(channels, renderers, People.of(policy.rota.engineers))


def sql_units(engine: Engine) -> UnitOfWorkFactory:
    """Units of work over a real database."""
    return lambda: SqlUnitOfWork(engine)
