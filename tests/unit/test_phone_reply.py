"""Reading an engineer's SMS reply to a page: what it asks, or that it asks nothing opsdesk knows."""

from __future__ import annotations

import pytest

from opsdesk.domain.incidents.model import Action
from opsdesk.domain.incidents.phone_reply import ANSWER_LIMIT, PhoneReply, read_reply, shorten

ACK, RESOLVE = Action.ACKNOWLEDGE, Action.RESOLVE


@pytest.mark.parametrize(
    ("body", "read"),
    [
        ("4 ack", PhoneReply(ACK, 4)),
        ("ack 4", PhoneReply(ACK, 4)),
        ("#4 ack", PhoneReply(ACK, 4)),
        ("4 a", PhoneReply(ACK, 4)),
        ("4 ACK", PhoneReply(ACK, 4)),
        ("4 resolve", PhoneReply(RESOLVE, 4)),
        ("4 r", PhoneReply(RESOLVE, 4)),
        ("Resolved #12", PhoneReply(RESOLVE, 12)),
        ("ACK", PhoneReply(ACK, None)),
        ("ok", PhoneReply(ACK, None)),
        ("fixed", PhoneReply(RESOLVE, None)),
        ("  4   ack.\n", PhoneReply(ACK, 4)),
        ("４ ack", PhoneReply(ACK, 4)),  # full-width digits, as some keyboards send
        ("4\u200back", PhoneReply(ACK, 4)),  # a zero-width space
        ("\u202d4 ack\u202c", PhoneReply(ACK, 4)),  # bidi embedding around it
    ],
)
def test_a_reply_is_read(body: str, read: PhoneReply) -> None:
    assert read_reply(body) == read


@pytest.mark.parametrize(
    "body",
    [
        "",
        "help",
        "4",
        "ack resolve",
        "4 5 ack",
        "0 ack",
        "-4 ack",
        "4 ack please",
        "ack " + "9" * 19,
        "4 ack" + " " * 200,
        "4 ack\u0000",
        "а ck",  # a Cyrillic а
        "😀" * 1600,
        "4 ack " + "x" * 1600,
    ],
)
def test_anything_else_asks_nothing(body: str) -> None:
    assert read_reply(body) == PhoneReply(None)


def test_an_answer_is_kept_short() -> None:
    assert shorten("x" * 1000) == "x" * (ANSWER_LIMIT - 3) + "..."
    assert shorten("Acknowledged #4.") == "Acknowledged #4."
