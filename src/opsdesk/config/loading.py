"""Finding and loading the policy: the file the settings name (validated, or from the cache), else defaults."""

from __future__ import annotations

import dataclasses

from opsdesk.config.policy import Policy, default_policy
from opsdesk.config.policy_cache import cache_key, load_cached, store
from opsdesk.config.settings import Settings
from opsdesk.domain.errors import PolicyError, PolicyProblem


def load_policy(settings: Settings) -> Policy:
    """The policy from the file the settings name, validated whole; the defaults when there is none."""
    path = settings.policy_path
    if not path.exists():
        if settings.policy_path_explicit:
            raise PolicyError(
                [
                    PolicyProblem(
                        "",
                        "no such file (named by --config or OPSDESK_CONFIG); give the path of a policy file",
                    )
                ],
                source=str(path),
            )
        return default_policy()
    try:
        raw = path.read_bytes()
    except OSError:
        raw = None  # read_policy_file reports it
    key = cache_key(raw, path) if raw is not None else None
    cached = load_cached(settings.cache_dir, key) if key else None
    if cached is not None:
        return dataclasses.replace(cached, source=str(path))
    # Imported only on a cache miss: validation (pydantic, ruamel.yaml) costs ~0.4 s to import.
    from opsdesk.config.policy_file import read_policy_file  # noqa: PLC0415

    policy = read_policy_file(path)
    if key is not None:
        store(settings.cache_dir, key, policy)
    return policy
