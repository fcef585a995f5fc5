"""The `changes:` checklist and start tolerance in the policy: the team's process by default, a team's own
items, and every mistake (or hostile text) named with its place."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from opsdesk.config.policy import Policy
from opsdesk.config.policy_cache import decode, encode
from opsdesk.domain.changes.checklist import Phase
from opsdesk.domain.errors import PolicyError
from tests.builders import policy_from_yaml


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        policy_from_yaml(text)
    assert "Traceback" not in str(caught.value)
    return [str(p) for p in caught.value.problems]


def test_the_default_checklist_is_the_teams_process() -> None:
    changes = policy_from_yaml("").changes
    assert [(str(i.phase), i.id, i.label) for i in changes.checklist.items] == [
        ("before", "stakeholders-informed", "stakeholders informed"),
        ("before", "backup-and-rollback-verified", "backup and rollback verified"),
        ("during", "assigned-engineer-available", "assigned engineer available"),
        ("during", "updates-posted-in-the-designated-channel", "updates posted in the designated channel"),
        (
            "after",
            "success-confirmed-in-the-designated-channel",
            "success confirmed in the designated channel",
        ),
    ]
    assert changes.start_tolerance == timedelta(minutes=15)


def test_a_team_lists_its_own_items_and_a_phase_left_out_keeps_the_teams() -> None:
    text = (
        "changes:\n"
        "  start-tolerance-minutes: 5\n"
        "  checklist:\n"
        "    before: ['Customers emailed', 'Snapshot taken (RDS)']\n"
        "    after: []\n"
    )
    changes = policy_from_yaml(text).changes
    assert [i.id for i in changes.checklist.phase(Phase.BEFORE)] == [
        "customers-emailed",
        "snapshot-taken-rds",
    ]
    assert [i.id for i in changes.checklist.phase(Phase.DURING)] == [
        "assigned-engineer-available",
        "updates-posted-in-the-designated-channel",
    ]
    assert changes.checklist.phase(Phase.AFTER) == ()
    assert changes.start_tolerance == timedelta(minutes=5)
    assert decode(Policy, json.loads(json.dumps(encode(policy_from_yaml(text))))).changes == changes


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "changes: {checklist: {before: ['backup done', 'Backup  done!']}}\n",
            "changes.checklist.before[1]: 'Backup  done!' is listed twice (as backup-done, also in before): keep one",
        ),
        (
            "changes: {checklist: {before: [backup done], after: [BACKUP DONE]}}\n",
            "is listed twice (as backup-done, also in before)",
        ),
        ("changes: {checklist: {during: ['!!!']}}\n", "has no letters or digits: say what is to be done"),
        ("changes: {checklist: {during: ['']}}\n", "changes.checklist.during[0]"),
        ('changes: {checklist: {before: ["a\\u0000b"]}}\n', "holds the control character U+0000"),
        ('changes: {checklist: {before: ["ok \\u202eevil"]}}\n', "holds the control character U+202E"),
        ('changes: {checklist: {before: ["two\\nlines"]}}\n', "holds the control character U+000A"),
        ("changes: {checklist: {before: ['" + "x" * 1_000_000 + "']}}\n", "at most 200 characters"),
        ("changes: {checklist: {before: [[nested]]}}\n", "changes.checklist.before[0]"),
        ("changes: {checklist: {while: [x]}}\n", "changes.checklist.while"),
        ("changes: {checklist: {before: [" + "a, " * 40 + "b]}}\n", "changes.checklist.before"),
        ("changes: {start-tolerance-minutes: -1}\n", "changes.start-tolerance-minutes"),
        ("changes: {start-tolerance-minutes: 100000}\n", "changes.start-tolerance-minutes"),
    ],
)
def test_each_checklist_mistake_is_named_with_its_place(text: str, said: str) -> None:
    assert any(said in p for p in problems(text)), problems(text)


def test_right_to_left_words_keep_their_marks() -> None:
    text = 'changes: {checklist: {before: ["\\u05d2\\u05d9\\u05d1\\u05d5\\u05d9\\u200f done"]}}\n'
    (item,) = policy_from_yaml(text).changes.checklist.phase(Phase.BEFORE)
    assert item.label == "\u05d2\u05d9\u05d1\u05d5\u05d9\u200f done"
