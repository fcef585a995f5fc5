"""Builders for tests: policies from YAML text, engines from policies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from opsdesk import bootstrap
from opsdesk.config.policy import Policy
from opsdesk.config.policy_file import parse_policy_text
from opsdesk.config.settings import Settings
from opsdesk.domain.hours import CoverEngine


def policy_from_yaml(text: str, base_dir: Path = Path()) -> Policy:
    return parse_policy_text(text, source="opsdesk.yaml", base_dir=base_dir)


def engine_for(policy: Policy, cache_dir: Path) -> CoverEngine:
    settings = Settings(policy_path=Path("opsdesk.yaml"), policy_path_explicit=False, cache_dir=cache_dir)
    return bootstrap.cover_engine(policy, settings)


def utc(text: str) -> datetime:
    """An instant written in UTC, e.g. utc("2026-03-29 01:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
