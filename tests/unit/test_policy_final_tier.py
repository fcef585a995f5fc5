"""An escalation's final tier in the policy: `manager` or named engineers, every mistake named with its line."""

from __future__ import annotations

import pytest

from opsdesk.config.policy import Policy
from opsdesk.config.policy_cache import decode, encode
from opsdesk.domain.errors import PolicyError
from opsdesk.domain.incidents.escalation import FinalTier
from opsdesk.domain.rota import EngineerId
from tests.builders import policy_from_yaml

TEAM = """\
engineers:
  - {id: alice, name: Alice, email: alice@example.org}
  - {id: dana, name: Dana, email: dana@example.org, manager: true}
  - {id: erin, name: Erin, email: erin@example.org, manager: true, on-call: false}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(text)
    return [str(p) for p in caught.value.problems]


def service(final: str) -> str:
    return f"services:\n  - id: platform\n    name: Platform\n    escalation:\n      final: {final}\n"


def test_final_manager_pages_every_engineer_marked_manager() -> None:
    policy = policy_from_yaml(TEAM + service("manager"))
    (platform,) = policy.services
    assert platform.escalation.final == FinalTier((EngineerId("dana"), EngineerId("erin")), "manager")
    assert platform.escalation.final_pages() == [("dana", 10, 1), ("erin", 10, 2)]
    assert [e.manager for e in policy.rota.engineers] == [False, True, True]
    assert decode(Policy, encode(policy)) == policy  # the policy cache keeps the final tier


def test_final_may_name_engineers() -> None:
    (platform,) = policy_from_yaml(TEAM + service("[alice]")).services
    assert platform.escalation.final == FinalTier((EngineerId("alice"),), "final")


def test_without_final_the_escalation_just_stops() -> None:
    (platform,) = policy_from_yaml(TEAM + "services:\n  - {id: platform, name: Platform}\n").services
    assert platform.escalation.final is None
    assert platform.escalation.final_pages() == []


def test_final_manager_with_no_managers_is_a_problem_with_its_line() -> None:
    team = "engineers:\n  - {id: alice, name: Alice, email: alice@example.org}\n"
    assert problems(team + service("manager")) == [
        "line 7: services[0].escalation.final: the final tier is `manager`, but no engineer has `manager: "
        "true`: mark the duty managers under `engineers:`, or name engineers here instead"
    ]


def test_final_naming_someone_not_on_the_team_is_a_problem_with_its_line() -> None:
    assert problems(TEAM + service("[alice, zoe]")) == [
        "line 9: services[0].escalation.final: 'zoe' is not an engineer of the team; the engineers are: "
        "alice, dana, erin"
    ]


@pytest.mark.parametrize(
    ("final", "expected"),
    [
        ("[]", "name 1 to 10 engineers, or `manager`"),
        ("[alice, alice]", "each engineer may be listed once"),
        ("boss", "Input should be 'manager'"),
        ("[Not An Id]", "String should match pattern"),
    ],
)
def test_a_malformed_final_tier_is_refused(final: str, expected: str) -> None:
    found = "\n".join(problems(TEAM + service(final)))
    assert "services[0].escalation.final" in found
    assert expected in found


def test_manager_must_be_true_or_false() -> None:
    text = "engineers:\n  - {id: dana, name: Dana, email: dana@example.org, manager: 'yes'}\n"
    assert problems(text) == ["line 2: engineers[0].manager: got 'yes': Input should be a valid boolean"]
