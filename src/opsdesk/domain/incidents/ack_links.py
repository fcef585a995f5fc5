"""Signed acknowledge links: the token in `<public_url>/ack/<token>` names one page (the incident, the
engineer paged, the cycle and step, a nonce) and when it stops working, and carries an HMAC-SHA256 of all
of that under the deployment's link secret, so it cannot be made or changed without the secret.

A token is `<claim>.<mac>`, both URL-safe base64 without padding: the claim packs a version byte, the
incident number, the cycle, the step, the expiry (Unix seconds), a 9-byte nonce and the engineer's id; the
MAC is the first 16 bytes (128 bits) of HMAC-SHA256 over the claim, compared in constant time. A link
works for LINK_LIFETIME (24 hours) after the page was composed, and once: the nonce is taken in as a
receipt when it acknowledges. The nonce is derived from the secret and the page's outbox key, so one page
has one link however often it is composed. A test page's link has cycle 0 (no real page has): its incident
is the test code's number and its step the method (domain/incidents/page_test.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from opsdesk.domain.errors import DomainError

LINK_LIFETIME = timedelta(hours=24)
TOKEN_LIMIT = 200  # the longest token looked at: anything longer is not one of ours
VERSION = 1
_HEAD = struct.Struct(">BQHHI9s")  # version, incident, cycle, step, expiry, nonce; the engineer follows
MAC_BYTES = 16
ENGINEER_LIMIT = 64


@dataclass(frozen=True)
class LinkSetup:
    """Where links point (the deployment's public URL) and the secret that signs them."""

    public_url: str
    secret: str = field(repr=False)

    def url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/ack/{token}"


class LinkError(DomainError):
    """A token that is not a valid acknowledge link (garbage, changed, or signed with another secret):
    the message never says which."""


@dataclass(frozen=True)
class AckClaim:
    """What a link says: acknowledge `incident` as `engineer`, paged at (`cycle`, `step`), until `expires`."""

    incident: int
    engineer: str
    cycle: int
    step: int
    expires: datetime
    nonce: bytes

    @property
    def receipt(self) -> str:
        """The receipt key that makes the link single use."""
        return "ack-link:" + _b64(self.nonce)

    @property
    def test(self) -> bool:
        """Whether the link acknowledges a test page (cycle 0), never an incident."""
        return self.cycle == 0

    def expired(self, now: datetime) -> bool:
        return now >= self.expires


def page_nonce(secret: str, key: str) -> bytes:
    """The nonce of the page under outbox key `key`: one per page, unguessable without the secret."""
    return hmac.new(secret.encode(), b"nonce:" + key.encode(), hashlib.sha256).digest()[:9]


def sign(secret: str, claim: AckClaim) -> str:
    """The token for `claim`."""
    engineer = claim.engineer.encode()
    if not engineer or len(engineer) > ENGINEER_LIMIT:
        raise LinkError(f"an engineer id in a link must be 1 to {ENGINEER_LIMIT} bytes")
    expires = int(claim.expires.timestamp())
    head = _HEAD.pack(VERSION, claim.incident, claim.cycle, claim.step, expires, claim.nonce)
    body = head + engineer
    return f"{_b64(body)}.{_b64(_mac(secret, body))}"


def read(secret: str, token: str) -> AckClaim:
    """The claim a token makes, or LinkError when it is not a token signed with `secret`. Expiry is not
    checked here (the caller says when it expired): see `AckClaim.expired`."""
    if len(token) > TOKEN_LIMIT or token.count(".") != 1 or not token.isascii():
        raise LinkError("not an acknowledge link")
    body_text, mac_text = token.split(".")
    body, mac = _unb64(body_text), _unb64(mac_text)
    if not hmac.compare_digest(mac, _mac(secret, body)) or len(body) <= _HEAD.size:
        raise LinkError("not an acknowledge link")
    version, incident, cycle, step, expires, nonce = _HEAD.unpack_from(body)
    if version != VERSION:
        raise LinkError("not an acknowledge link")
    try:
        engineer = body[_HEAD.size :].decode()
    except UnicodeDecodeError as exc:
        raise LinkError("not an acknowledge link") from exc
    return AckClaim(incident, engineer, cycle, step, datetime.fromtimestamp(expires, UTC), nonce)


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), b"ack:" + body, hashlib.sha256).digest()[:MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LinkError("not an acknowledge link") from exc
