"""Engineers' phone numbers (`engineers[].phone`): read with the phonenumbers library whatever the
spacing, kept in E.164; a number without its country code is read as a UK one; anything else is refused
with the key path and what to write instead."""

from __future__ import annotations

import pytest

from opsdesk.domain.errors import PolicyError
from tests.builders import policy_from_yaml


def _policy(phone: str) -> str:
    return (
        "engineers:\n"
        f"  - {{id: alice, name: Alice, email: alice@example.org, phone: {phone}}}\n"
        "rota:\n  on-call: []\n"
    )


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ('"+44 7911 123456"', "+447911123456"),
        ('"07911 123456"', "+447911123456"),  # national form: read as a UK number
        ('"+44 (0)7911-123-456"', "+447911123456"),
        ('"+1 415 555 2671"', "+14155552671"),
    ],
)
def test_a_phone_number_is_kept_in_e164(given: str, kept: str) -> None:
    policy = policy_from_yaml(_policy(given))
    (alice,) = policy.rota.engineers
    assert alice.phone == kept


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (
            '"12345"',
            "not a valid phone number: check its digits and give its country code, e.g. +44 7911 123456",
        ),
        ('"call me"', "not a phone number: give it in international form, e.g. +44 7911 123456"),
        ('"+44 7911 123456\\u0000"', "holds no control characters"),
        ('"' + "9" * 5000 + '"', "String should have at most 40 characters"),
    ],
    ids=["too-short", "words", "nul", "huge"],
)
def test_a_number_that_is_not_one_is_refused_naming_the_key(given: str, said: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(_policy(given))
    message = str(caught.value)
    assert "engineers[0].phone" in message
    assert said in message


def test_two_engineers_with_one_phone_are_refused_naming_the_second() -> None:
    text = (
        "engineers:\n"
        '  - {id: alice, name: Alice, email: alice@example.org, phone: "+44 7911 123456"}\n'
        '  - {id: bilal, name: Bilal, email: bilal@example.org, phone: "07911 123456"}\n'
        "rota:\n  on-call: []\n"
    )
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(text)
    message = str(caught.value)
    assert "engineers[1].phone" in message
    assert "+447911123456 is already engineers[0]'s phone" in message
