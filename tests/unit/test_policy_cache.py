"""The validated-policy cache: the same policy back, and never a stale or damaged one."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from opsdesk.config.example import example_policy
from opsdesk.config.loading import load_policy
from opsdesk.config.policy import Policy
from opsdesk.config.policy_cache import decode, encode
from opsdesk.config.settings import Settings
from opsdesk.domain.errors import PolicyError
from tests.builders import policy_from_yaml
from tests.rota_builders import team


@pytest.mark.parametrize(
    "text",
    [
        example_policy(date(2026, 11, 27)),
        json.dumps(
            team(
                leave=[{"engineer": "alice", "from": "2026-12-03", "to": "2026-12-04", "note": "x"}],
                overrides=[
                    {
                        "role": "primary",
                        "engineer": "dana",
                        "from": "2026-12-02T18:00",
                        "to": "2026-12-02T20:00",
                        "reason": "swap",
                    }
                ],
            )
        ),
        "timezone: America/New_York\nbank-holidays: {division: scotland, extra: [{date: 2027-01-04, name: X}], "
        "removed: [2027-01-01], file: data/holidays.json}\n",
    ],
)
def test_a_policy_survives_the_cache_unchanged(text: str) -> None:
    policy = policy_from_yaml(text, base_dir=Path("/teams/platform"))
    again = decode(Policy, json.loads(json.dumps(encode(policy))))
    assert again == policy
    for engineer in policy.rota.engineers:
        assert again.rota.engineer(engineer.id) == engineer  # the look-up index is rebuilt too


def settings_for(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "opsdesk.yaml"
    path.write_text(text, encoding="utf-8")
    return Settings(path, policy_path_explicit=True, cache_dir=tmp_path / "cache")


def test_the_second_load_comes_from_the_cache_and_a_change_is_seen(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "timezone: Europe/Paris\n")
    first = load_policy(settings)
    assert (tmp_path / "cache" / "policy-cache.json").exists()
    assert load_policy(settings) == first
    settings.policy_path.write_text("timezone: Mars/Olympus\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not a known IANA time zone"):
        load_policy(settings)  # a changed file is validated again, never served stale
    settings.policy_path.write_text("timezone: Asia/Tokyo\n", encoding="utf-8")
    assert load_policy(settings).hours.timezone.key == "Asia/Tokyo"


@pytest.mark.parametrize("damage", ["{not json", '{"key": 1}', "[]", '{"key": "%s", "policy": {"hours": 7}}'])
def test_a_damaged_cache_is_ignored(tmp_path: Path, damage: str) -> None:
    settings = settings_for(tmp_path, "timezone: Europe/Paris\n")
    expected = load_policy(settings)
    cache = tmp_path / "cache" / "policy-cache.json"
    key = json.loads(cache.read_text(encoding="utf-8"))["key"]
    cache.write_text(damage.replace("%s", key), encoding="utf-8")
    assert load_policy(settings) == expected
