"""Shared fixtures: a real cover engine on the built-in policy, with the bank-holiday cache in a temp folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from opsdesk import bootstrap
from opsdesk.config.policy import default_policy
from opsdesk.config.settings import Settings
from opsdesk.domain.hours import CoverEngine

settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("opsdesk-cache")


@pytest.fixture(scope="session")
def engine(cache_dir: Path) -> CoverEngine:
    """The built-in policy: the written hours, Europe/London, England and Wales bank holidays."""
    settings = Settings(policy_path=Path("absent.yaml"), policy_path_explicit=False, cache_dir=cache_dir)
    return bootstrap.cover_engine(default_policy(), settings)


@pytest.fixture
def workdir(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working folder (no ./opsdesk.yaml) with the shared cache, as a new user has."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPSDESK_CONFIG", raising=False)
    monkeypatch.setenv("OPSDESK_CACHE_DIR", str(cache_dir))
    return tmp_path
