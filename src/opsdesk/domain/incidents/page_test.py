"""Test pages: a page that says plainly nothing is wrong, sent by each of an engineer's methods so that a
newcomer can check their phone (and Slack, and email) before their first week on call. A test page is
named by a code, `T` and four digits (T4821); it never touches an incident.

Keys, all derived from the code:
- the outbox key of each message: pagetest:T4821:<method> (the notifier adds the method to the stem);
- receipts: page-test:T4821 (the code claimed, so it is unique), page-test:T4821:to:<engineer> (whom it
  went to), page-test:T4821:by:<method> (each method it went by), page-test:T4821:acked:<method> (when
  that method was acknowledged, once).
A test page's acknowledge link is an ordinary signed link whose cycle is 0 (a real page's cycle starts at
1): its incident field holds the code's number and its step the method (1-based, in METHODS' order).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from opsdesk.domain.rota import METHODS, Engineer

MAX_CODE = 9999  # T0000 to T9999
TEST_CYCLE = 0  # a link's cycle for a test page: no real page has cycle 0
_CODE = re.compile(r"^t([0-9]{4})$", re.IGNORECASE)
_KEY = re.compile(r"^pagetest:(?P<code>T[0-9]{4}):(?P<method>[a-z]{2,12})$")
BANNER = "TEST PAGE from opsdesk: nothing is wrong."
# What a deployment sets for each method (its channel), said when a method is not set up here.
SETTINGS = {
    "slack": "OPSDESK_SLACK_TOKEN",
    "email": "OPSDESK_SMTP_HOST",
    "sms": "OPSDESK_TWILIO_ACCOUNT_SID, OPSDESK_TWILIO_AUTH_TOKEN and OPSDESK_TWILIO_FROM",
    "voice": "OPSDESK_TWILIO_ACCOUNT_SID, OPSDESK_TWILIO_AUTH_TOKEN and OPSDESK_TWILIO_FROM",
    "pagerduty": "OPSDESK_PAGERDUTY_ROUTING_KEY",
    "webhook": "OPSDESK_WEBHOOKS and OPSDESK_WEBHOOK_SECRET",
}
ANSWERS_BACK = frozenset({"slack", "email", "sms", "voice"})  # PagerDuty and a webhook cannot answer back


def code_of(number: int) -> str:
    """The code of a test page's number: 4821 -> T4821, 42 -> T0042."""
    return f"T{number:04d}"


def read_code(word: str) -> str | None:
    """The code `word` names (T4821, t4821), in its canonical form, or None when it names none."""
    found = _CODE.match(word)
    return None if found is None else f"T{found[1]}"


def number_of(code: str) -> int:
    return int(code[1:])


def test_stem(code: str) -> str:
    """The outbox key stem of a test page's messages (the notifier adds each method's name)."""
    return f"pagetest:{code}"


def parse_test_key(key: str) -> tuple[str, str] | None:
    """(code, method) of a test page's outbox key, or None when it is no test page's key."""
    found = _KEY.match(key)
    if found is None or found["method"] not in METHODS:
        return None
    return found["code"], found["method"]


def claim_receipt(code: str) -> str:
    return f"page-test:{code}"


def to_receipt(code: str, engineer: str) -> str:
    return f"page-test:{code}:to:{engineer}"


def by_receipt(code: str, method: str) -> str:
    return f"page-test:{code}:by:{method}"


def acked_receipt(code: str, method: str) -> str:
    return f"page-test:{code}:acked:{method}"


def method_step(method: str) -> int:
    """The method as a link's step: 1 for slack, 2 for email, ..."""
    return METHODS.index(method) + 1


def step_method(step: int) -> str | None:
    return METHODS[step - 1] if 1 <= step <= len(METHODS) else None


@dataclass(frozen=True)
class Reach:
    """How a test page can reach an engineer here: `methods` to send by, in order; `skipped`, each method
    left out and why (what to set)."""

    methods: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]


def wanted_methods(engineer: Engineer) -> tuple[str, ...]:
    """Every method of the engineer's notification rules, in order, once each; without rules, every
    method that can reach them."""
    if engineer.notify:
        return tuple(dict.fromkeys(m for rule in engineer.notify for m in rule.methods))
    found = ["slack"] if engineer.slack else []
    found.append("email")
    if engineer.phone:
        found += ["sms", "voice"]
    if engineer.pagerduty:
        found.append("pagerduty")
    if engineer.webhook:
        found.append("webhook")
    return tuple(found)


def reach(engineer: Engineer, channels: Sequence[str] | frozenset[str]) -> Reach:
    """The methods a test page goes by for `engineer` where `channels` are set up, and the others."""
    methods: list[str] = []
    skipped: list[tuple[str, str]] = []
    for method in wanted_methods(engineer):
        missing = _missing(engineer, method)
        if method not in channels:
            skipped.append((method, f"not set up here: set {SETTINGS[method]}"))
        elif missing:
            skipped.append((method, f"cannot reach {engineer.id}: {missing}"))
        else:
            methods.append(method)
    return Reach(tuple(methods), tuple(skipped))


def _missing(engineer: Engineer, method: str) -> str:
    """What the engineer's record lacks for `method` ("" when nothing)."""
    if method == "slack" and not engineer.slack:
        return "no Slack id: set engineers[].slack"
    if method in ("sms", "voice") and not engineer.phone:
        return "no phone: set engineers[].phone"
    if method == "webhook" and not engineer.webhook:
        return "no webhook: set engineers[].webhook"
    return ""
