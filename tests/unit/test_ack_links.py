"""Signed acknowledge links: a token reads back as what was signed; a changed byte, another secret, garbage
or a token too long is refused without saying why; expiry is the claim's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsdesk.domain.incidents.ack_links import (
    LINK_LIFETIME,
    AckClaim,
    LinkError,
    LinkSetup,
    page_nonce,
    read,
    sign,
)

SECRET = "0123456789abcdef0123456789abcdef"
AT = datetime(2026, 12, 1, 21, 4, tzinfo=UTC)
CLAIM = AckClaim(4, "alice", 1, 2, AT + LINK_LIFETIME, page_nonce(SECRET, "page:4:c1s2:alice"))


def test_a_token_reads_back_as_signed_and_is_short_enough_for_an_sms() -> None:
    token = sign(SECRET, CLAIM)
    assert read(SECRET, token) == CLAIM
    assert len(token) < 80
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert CLAIM.receipt.startswith("ack-link:")
    assert (
        LinkSetup("https://opsdesk.example.org/", SECRET).url(token)
        == f"https://opsdesk.example.org/ack/{token}"
    )
    assert SECRET not in repr(LinkSetup("https://opsdesk.example.org", SECRET))


def test_one_page_has_one_nonce_and_two_pages_two() -> None:
    assert page_nonce(SECRET, "page:4:c1s2:alice") == page_nonce(SECRET, "page:4:c1s2:alice")
    assert page_nonce(SECRET, "page:4:c1s2:alice") != page_nonce(SECRET, "page:4:c2s2:alice")
    assert page_nonce(SECRET, "page:4:c1s2:alice") != page_nonce("another" + SECRET, "page:4:c1s2:alice")


def test_expiry_is_the_claims() -> None:
    assert not CLAIM.expired(AT + LINK_LIFETIME - timedelta(seconds=1))
    assert CLAIM.expired(AT + LINK_LIFETIME)
    assert timedelta(hours=24) == LINK_LIFETIME


def _flip(token: str, at: int) -> str:
    swapped = "B" if token[at] == "A" else "A"
    return token[:at] + swapped + token[at + 1 :]


def test_every_changed_character_is_refused() -> None:
    token = sign(SECRET, CLAIM)
    for at in range(len(token)):
        if token[at] == ".":
            continue
        changed = _flip(token, at)
        try:
            claim = read(SECRET, changed)
        except LinkError:
            continue
        # Base64's last character can carry unused bits: a change there may decode to the same bytes.
        assert claim == CLAIM


@pytest.mark.parametrize(
    "token",
    ["", ".", "a.b", "garbage", "A" * 201, "\x00.\x00", "abc\u202e.def", "a.b.c", "====.===="],
)
def test_garbage_is_refused_saying_nothing_more(token: str) -> None:
    with pytest.raises(LinkError, match=r"^not an acknowledge link$"):
        read(SECRET, token)


def test_another_secret_is_refused() -> None:
    with pytest.raises(LinkError):
        read("another-secret-0123456789abcdef0123", sign(SECRET, CLAIM))


def test_a_megabyte_is_refused_at_once() -> None:
    with pytest.raises(LinkError):
        read(SECRET, "A" * (1 << 20))


def test_an_engineer_id_that_cannot_go_in_a_link() -> None:
    with pytest.raises(LinkError, match="1 to 64 bytes"):
        sign(SECRET, AckClaim(4, "x" * 65, 1, 1, AT, b"123456789"))
