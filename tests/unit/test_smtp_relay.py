"""Which clients may hand mail to the listener when the policy names trusted relays: the relay's own
addresses only, written as IPv4, IPv6, or IPv4 seen through an IPv6 socket."""

from __future__ import annotations

import pytest
from aiosmtpd.smtp import Session

from opsdesk.domain.incidents.email import EmailPolicy
from opsdesk.entrypoints.smtp.handler import _relay_refusal

RELAYS = EmailPolicy(trusted_relays=("10.20.0.0/24", "2001:db8::/64"))


def session(peer: str) -> Session:
    found = Session(None)  # type: ignore[arg-type]  (the loop is not used here)
    found.peer = (peer, 25)
    return found


@pytest.mark.parametrize(
    ("peer", "taken"),
    [
        ("10.20.0.5", True),
        ("::ffff:10.20.0.5", True),  # an IPv4 relay on a listener bound to "::"
        ("2001:db8::25", True),
        ("10.20.1.5", False),
        ("::ffff:10.20.1.5", False),
        ("127.0.0.1", False),
        ("not an address", False),
    ],
)
def test_only_the_relay_may_hand_over_mail(peer: str, taken: bool) -> None:
    refusal = _relay_refusal(RELAYS, session(peer))
    assert (refusal is None) is taken
    if not taken:
        assert refusal is not None and refusal.startswith("550 5.7.1 This address takes mail only through")


def test_without_trusted_relays_anyone_may() -> None:
    assert _relay_refusal(EmailPolicy(), session("203.0.113.9")) is None
