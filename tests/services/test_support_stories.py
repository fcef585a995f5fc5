"""Support-board stories: a request filed on a Friday afternoon, triaged on Monday, answered, worked and done,
timed in support hours; the board's refusals, which change nothing; what is untriaged and late."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from opsdesk.domain.errors import SupportError, SupportNotAllowedError, UnknownSupportRequestError
from opsdesk.domain.support.model import Priority, Status, Triage
from opsdesk.domain.timeline import Actor, Source
from tests.support_world import ALICE, BILAL, EVE, REQUESTER, SupportWorld, london

FRIDAY = "2026-12-04 15:55"  # five minutes of support left before the weekend


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, cache_dir: Path) -> SupportWorld:
    fixture = {"memory": None, "sqlite": "sqlite_db", "postgresql": "pg_db"}[request.param]
    db = None if fixture is None else request.getfixturevalue(fixture)
    return SupportWorld(db, cache_dir, london(FRIDAY))


@pytest.fixture
def memory(cache_dir: Path) -> SupportWorld:
    return SupportWorld(None, cache_dir, london(FRIDAY))


def test_a_request_from_friday_afternoon_to_done_is_timed_in_support_hours(world: SupportWorld) -> None:
    board = world.service
    filed = board.new("VPN drops every hour", "Since Tuesday.", REQUESTER, labels=["vpn", "Network"])
    assert (filed.reference, filed.status, filed.triage, filed.labels) == (
        "SR-1",
        Status.TODO,
        Triage.UNTRIAGED,
        ("Network", "vpn"),
    )
    world.at("2026-12-07 09:10")  # Monday: 5 support minutes on Friday, 10 this morning
    triaged = board.triage(1, EVE, accept="p2")
    assert (triaged.triage, triaged.priority, triaged.triaged_by) == (Triage.ACCEPTED, Priority.P2, "eve")
    world.at("2026-12-07 09:30")
    board.comment(1, REQUESTER, "It happens on the office Wi-Fi too.")  # the requester: not a response
    board.comment(1, EVE, "Which client version?")
    board.assign(1, EVE, "bilal-k")  # by GitHub login
    world.at("2026-12-07 10:00")
    for status in ("in-progress", "for-review", Status.DONE):
        board.move(1, BILAL, status)
    done = board.request(1)
    assert (done.status, done.assignee, done.done_at) == (Status.DONE, "bilal", london("2026-12-07 10:00"))
    waited = board.waits(done)
    assert (waited.triage, waited.first_response, waited.done) == (
        timedelta(minutes=15),
        timedelta(minutes=35),
        timedelta(hours=1, minutes=5),
    )
    assert waited.late == frozenset()
    history = board.history(1)
    assert [(e.kind, e.message) for e in history] == [
        ("created", "created: VPN drops every hour"),
        ("triaged", "accepted as P2 (the support engineer on duty)"),
        ("commented", "commented"),
        ("commented", "commented: the first response"),
        ("assigned", "assigned to bilal"),
        ("moved", "moved: todo -> in-progress"),
        ("moved", "moved: in-progress -> for-review"),
        ("moved", "moved: for-review -> done"),
    ]
    assert [(c.author, c.text) for c in board.comments(1)] == [
        ("pay-dev", "It happens on the office Wi-Fi too."),
        ("eve", "Which client version?"),
    ]
    slack = world.messages("slack")
    assert slack[0][0] == "#ask-platform"
    assert slack[0][1]["text"] == (
        "New support request SR-1 from pay-dev: VPN drops every hour. Untriaged: the support "
        "engineer accepts it with a priority or declines it with a reason."
    )
    (offer,) = [b for b in slack[0][1]["blocks"] if b["type"] == "actions"]  # the Slack app's buttons
    assert [e["action_id"] for e in offer["elements"]] == ["support:triage", "support:assign"]
    (email,) = world.messages("email")  # bilal has no Slack id: told by email
    assert email[0] == "bilal@example.org"
    assert "eve assigned you support request SR-1: VPN drops every hour" in str(email[1])


def test_the_board_refuses_what_it_does_not_allow_and_changes_nothing(memory: SupportWorld) -> None:
    board = memory.service
    board.new("Quota increase", "", REQUESTER)
    with pytest.raises(SupportError, match=r"^SR-1 is untriaged: triage it first"):
        board.move(1, EVE, "in-progress")
    with pytest.raises(SupportError) as unknown:
        board.move(1, EVE, "doing")
    assert str(unknown.value) == (
        "unknown status 'doing': a request is todo, in-progress, blocked, for-review or done"
    )
    with pytest.raises(SupportNotAllowedError, match=r"pay-dev is not one of the team's engineers"):
        board.triage(1, REQUESTER, accept="P1")
    with pytest.raises(SupportError, match=r"accept it with a priority .* or decline it with a reason"):
        board.triage(1, EVE, accept="P1", decline="no")
    with pytest.raises(SupportError, match=r"unknown priority 'P4': accept with P1, P2 or P3"):
        board.triage(1, EVE, accept="P4")
    board.triage(1, EVE, accept="P3")
    with pytest.raises(
        SupportError, match=r"^SR-1 is todo: from there it moves to in-progress, blocked or done$"
    ):
        board.move(1, EVE, "for-review")
    with pytest.raises(SupportError, match=r"^SR-1 is todo already$"):
        board.move(1, EVE, "todo")
    board.move(1, EVE, "done")
    with pytest.raises(SupportError, match=r"^SR-1 is done: a done request does not move; reopen it first"):
        board.move(1, EVE, "todo")
    with pytest.raises(SupportError, match=r"^SR-1 is done: reopen it to triage it again$"):
        board.triage(1, EVE, accept="P1")
    with pytest.raises(SupportNotAllowedError, match=r"only the requester \(pay-dev\) or a team engineer"):
        board.reopen(1, Actor("someone-else", Source.API))
    with pytest.raises(SupportError, match=r"'nobody' is not one of the team's engineers"):
        board.assign(1, EVE, "nobody")
    with pytest.raises(UnknownSupportRequestError, match=r"no support request SR-9"):
        board.move(9, EVE, "done")
    assert memory.kinds(1) == ["created", "triaged", "moved"]
    reopened = board.reopen(1, REQUESTER, "still failing")
    assert (reopened.status, reopened.done_at, reopened.triage) == (Status.TODO, None, Triage.ACCEPTED)
    with pytest.raises(SupportError, match=r"^SR-1 is todo: only a done request is reopened$"):
        board.reopen(1, EVE)
    assert board.history(1)[-1].message == "reopened: done -> todo: still failing"


def test_bad_text_is_refused_and_nothing_is_half_stored(memory: SupportWorld) -> None:
    board = memory.service
    cases = [
        (("x" * 201, ""), "title is 201 characters; at most 200"),
        (("   ", ""), "title is needed and must not be empty"),
        (("Quota", "y" * 16_001), "the body is 16,001 characters; at most 16,000"),
        (("Quo\x00ta", ""), "title holds a NUL character"),
        (("Quota", "b\x00ody"), "body holds a NUL character"),
    ]
    for (title, body), said in cases:
        with pytest.raises(SupportError, match=said):
            board.new(title, body, REQUESTER)
    with pytest.raises(SupportError, match=r"is 51 characters; at most 50"):
        board.new("Quota", "", REQUESTER, labels=["l" * 51])
    with pytest.raises(SupportError, match=r"21 labels; a request has at most 20"):
        board.new("Quota", "", REQUESTER, labels=[f"l{n}" for n in range(21)])
    assert (memory.memory.support, memory.outbox(), memory.memory.commits) == ({}, [], 0)
    board.new("Quota", "", REQUESTER, labels=["a", "A ", ""])
    assert board.request(1).labels == ("a",)
    with pytest.raises(SupportError, match=r"the comment is 16,001 characters"):
        board.comment(1, EVE, "z" * 16_001)
    with pytest.raises(SupportError, match=r"comment is needed"):
        board.comment(1, EVE, "  ")
    assert board.comments(1) == []
    assert board.request(1).first_response_at is None


def test_html_in_a_title_is_kept_as_written_and_escaped_in_slack(memory: SupportWorld) -> None:
    title = "<b>Build</b> fails & <!channel> <https://evil.example|click>"
    memory.service.new(title, "<script>alert(1)</script>", REQUESTER)
    assert memory.service.request(1).title == title  # data, kept as written
    ((channel, payload),) = memory.messages("slack")
    assert channel == "#ask-platform"
    assert payload["text"].startswith(
        "New support request SR-1 from pay-dev: &lt;b&gt;Build&lt;/b&gt; fails &amp; &lt;!channel&gt; "
        "&lt;https://evil.example|click&gt;. "
    )


def test_a_decline_answers_and_a_reopened_request_is_triaged_again(memory: SupportWorld) -> None:
    board = memory.service
    board.new("Please give me admin", "", REQUESTER)
    memory.at("2026-12-07 09:20")
    declined = board.triage(1, ALICE, decline="Admin rights are granted through the access form")
    assert (declined.status, declined.triage, declined.reason) == (
        Status.DONE,
        Triage.DECLINED,
        "Admin rights are granted through the access form",
    )
    assert declined.first_response_at == london("2026-12-07 09:20")  # the reason is the answer
    assert board.history(1)[-1].message == "declined: Admin rights are granted through the access form"
    assert board.waits(declined).done is None  # a declined request is never done
    memory.at("2026-12-07 11:00")
    reopened = board.reopen(1, REQUESTER, "the form is broken")
    assert (reopened.triage, reopened.priority, reopened.reason, reopened.status) == (
        Triage.UNTRIAGED,
        None,
        None,
        Status.TODO,
    )
    assert [r.id for r in board.untriaged()] == [1]
    assert board.triage_breaches() == []  # its time to triage was measured at the first triage
    again = board.triage(1, EVE, accept="P2")
    assert (again.triaged_at, again.triaged_by) == (london("2026-12-07 09:20"), "alice")


def test_untriaged_requests_breach_the_target_in_support_hours_only(memory: SupportWorld) -> None:
    board = memory.service
    board.new("Friday afternoon", "", REQUESTER)
    memory.at("2026-12-05 11:00")  # Saturday: no support, so no waiting either
    board.new("Saturday morning", "", REQUESTER)
    memory.at("2026-12-07 09:30")
    board.new("Monday morning", "", REQUESTER)
    assert [r.id for r in board.untriaged()] == [1, 2, 3]
    assert board.triage_breaches() == []  # 35, 30 and 0 minutes of support hours
    assert [(b.request.id, b.waited) for b in board.triage_breaches(london("2026-12-07 10:10"))] == [
        (1, timedelta(hours=1, minutes=15)),
        (2, timedelta(hours=1, minutes=10)),
    ]
    memory.at("2026-12-07 10:10")
    board.triage(1, EVE, accept="P1")
    assert [b.request.id for b in board.triage_breaches()] == [2]
    assert board.waits(board.request(1)).triage == timedelta(hours=1, minutes=15)


def test_the_first_response_is_an_engineer_other_than_the_requester(memory: SupportWorld) -> None:
    board = memory.service
    board.new("My own request", "", Actor("alice", Source.CLI))
    memory.at("2026-12-07 09:15")
    board.comment(1, Actor("alice@example.org", Source.API), "More detail")  # alice by her email
    board.comment(1, Actor("outsider", Source.API), "Me too")
    assert board.request(1).first_response_at is None
    board.comment(1, BILAL, "Looking")
    assert board.request(1).first_response_at == london("2026-12-07 09:15")
    assert [c.author for c in board.comments(1)] == ["alice", "outsider", "bilal"]
