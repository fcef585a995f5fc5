"""The support store's contract, run against the in-memory fake (what service tests use) and the SQL store
on SQLite and PostgreSQL: requests kept whole with their labels, comments and history; the board's reads
(filters, what is untriaged, what arrived in a period); nothing kept without a commit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.support.model import Comment, Priority, Status, SupportRequest, Triage
from opsdesk.domain.timeline import Source, TimelineEntry
from opsdesk.services.unit_of_work import UnitOfWorkFactory

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 12, 1, 15, 55, tzinfo=LONDON)


def values(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Cannot push to the registry",
        "body": "denied: requested access to the resource is denied",
        "requester": "pay-dev",
        "status": Status.TODO,
        "triage": Triage.UNTRIAGED,
        "created_at": AT,
        "labels": ("registry", "Payments"),
        "link": None,
        "repository": None,
        "issue": None,
    } | changes


def test_a_request_is_kept_whole_and_changed_in_place(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        made = uow.support.create(values(repository="team/platform", issue=7, link="https://github.com/x/7"))
        uow.commit()
    assert (made.id, made.reference, made.labels) == (1, "SR-1", ("Payments", "registry"))
    with units() as uow:
        found = uow.support.get(1)
        assert found == made
        assert found is not None and found.created_at == AT and found.created_at.tzinfo is not None
        assert uow.support.by_issue("team/platform", 7) == made
        assert uow.support.by_issue("team/platform", 8) is None
        assert uow.support.get(2) is None
        triaged = AT + timedelta(hours=1)
        updated = uow.support.update(
            1,
            {
                "triage": Triage.ACCEPTED,
                "priority": Priority.P2,
                "triaged_at": triaged,
                "triaged_by": "alice",
                "labels": ("vpn",),
                "assignee": "bilal",
            },
        )
        uow.commit()
    assert (updated.triage, updated.priority, updated.labels, updated.assignee) == (
        Triage.ACCEPTED,
        Priority.P2,
        ("vpn",),
        "bilal",
    )
    with units() as uow:
        assert uow.support.get(1) == updated
        assert uow.support.update(1, {"status": Status.IN_PROGRESS}).labels == ("vpn",)  # labels untouched


def test_comments_and_history_come_back_in_order(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        uow.support.create(values())
        uow.support.entry(1, TimelineEntry(AT, "pay-dev", Source.API, "created", "created: <b>it</b>", {}))
        first = uow.support.comment(1, Comment(AT, "alice", Source.CLI, "Which registry?"))
        second = uow.support.comment(1, Comment(AT + timedelta(minutes=5), "pay-dev", Source.GITHUB, "ghcr"))
        uow.support.entry(1, TimelineEntry(AT, "alice", Source.CLI, "commented", "commented", {}))
        uow.commit()
    assert (first.id, second.id) == (1, 2)
    with units() as uow:
        assert [c.text for c in uow.support.comments(1)] == ["Which registry?", "ghcr"]
        assert uow.support.comments(1)[1] == second
        assert [(e.kind, e.message) for e in uow.support.history(1)] == [
            ("created", "created: <b>it</b>"),
            ("commented", "commented"),
        ]
        assert uow.support.history(1)[0].at == AT


def test_the_board_is_read_by_status_label_assignee_and_triage(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        uow.support.create(values(labels=("VPN",)))
        uow.support.create(
            values(labels=(), assignee="alice", status=Status.IN_PROGRESS, triage=Triage.ACCEPTED)
        )
        uow.support.create(
            values(labels=("vpn-other", "registry"), status=Status.DONE, triage=Triage.DECLINED)
        )
        uow.commit()
    with units() as uow:
        store = uow.support
        assert [r.id for r in store.requests()] == [3, 2, 1]
        assert [r.id for r in store.requests(limit=2)] == [3, 2]
        assert [r.id for r in store.requests(Status.IN_PROGRESS)] == [2]
        assert [r.id for r in store.requests(label="vpn")] == [1]  # any case; a whole label only
        assert [r.id for r in store.requests(label=" REGISTRY ")] == [3]
        assert [r.id for r in store.requests(assignee="alice")] == [2]
        assert [r.id for r in store.requests(triage=Triage.UNTRIAGED)] == [1]
        assert store.requests(Status.BLOCKED) == []


def test_untriaged_is_the_oldest_first_and_leaves_out_done_and_triaged(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        uow.support.create(values(created_at=AT + timedelta(hours=2)))
        uow.support.create(values(created_at=AT))
        uow.support.create(values(status=Status.DONE))  # closed on GitHub, never triaged
        uow.support.create(values(triage=Triage.ACCEPTED, priority=Priority.P3))
        uow.commit()
    with units() as uow:
        assert [r.id for r in uow.support.untriaged()] == [2, 1]
        assert [r.id for r in uow.support.untriaged(limit=1)] == [2]


def test_requests_arrived_in_a_half_open_period(units: UnitOfWorkFactory) -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    with units() as uow:
        for offset in (-1, 0, 23, 24):  # hours from the start
            uow.support.create(values(created_at=start + timedelta(hours=offset)))
        uow.commit()
    with units() as uow:
        found = uow.support.created_between(start, start + timedelta(days=1))
    assert [r.id for r in found] == [2, 3]


def test_leaving_without_commit_keeps_nothing(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        uow.support.create(values())
        uow.commit()
    with units() as uow:
        uow.support.update(1, {"labels": ("changed",), "status": Status.BLOCKED})
        uow.support.comment(1, Comment(AT, "alice", Source.CLI, "lost"))
        uow.support.entry(1, TimelineEntry(AT, "alice", Source.CLI, "moved", "lost", {}))
        uow.support.create(values(title="also lost"))
    with units() as uow:
        kept = uow.support.get(1)
        assert isinstance(kept, SupportRequest)
        assert (kept.status, kept.labels) == (Status.TODO, ("Payments", "registry"))
        assert (uow.support.comments(1), uow.support.history(1), uow.support.get(2)) == ([], [], None)


def test_an_issue_has_one_request(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        first = uow.support.create(values(repository="team/platform", issue=7))
        assert uow.support.create(values(repository="team/platform", issue=7, title="again")) is None
        assert uow.support.create(values()) is not None  # requests without an issue never clash
        uow.commit()
    with units() as uow:
        assert uow.support.by_issue("team/platform", 7) == first


def test_two_deliveries_of_one_issue_at_once_file_one_request(db: Engine) -> None:
    """The second delivery's insert waits for the first's transaction, then skips: no error, one request."""
    outcome: dict[str, object] = {}

    def other_delivery() -> None:
        try:
            with SqlUnitOfWork(db) as uow:
                outcome["made"] = uow.support.create(
                    values(repository="team/platform", issue=7, title="labeled")
                )
                uow.commit()
        except BaseException as exc:  # reported below, on the test's thread
            outcome["made"] = exc

    with SqlUnitOfWork(db) as uow:
        made = uow.support.create(values(repository="team/platform", issue=7, title="opened"))
        thread = threading.Thread(target=other_delivery)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # waiting for this unit to commit or roll back
        uow.commit()
    thread.join(30)
    assert made is not None and outcome == {"made": None}
    with SqlUnitOfWork(db) as uow:
        assert [r.title for r in uow.support.requests()] == ["opened"]
