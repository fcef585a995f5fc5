"""The policy's `email:` section: defaults, a section as written (kept in the cache), and the mistakes it
refuses, each naming the key and how to fix it."""

from __future__ import annotations

import pytest

from opsdesk.config.policy import Policy
from opsdesk.config.policy_cache import decode, encode
from opsdesk.domain.errors import PolicyError
from tests.builders import policy_from_yaml

SERVICE = "services:\n  - id: platform\n    name: Platform\n"


def test_off_by_default() -> None:
    email = policy_from_yaml("").email
    assert (email.enabled, email.service, email.addresses, email.port) == (False, None, (), 2525)
    assert (email.max_bytes, email.replies_per_hour) == (10 * 1024 * 1024, 5)


def test_a_section_as_written_and_kept_in_the_cache() -> None:
    policy = policy_from_yaml(
        SERVICE + 'changes:\n  ask-channel: "#ask-platform"\n'
        "email:\n"
        "  enabled: true\n"
        "  service: platform\n"
        "  addresses: [OnCall@Platform.gov.uk]\n"
        "  sender-domains: ['@Dept.gov.uk', agency.gov.uk]\n"
        "  max-size-mb: 2.5\n"
        "  replies-per-hour: 0\n"
        "  trusted-relays: [10.20.0.0/24, '2001:db8::1']\n"
        "  authserv-id: MX.platform.gov.uk\n"
    )
    email = policy.email
    assert email.addresses == ("oncall@platform.gov.uk",)
    assert email.sender_domains == ("dept.gov.uk", "agency.gov.uk")
    assert (email.max_bytes, email.replies_per_hour) == (int(2.5 * 1024 * 1024), 0)
    assert (email.authserv_id, email.support_channel) == ("mx.platform.gov.uk", "#ask-platform")
    assert email.accepts_sender("ops@team.dept.gov.uk") and not email.accepts_sender("ops@notdept.gov.uk")
    assert decode(Policy, encode(policy)).email == email


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("email:\n  enabled: true\n", "email.service: name the service (under `services:`)"),
        ("email:\n  service: payments\n", "email.service: no service 'payments'; the services are: none yet"),
        (
            SERVICE + "email:\n  enabled: true\n  service: platform\n  sender-domains: [dept.gov.uk]\n",
            "email.addresses: list the address(es) mail is accepted for",
        ),
        (
            SERVICE + "email:\n  enabled: true\n  service: platform\n  addresses: [a@b.uk]\n",
            "email.sender-domains: list the domains mail is accepted from",
        ),
        (
            "email:\n  addresses: [not-an-address]\n",
            "is not an email address (write it as name@example.gov.uk)",
        ),
        ("email:\n  sender-domains: ['dept gov uk']\n", "is not a domain (write it as example.gov.uk"),
        ("email:\n  trusted-relays: [relay.example]\n", "is not an IP address or network (e.g. 10.0.0.0/24)"),
        ("email:\n  certificate: tls.pem\n", "email.certificate: STARTTLS needs both"),
        ("email:\n  require-dmarc-pass: true\n", "require-dmarc-pass needs the relay's authserv-id"),
        ("email:\n  max-size-mb: 0\n", "email.max-size-mb"),
        ("email:\n  port: 70000\n", "email.port"),
        ("email:\n  listen: 25\n", "unknown key 'listen'"),
    ],
)
def test_mistakes_are_refused_naming_the_key(text: str, said: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(text)
    assert said in str(caught.value)
