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
        # Imported only when needed: validation (pydantic, ruamel.yaml) costs ~0.4 s to import.
        from opsdesk.config.policy_file import read_policy_file  # noqa: PLC0415

        return read_policy_file(path)  # says why it cannot be read
    return policy_from_bytes(raw, settings)


def policy_from_bytes(raw: bytes, settings: Settings) -> Policy:
    """The policy in `raw` (the content of the settings' policy file), from the cache when it has it."""
    path = settings.policy_path
    key = cache_key(raw, path)
    cached = load_cached(settings.cache_dir, key)
    if cached is not None:
        return dataclasses.replace(cached, source=str(path))
    from opsdesk.config.policy_file import read_policy_bytes  # noqa: PLC0415  (heavy, on a cache miss only)

    policy = read_policy_bytes(raw, path)
    store(settings.cache_dir, key, policy)
    return policy
