"""The policy's `announcements:` section: defaults, the ask channel taken from the changes, and the mistakes
it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from opsdesk.config.policy import Policy
from opsdesk.config.policy_cache import decode, encode
from opsdesk.domain.errors import PolicyError
from tests.builders import policy_from_yaml


def test_the_defaults_and_the_ask_channel_of_the_changes() -> None:
    policy = policy_from_yaml('changes:\n  ask-channel: "#ask-platform"\n').announcements
    assert (policy.update_channel, policy.ask_channel) == (None, "#ask-platform")
    assert (policy.channel_for, policy.here_per_week) == (("P1",), 2)
    assert policy.reminders == (timedelta(hours=24), timedelta(hours=1))
    assert policy.grace == timedelta(minutes=10)


def test_a_section_as_written_and_kept_in_the_cache() -> None:
    policy = policy_from_yaml(
        "announcements:\n"
        '  update-channel: "#updates"\n'
        '  ask-channel: "#ask"\n'
        "  channel-mention-for: [P1, P2]\n"
        "  here-per-week: 0\n"
        "  reminders-before-hours: [1, 48, 0.5]\n"
        "  update-grace-minutes: 0\n"
    )
    section = policy.announcements
    assert (section.channel_for, section.here_per_week, section.grace) == (("P1", "P2"), 0, timedelta(0))
    assert section.reminders == (timedelta(hours=48), timedelta(hours=1), timedelta(minutes=30))
    assert decode(Policy, encode(policy)).announcements == section


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            'announcements:\n  update-channel: "#ask"\nchanges:\n  ask-channel: "#ask"\n',
            "announcements.update-channel: #ask is also the ask-channel (from changes.ask-channel): an "
            "announcement is forwarded from the update channel to the ask channel, so name two channels",
        ),
        ("announcements:\n  channel-mention-for: [P4]\n", "announcements.channel-mention-for[0]"),
        ("announcements:\n  here-per-week: -1\n", "announcements.here-per-week"),
        ("announcements:\n  reminders-before-hours: [24, 24]\n", "24.0 is listed more than once"),
        ("announcements:\n  reminders-before-hours: [0]\n", "announcements.reminders-before-hours[0]"),
        ("announcements:\n  update-channel: 'not a channel!'\n", "announcements.update-channel"),
        ("announcements:\n  mentions: 3\n", "unknown key 'mentions'"),
    ],
)
def test_mistakes_are_refused_naming_the_key(text: str, said: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(text)
    assert said in str(caught.value)
