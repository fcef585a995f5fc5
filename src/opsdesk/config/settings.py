"""Process settings: where the policy file and the cache live, from options and OPSDESK_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_POLICY_FILE = "opsdesk.yaml"
DEFAULT_DATABASE_URL = "sqlite:///opsdesk.db"  # a file in the working folder


@dataclass(frozen=True)
class Settings:
    policy_path: Path
    # True when the path was given (--config or OPSDESK_CONFIG): then a missing file is an error.
    policy_path_explicit: bool
    cache_dir: Path | None
    # An explicit database URL (tests); otherwise OPSDESK_DATABASE_URL or the policy's service section.
    database_url: str | None = None

    @classmethod
    def from_environment(
        cls, config_option: str | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        env = os.environ if environ is None else environ
        given = config_option or env.get("OPSDESK_CONFIG") or None
        return cls(
            policy_path=Path(given or DEFAULT_POLICY_FILE),
            policy_path_explicit=given is not None,
            cache_dir=_cache_dir(env),
        )


def _cache_dir(env: Mapping[str, str]) -> Path | None:
    explicit = env.get("OPSDESK_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None  # an empty value turns the cache off
    base = env.get("XDG_CACHE_HOME") or (str(Path.home() / ".cache") if env.get("HOME") else "")
    return Path(base) / "opsdesk" if base else None
