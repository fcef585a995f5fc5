"""The handover store's contract, run against the in-memory fake (what service tests use) and the SQL store
on SQLite and PostgreSQL: briefings kept once per moment and given back whole, acknowledged and followed
up, notes; tests/adapters/test_handover_reads.py covers what a briefing is made from."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.errors import UnknownHandoverError
from opsdesk.domain.handover.model import (
    Acknowledgement,
    AlarmCount,
    Briefing,
    ChangeLine,
    CoverSpan,
    GitHubItem,
    GitHubSection,
    HandoverKind,
    HandoverRecord,
    IncidentLine,
    LeaveLine,
    Missed,
    Moment,
    Note,
    PageLine,
    Person,
    Timeliness,
)
from opsdesk.domain.rota import EngineerId
from opsdesk.services.unit_of_work import UnitOfWorkFactory

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 12, 1, 16, 0, tzinfo=LONDON)  # a Tuesday's handover
ALICE, BILAL, CHEN = (Person(EngineerId(n.lower()), n) for n in ("Alice", "Bilal", "Chen"))


def briefing(kind: HandoverKind = HandoverKind.HANDOVER, at: datetime = AT) -> Briefing:
    return Briefing(kind, at, at - timedelta(hours=8), at + timedelta(hours=16), (CHEN,), ALICE, BILAL)


def key(b: Briefing) -> str:
    return Moment(b.kind, b.at, b.start, b.end).key


def everything() -> Briefing:
    """A briefing with every section filled, instants in London time (kept in UTC, read back equal)."""
    night = AT + timedelta(hours=1, minutes=30)
    return Briefing(
        HandoverKind.HANDOVER,
        AT,
        AT - timedelta(hours=8),
        AT + timedelta(hours=16),
        (CHEN, ALICE),
        ALICE,
        BILAL,
        cover=(
            CoverSpan(AT, night, "support"),
            CoverSpan(night, AT + timedelta(hours=16), "on-call", ALICE, BILAL),
        ),
        incidents=(
            IncidentLine(7, "platform", "Disk full on db-1 \u05d0", "deferred", "P2", AT - timedelta(days=1)),
            IncidentLine(
                9, "payments", "Timeouts", "triggered", None, AT, "open", "team told", "restart", "chen"
            ),
        ),
        changes=(
            ChangeLine(3, "Upgrade", "approved", night, night + timedelta(hours=2), BILAL, "run it", "#chg"),
            ChangeLine(
                4, "Patch", "completed", None, None, what="monitoring", monitoring_until=night, note="ok"
            ),
        ),
        alarms=(AlarmCount("platform", 2501, (("disk-full", 2500), ("cpu", 1))), AlarmCount("payments", 1)),
        pages=(
            PageLine(9, "alice", "primary", AT - timedelta(hours=2), timedelta(minutes=4, seconds=5)),
            PageLine(9, "bilal", "secondary", AT - timedelta(hours=1)),
        ),
        notes=(Note(1, AT - timedelta(hours=1), "chen", "Watch db-1 \U0001f440"),),
        leave=(LeaveLine(BILAL, "2026-12-03", "2026-12-04", "away"),),
        github=GitHubSection(
            "ok",
            pull_requests=(GitHubItem("team/app", 12, "Bump x", "https://github.com/team/app/pull/12", AT),),
            failed_runs=(GitHubItem("team/app", 99, "CI", "https://github.com/team/app/actions/runs/99"),),
        ),
        missed=(Missed("digest", AT - timedelta(hours=8)),),
        timeliness=Timeliness.LATE,
        support=CHEN,
    )


def test_a_briefing_is_kept_once_per_moment_and_given_back_whole(units: UnitOfWorkFactory) -> None:
    full = everything()
    made = AT + timedelta(minutes=7, microseconds=5)
    with units() as uow:
        kept = uow.handovers.add(key(full), full, made)
        again = uow.handovers.add(key(full), briefing(), made + timedelta(minutes=1))
        uow.commit()
    assert kept is not None and again is None
    assert (kept.key, kept.briefing, kept.made_at, kept.kind) == (
        key(full),
        full,
        made,
        HandoverKind.HANDOVER,
    )
    assert (kept.acknowledgement, kept.reminded_at, kept.escalated_at) == (None, None, None)
    with units() as uow:
        assert uow.handovers.get(kept.id) == kept
        assert uow.handovers.by_key(key(full)) == kept  # the first briefing, not the second
        assert uow.handovers.add(key(full), full, made) is None
        assert uow.handovers.get(kept.id + 1) is None
        assert uow.handovers.by_key("handover:2026-12-02T16:00Z") is None


def test_records_between_two_instants_are_the_latest_first(units: UnitOfWorkFactory) -> None:
    day = AT - timedelta(hours=8)  # 08:00 on the Tuesday
    made = [
        briefing(HandoverKind.HANDOVER, AT - timedelta(days=1)),  # Monday 16:00
        briefing(HandoverKind.HAND_BACK, day),
        briefing(HandoverKind.DIGEST, day),  # the same moment as the hand-back: the later kept first
        briefing(HandoverKind.HANDOVER, AT),
        briefing(HandoverKind.TURN_CHANGE, AT + timedelta(days=6, hours=-6)),  # next Monday 10:00
    ]
    with units() as uow:
        ids = [r.id for r in (uow.handovers.add(key(b), b, b.at) for b in made) if r is not None]
        uow.commit()
    monday, back, digest, tuesday, turn = ids
    with units() as uow:
        found = uow.handovers.between(AT - timedelta(days=1), AT)  # [start, end)
        assert [r.id for r in found] == [digest, back, monday]
        assert [r.id for r in uow.handovers.between(day, AT + timedelta(days=7))] == [
            turn,
            tuesday,
            digest,
            back,
        ]
        handovers = uow.handovers.between(
            AT - timedelta(days=2), AT + timedelta(days=7), HandoverKind.HANDOVER
        )
        assert [r.id for r in handovers] == [tuesday, monday]
        assert [r.id for r in uow.handovers.between(day, AT + timedelta(days=7), limit=2)] == [turn, tuesday]
        assert (
            uow.handovers.between(day, AT + timedelta(days=7), HandoverKind.TURN_CHANGE)[0].briefing
            == made[4]
        )
        assert uow.handovers.between(AT + timedelta(minutes=1), made[4].at) == []  # the end is left out


def test_an_acknowledgement_and_the_follow_ups_are_kept(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        first = uow.handovers.add(key(briefing()), briefing(), AT)
        other = uow.handovers.add("handover:other", briefing(), AT)
        uow.commit()
    assert first is not None and other is not None
    reminded, told = AT + timedelta(minutes=30), AT + timedelta(hours=1)
    with units() as uow:
        uow.handovers.mark(first.id, reminded_at=reminded)
        uow.handovers.mark(first.id, escalated_at=told)  # the reminder stays
        uow.handovers.mark(first.id)  # nothing to record
        done = Acknowledgement("bilal", AT + timedelta(hours=1, minutes=2, microseconds=3), "slack")
        acknowledged = uow.handovers.acknowledge(first.id, done)
        uow.commit()
    assert acknowledged.acknowledgement == done
    assert (acknowledged.reminded_at, acknowledged.escalated_at, acknowledged.briefing) == (
        reminded,
        told,
        briefing(),
    )
    with units() as uow:
        assert uow.handovers.get(first.id) == acknowledged
        assert uow.handovers.get(other.id) == other  # untouched
        with pytest.raises(UnknownHandoverError, match=f"no handover #{other.id + 1}"):
            uow.handovers.acknowledge(other.id + 1, done)
        with pytest.raises(UnknownHandoverError):
            uow.handovers.mark(other.id + 1, reminded_at=reminded)


def test_leaving_without_commit_keeps_no_briefing_acknowledgement_or_note(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        kept = uow.handovers.add(key(briefing()), briefing(), AT)
        uow.commit()
    assert kept is not None
    with units() as uow:
        uow.handovers.add("handover:2026-12-02T16:00Z", briefing(), AT)
        uow.handovers.acknowledge(kept.id, Acknowledgement("alice", AT, "cli"))
        uow.handovers.mark(kept.id, reminded_at=AT)
        uow.handovers.add_note(AT, "chen", "never kept")
    with units() as uow:
        assert uow.handovers.get(kept.id) == kept
        assert uow.handovers.by_key("handover:2026-12-02T16:00Z") is None
        assert uow.handovers.notes_between(AT - timedelta(days=1), AT + timedelta(days=1)) == []


# 2,000 characters (the service's limit): right-to-left text and overrides, combining marks, emoji with
# joiners, tabs and newlines; no NUL (PostgreSQL's text cannot hold one, and the service refuses it).
LONG_NOTE = (
    "db-1 \u202eevila\u202c \u05e9\u05dc\u05d5\u05dd \u0627\u0644\u0633\u0644\u0627\u0645 e\u0301 "
    "\U0001f469\u200d\U0001f4bb\t\u2066x\u2069\n" * 100
)[:2000]


def test_notes_are_kept_whole_and_read_oldest_first(units: UnitOfWorkFactory) -> None:
    start = AT - timedelta(hours=8)
    with units() as uow:
        late = uow.handovers.add_note(AT + timedelta(minutes=5), "alice", "after the handover")
        long = uow.handovers.add_note(start + timedelta(hours=3, microseconds=7), "ch\u202een", LONG_NOTE)
        first = uow.handovers.add_note(start, "chen", "at the start")
        uow.handovers.add_note(start - timedelta(microseconds=1), "chen", "before the stretch")
        uow.commit()
    assert len(LONG_NOTE) == 2000 and "\x00" not in LONG_NOTE
    assert long == Note(long.id, start + timedelta(hours=3, microseconds=7), "ch\u202een", LONG_NOTE)
    with units() as uow:
        found = uow.handovers.notes_between(start, AT)
        assert found == [first, long]
        assert found[1].text == LONG_NOTE and found[1].at.utcoffset() == timedelta(0)
        assert uow.handovers.notes_between(AT, AT + timedelta(hours=1)) == [late]


def test_two_replicas_making_the_same_moment_keep_one_briefing(db: Engine) -> None:
    """The second replica's insert waits for the first's key, then skips it: no error, one record."""
    mine, theirs = briefing(), briefing(at=AT)  # the same moment, made twice
    outcome: dict[str, HandoverRecord | BaseException | None] = {}

    def other_replica() -> None:
        try:
            with SqlUnitOfWork(db) as uow:
                outcome["kept"] = uow.handovers.add(key(theirs), theirs, AT + timedelta(seconds=2))
                uow.commit()
        except BaseException as exc:  # reported below, on the test's thread
            outcome["kept"] = exc

    with SqlUnitOfWork(db) as uow:
        kept = uow.handovers.add(key(mine), mine, AT + timedelta(seconds=1))
        thread = threading.Thread(target=other_replica)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # waiting for this unit to commit or roll back
        uow.commit()
    thread.join(30)
    assert kept is not None and outcome == {"kept": None}
    with SqlUnitOfWork(db) as uow:
        assert uow.handovers.between(AT - timedelta(days=1), AT + timedelta(days=1)) == [kept]
        assert kept.made_at == datetime(2026, 12, 1, 16, 0, 1, tzinfo=UTC)
