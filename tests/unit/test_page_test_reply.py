"""A test page's code in an SMS reply ('T4821', 't4821 ack'), and which methods a test page goes by: read
without touching any incident, and anything else about a code answered with what to send."""

from __future__ import annotations

import pytest

from opsdesk.domain.incidents.model import Action
from opsdesk.domain.incidents.page_test import code_of, parse_test_key, reach, read_code, wanted_methods
from opsdesk.domain.incidents.phone_reply import PhoneReply, read_reply
from opsdesk.domain.rota import Engineer, EngineerId, NotifyRule


@pytest.mark.parametrize(
    "body",
    [
        "T4821",
        "t4821",
        "T4821 ack",
        "ack T4821",
        "t4821 A",
        "OK t4821",
        " T4821. ",
        "T4821 ACKNOWLEDGE",
        "Ｔ４８２１",
    ],
)
def test_a_test_code_alone_or_with_ack_acknowledges_the_test_page(body: str) -> None:
    assert read_reply(body) == PhoneReply(Action.ACKNOWLEDGE, None, "T4821")


@pytest.mark.parametrize(
    "body",
    [
        "T4821 resolve",  # a test page is never resolved
        "T4821 T4822",
        "T4821 4 ack",
        "T482",
        "T48210",
        "X4821",
        "T4821 hello",
        "T4821\x00",
        "T4821" + " " * 200,
        "T\u202e4821",  # a bidi override splits the word: no code
    ],
)
def test_anything_else_about_a_code_asks_nothing(body: str) -> None:
    reply = read_reply(body)
    assert reply.test is None
    assert reply.action is None or reply.incident is not None


def test_incident_replies_read_as_before() -> None:
    assert read_reply("4 ack") == PhoneReply(Action.ACKNOWLEDGE, 4)
    assert read_reply("ACK") == PhoneReply(Action.ACKNOWLEDGE, None)
    assert read_reply("4821 resolve") == PhoneReply(Action.RESOLVE, 4821)


def test_codes_and_keys() -> None:
    assert (code_of(42), read_code("t0042"), read_code("T42")) == ("T0042", "T0042", None)
    assert parse_test_key("pagetest:T0042:voice") == ("T0042", "voice")
    assert parse_test_key("pagetest:T0042:fax") is None
    assert parse_test_key("page:4:c1s1:voice") is None


def engineer(**fields: object) -> Engineer:
    return Engineer(EngineerId("alice"), "Alice", "alice@example.org", **fields)  # type: ignore[arg-type]


def test_without_rules_every_method_that_can_reach_them() -> None:
    assert wanted_methods(engineer()) == ("email",)
    everything = engineer(slack="UA", phone="+447911123456", pagerduty="PU1", webhook="ops")
    assert wanted_methods(everything) == ("slack", "email", "sms", "voice", "pagerduty", "webhook")


def test_rules_give_their_methods_in_order_once_each_and_what_is_not_set_up_is_named() -> None:
    rules = (NotifyRule(("sms", "slack")), NotifyRule(("voice", "sms"), 5), NotifyRule(("pagerduty",), 10))
    alice = engineer(phone="+447911123456", notify=rules)
    assert wanted_methods(alice) == ("sms", "slack", "voice", "pagerduty")
    found = reach(alice, frozenset({"log", "sms", "voice", "slack"}))
    assert found.methods == ("sms", "voice")
    assert found.skipped == (
        ("slack", "cannot reach alice: no Slack id: set engineers[].slack"),
        ("pagerduty", "not set up here: set OPSDESK_PAGERDUTY_ROUTING_KEY"),
    )
    none = reach(alice, frozenset({"log"}))
    assert none.methods == ()
    assert (
        "sms",
        "not set up here: set OPSDESK_TWILIO_ACCOUNT_SID, OPSDESK_TWILIO_AUTH_TOKEN and OPSDESK_TWILIO_FROM",
    ) in none.skipped
