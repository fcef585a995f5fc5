"""Services in the policy: routing mode, channel, escalation, integration keys; every mistake named."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from opsdesk.config.policy import Policy
from opsdesk.config.policy_cache import decode, encode
from opsdesk.domain.errors import PolicyError
from opsdesk.domain.incidents.escalation import EscalationPolicy
from opsdesk.domain.incidents.model import RoutingMode, key_digest
from opsdesk.domain.rota import Role
from tests.builders import policy_from_yaml

KEY = "0123456789abcdef0123456789abcdef"


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(text)
    return [str(p) for p in caught.value.problems]


def test_a_service_takes_the_teams_escalation_by_default() -> None:
    policy = policy_from_yaml(f"services:\n  - {{id: platform, name: Platform, integration-keys: [{KEY}]}}\n")
    (service,) = policy.services
    assert service.mode is RoutingMode.PAGE
    assert service.escalation == EscalationPolicy()
    assert [(s.role, s.wait) for s in service.escalation.steps] == [
        (Role.PRIMARY, timedelta(minutes=20)),
        (Role.SECONDARY, timedelta(minutes=10)),
    ]
    assert service.escalation.cycles == 9
    assert service.paging == ("slack", "email")
    assert service.key_digests == frozenset({hashlib.sha256(KEY.encode()).hexdigest()})


def test_a_key_may_be_written_as_its_digest_so_the_file_holds_no_secret() -> None:
    digest = key_digest(KEY)
    text = f"services:\n  - {{id: p, name: P, mode: notify, channel: '#alerts', integration-keys: ['sha256:{digest}']}}\n"
    (service,) = policy_from_yaml(text).services
    assert service.key_digests == frozenset({digest})
    assert (service.mode, service.channel) == (RoutingMode.NOTIFY, "#alerts")


def test_an_own_escalation_policy() -> None:
    text = """\
services:
  - id: db
    name: Database
    paging: [pagerduty]
    escalation:
      cycles: 2
      steps:
        - {role: secondary, wait-minutes: 5}
"""
    (service,) = policy_from_yaml(text).services
    assert service.escalation.cycles == 2
    assert [
        (p.role, p.cycle) for p in service.escalation.pages(__import__("datetime").datetime(2027, 1, 1))
    ] == [
        (Role.SECONDARY, 1),
        (Role.SECONDARY, 2),
    ]
    assert service.paging == ("pagerduty",)


def test_mistakes_are_named_with_their_place() -> None:
    text = """\
services:
  - {id: Bad Id, name: X, mode: shout, integration-keys: [short], paging: [pager], escalation: {cycles: 0}}
"""
    found = problems(text)
    assert found == [
        "line 2: services[0].id: got 'Bad Id': String should match pattern '^[a-z0-9][a-z0-9._-]{0,62}$'",
        "line 2: services[0].mode: got 'shout': Input should be 'page' or 'notify'",
        "line 2: services[0].integration-keys[0]: got 'short': expected an integration key of "
        "16-128 letters, digits, '-' or '_', or its digest as sha256:<64 hex digits> (`opsdesk service key` "
        "makes both)",
        "line 2: services[0].paging[0]: got 'pager': Input should be 'slack', 'email', 'pagerduty', 'sms' or 'voice'",
        "line 2: services[0].escalation.cycles: got 0: Input should be greater than or equal to 1",
    ]
    text = f"""\
services:
  - {{id: platform, name: Platform, integration-keys: [{KEY}]}}
  - {{id: platform, name: Again, integration-keys: [{KEY}]}}
"""
    found = "\n".join(problems(text))
    assert "services[1].id: 'platform' is already services[0]" in found
    assert (
        "services[1].integration-keys: a key here is also services[0]'s; each key routes to one service"
        in found
    )


def test_services_survive_the_policy_cache() -> None:
    policy = policy_from_yaml(f"services:\n  - {{id: platform, name: Platform, integration-keys: [{KEY}]}}\n")
    assert decode(Policy, encode(policy)) == policy


def test_the_published_schema_knows_services(tmp_path: Path) -> None:
    from opsdesk.config.policy_model import json_schema

    assert "services" in json_schema()["properties"]
