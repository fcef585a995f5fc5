"""Hostile and careless policy files: each gets one clear message, never a traceback."""

from __future__ import annotations

import pytest

from opsdesk.domain.errors import PolicyError
from tests.builders import policy_from_yaml


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bank-holidays:\n  removed: [2026-02-30]\n", "a date or time in the file is not a real one"),
        ("leave:\n  - {engineer: a, from: 2026-13-01, to: 2026-13-02}\n", "not a real one"),
        ("timezone: Europe\n", "timezone: got 'Europe': not a known IANA time zone"),
        ("timezone: " + "A" * 300 + "\n", "not a known IANA time zone"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("timezone: !foo Europe/London\n", "a value tagged !foo (tags are not allowed)"),
        (
            "engineers:\n  - {id: a, name: A, email: a@example.org, on-call: 'yes'}\n",
            "engineers[0].on-call: got 'yes': Input should be a valid boolean",
        ),
        (
            "working-days: [monday, monday]\n",
            "working-days: got a list: monday is listed more than once",
        ),
    ],
)
def test_one_clear_message(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(text)
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_brackets_in_comments_and_quoted_text_are_not_nesting() -> None:
    text = (
        "# " + "[" * 300 + "\n"
        "timezone: Europe/London\n"
        "engineers:\n"
        "  - {id: a, name: '" + "{[" * 90 + "', email: a@example.org}\n"
    )
    policy = policy_from_yaml(text)
    assert [e.name for e in policy.rota.engineers] == ["{[" * 90]
