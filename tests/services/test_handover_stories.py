"""The daily rhythm on a virtual clock over real databases: the 16:00 handover, the hand-back, the turn
change, the digest; late and missed briefings; reminders; two replicas."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from opsdesk.domain.announcements.model import AnnouncementKind, Request
from opsdesk.domain.errors import HandoverError, HandoverNotAllowedError, UnknownHandoverError
from opsdesk.domain.handover.model import HandoverKind, Timeliness
from tests.handover_world import RhythmWorld, cli
from tests.incident_world import policy_document

LONDON = ZoneInfo("Europe/London")


def world(db: Engine, cache_dir: Path, start: datetime, first_monday: date, **extra: Any) -> RhythmWorld:
    handover = {"channel": "#team", **extra.pop("handover", {})}
    document = policy_document(first_monday, weeks=4, handover=handover, **extra)
    # The world starts at `start` in the team's time (Europe/London, the default).
    return RhythmWorld(db, cache_dir, start.replace(tzinfo=LONDON), document)


def names(people: Any) -> list[str]:
    return [p.id for p in people]


def test_an_ordinary_wednesday(db: Engine, cache_dir: Path) -> None:
    """Support (chen on Wed 2 Dec) hands over to the week's pair (alice, bilal) at 16:00, with the open
    incident and the note of the day; the pair hands back on Thursday at 09:00."""
    w = world(db, cache_dir, datetime(2026, 12, 2, 8, 0), date(2026, 11, 30))
    w.run_until(w.local("2026-12-02 14:00"))
    incident = w.alarm("disk-full", "Disk full on db-1")
    w.handovers.note("Payments deploy paused until Thursday", cli("chen"))
    w.run_until(w.local("2026-12-02 16:01"))

    made = w.records(HandoverKind.HANDOVER)
    assert len(made) == 1
    record = made[0]
    b = record.briefing
    assert b.at == w.local("2026-12-02 16:00")
    assert (b.start, b.end) == (w.local("2026-12-02 16:00"), w.local("2026-12-03 09:00"))
    assert names(b.giver) == ["chen"]
    assert (b.primary and b.primary.id, b.secondary and b.secondary.id) == ("alice", "bilal")
    assert [i.id for i in b.incidents] == [incident.id]
    assert [n.text for n in b.notes] == ["Payments deploy paused until Thursday"]
    assert b.alarms and b.alarms[0].service == "platform"
    assert b.timeliness is Timeliness.ON_TIME
    # To the team's channel and to each receiver directly, once.
    sent = w.sent(f"{record.key}")
    assert sorted((r.message.channel, r.message.destination) for r in sent) == [
        ("slack", "#team"),
        ("slack", "UALICE"),
        ("slack", "UBILAL"),
    ]

    w.run_until(w.local("2026-12-03 09:01"))
    back = w.records(HandoverKind.HAND_BACK)[1:]  # the first: Wednesday morning's, as the world began
    assert [r.briefing.at for r in back] == [w.local("2026-12-03 09:00")]
    assert names(back[0].briefing.giver) == ["alice", "bilal"]
    assert (
        back[0].briefing.primary is not None and back[0].briefing.primary.id == "dana"
    )  # Thursday's support
    # The note went into Wednesday's handover, not again into Thursday's.
    w.run_until(w.local("2026-12-03 16:01"))
    thursday = w.records(HandoverKind.HANDOVER)[-1]
    assert thursday.briefing.notes == ()


def test_the_friday_before_the_late_may_bank_holiday(db: Engine, cache_dir: Path) -> None:
    """One handover covers Friday 16:00 to Tuesday 09:00, and says the Monday is a bank holiday; no
    handover on Saturday, Sunday or the bank holiday; the hand-back is on Tuesday."""
    w = world(db, cache_dir, datetime(2027, 5, 28, 8, 0), date(2027, 5, 24))
    w.run_until(w.local("2027-06-01 09:30"))
    handovers = w.records(HandoverKind.HANDOVER)
    assert [r.briefing.at for r in handovers] == [w.local("2027-05-28 16:00")]
    friday = handovers[0].briefing
    assert (friday.start, friday.end) == (w.local("2027-05-28 16:00"), w.local("2027-06-01 09:00"))
    assert any(span.holiday for span in friday.cover)
    backs = w.records(HandoverKind.HAND_BACK)
    assert [r.briefing.at for r in backs] == [w.local("2027-05-28 09:00"), w.local("2027-06-01 09:00")]
    assert (backs[-1].briefing.start, backs[-1].briefing.end) == (friday.start, friday.end)


def test_a_handover_nobody_acknowledges(db: Engine, cache_dir: Path) -> None:
    """After 30 minutes both receivers are reminded; after 30 more, the support engineer is told."""
    w = world(db, cache_dir, datetime(2026, 12, 2, 15, 0), date(2026, 11, 30))
    w.run_until(w.local("2026-12-02 16:29"))
    record = w.records(HandoverKind.HANDOVER)[0]
    assert w.sent(f"{record.key}:remind") == []
    w.run_until(w.local("2026-12-02 16:31"))
    reminded = w.sent(f"{record.key}:remind")
    assert sorted(r.message.idempotency_key.split(":")[-2] for r in reminded) == ["alice", "bilal"]
    assert "Nobody has acknowledged" in str(reminded[0].message.payload)
    assert w.sent(f"{record.key}:tell") == []
    w.run_until(w.local("2026-12-02 17:01"))
    told = w.sent(f"{record.key}:tell")
    assert [r.message.idempotency_key.split(":")[-2] for r in told] == ["chen"]
    kept = w.handovers.get(record.id)
    assert kept.reminded_at == w.local("2026-12-02 16:30")
    assert kept.escalated_at == w.local("2026-12-02 17:00")


def test_an_acknowledged_handover_is_not_chased(db: Engine, cache_dir: Path) -> None:
    w = world(db, cache_dir, datetime(2026, 12, 2, 15, 0), date(2026, 11, 30))
    w.run_until(w.local("2026-12-02 16:05"))
    done = w.handovers.acknowledge(None, "bilal", cli("bilal"))
    assert done.acknowledgement is not None
    assert (done.acknowledgement.by, done.acknowledgement.via) == ("bilal", "cli")
    assert done.acknowledgement.at == w.local("2026-12-02 16:05")
    w.run_until(w.local("2026-12-02 18:00"))
    assert w.sent(f"{done.key}:remind") == [] and w.sent(f"{done.key}:tell") == []
    assert any("acknowledged by Bilal" in str(r.message.payload) for r in w.sent(f"{done.key}:acknowledged"))


def test_acknowledging_twice_or_as_someone_else_changes_nothing(db: Engine, cache_dir: Path) -> None:
    w = world(db, cache_dir, datetime(2026, 12, 2, 15, 0), date(2026, 11, 30))
    w.run_until(w.local("2026-12-02 16:05"))
    record = w.records(HandoverKind.HANDOVER)[0]
    with pytest.raises(HandoverNotAllowedError, match=r"only its receivers acknowledge .*alice or bilal"):
        w.handovers.acknowledge(record.id, "dana", cli("dana"))
    w.handovers.acknowledge(record.id, "alice", cli("alice"))
    with pytest.raises(HandoverError, match="acknowledged already, by alice"):
        w.handovers.acknowledge(record.id, "bilal", cli("bilal"))
    assert w.handovers.get(record.id).acknowledgement.by == "alice"  # type: ignore[union-attr]
    with pytest.raises(HandoverNotAllowedError, match="not an engineer of the team"):
        w.handovers.acknowledge(record.id, "mallory", cli("mallory"))


def test_a_note_over_the_limit_or_with_a_nul_is_refused(db: Engine, cache_dir: Path) -> None:
    w = world(db, cache_dir, datetime(2026, 12, 2, 10, 0), date(2026, 11, 30))
    with pytest.raises(HandoverError, match="at most 2000 characters and this one has 2001"):
        w.handovers.note("x" * 2001, cli("chen"))
    with pytest.raises(HandoverError, match="U\\+0000"):
        w.handovers.note("bad\x00note", cli("chen"))
    with pytest.raises(HandoverError, match="empty"):
        w.handovers.note("   ", cli("chen"))
    kept = w.handovers.note("\u202eevil\u202c but kept as data", cli("chen"))
    w.run_until(w.local("2026-12-02 16:01"))
    assert [n.id for n in w.records(HandoverKind.HANDOVER)[0].briefing.notes] == [kept.id]


def test_an_unknown_date_says_which_handover_covers_it(db: Engine, cache_dir: Path) -> None:
    w = world(db, cache_dir, datetime(2026, 12, 4, 15, 0), date(2026, 11, 30))
    w.run_until(w.local("2026-12-07 10:00"))
    with pytest.raises(UnknownHandoverError, match="covered by the handover of Fri 04 Dec 16:00"):
        w.handovers.on(date(2026, 12, 5))
    with pytest.raises(UnknownHandoverError, match="no handover #999"):
        w.handovers.get(999)


def test_down_from_1555_to_1620_the_handover_is_sent_late(db: Engine, cache_dir: Path) -> None:
    w = world(db, cache_dir, datetime(2026, 12, 2, 15, 0), date(2026, 11, 30))
    w.run_until(w.local("2026-12-02 15:55"))
    w.down_until(w.local("2026-12-02 16:20"))
    w.run_until(w.local("2026-12-02 16:21"))
    record = w.records(HandoverKind.HANDOVER)[0]
    assert record.briefing.timeliness is Timeliness.LATE
    assert record.made_at == w.local("2026-12-02 16:20")
    assert w.sent(f"{record.key}:channel")


def test_down_from_1555_to_1900_it_is_missed_and_the_next_digest_says_so(db: Engine, cache_dir: Path) -> None:
    w = world(db, cache_dir, datetime(2026, 12, 2, 15, 0), date(2026, 11, 30))
    w.run_until(w.local("2026-12-02 15:55"))
    w.down_until(w.local("2026-12-02 19:00"))
    w.run_until(w.local("2026-12-02 19:01"))
    record = w.records(HandoverKind.HANDOVER)[0]
    assert record.briefing.timeliness is Timeliness.MISSED
    assert w.sent(record.key) == []  # nothing sent for a missed one
    w.run_until(w.local("2026-12-03 09:01"))
    digest = w.records(HandoverKind.DIGEST)[-1].briefing
    assert [(m.kind, m.at) for m in digest.missed] == [("handover", w.local("2026-12-02 16:00"))]
    assert digest.github is not None and digest.github.state == "not-set-up"


def test_the_monday_turn_change(db: Engine, cache_dir: Path) -> None:
    leave = [{"engineer": "dana", "from": "2026-12-09", "to": "2026-12-10", "note": "dentist"}]
    w = world(db, cache_dir, datetime(2026, 12, 6, 12, 0), date(2026, 11, 30), leave=leave)
    w.run_until(w.local("2026-12-07 07:01"))
    turns = w.records(HandoverKind.TURN_CHANGE)
    assert [r.briefing.at for r in turns] == [w.local("2026-12-07 07:00")]
    b = turns[0].briefing
    assert names(b.giver) == ["alice", "bilal"]
    assert (b.primary and b.primary.id, b.secondary and b.secondary.id) == ("chen", "dana")
    assert (b.start, b.end) == (w.local("2026-12-07 07:00"), w.local("2026-12-14 07:00"))
    assert [(line.engineer.id, line.first, line.last) for line in b.leave] == [
        ("dana", "2026-12-09", "2026-12-10")
    ]


def test_a_dst_sunday_at_easter(db: Engine, cache_dir: Path) -> None:
    """Clocks go forward on Easter Sunday, 28 March 2027, between Good Friday and Easter Monday: Thursday's
    handover runs from 16:00 GMT to Tuesday 09:00 BST, and the turn changes on Easter Monday at 07:00 BST."""
    w = world(db, cache_dir, datetime(2027, 3, 25, 15, 0), date(2027, 3, 22))
    w.run_until(w.local("2027-03-30 09:30"))
    handovers = w.records(HandoverKind.HANDOVER)
    assert [r.briefing.at.astimezone(w.tz).isoformat() for r in handovers] == ["2027-03-25T16:00:00+00:00"]
    thursday = handovers[0].briefing
    assert thursday.end.astimezone(w.tz).isoformat() == "2027-03-30T09:00:00+01:00"
    assert {span.holiday for span in thursday.cover if span.holiday} == {"Good Friday", "Easter Monday"}
    turn = w.records(HandoverKind.TURN_CHANGE)[0].briefing
    assert turn.at.astimezone(w.tz).isoformat() == "2027-03-29T07:00:00+01:00"
    back = w.records(HandoverKind.HAND_BACK)[-1].briefing
    assert (back.start, back.end) == (thursday.start, thursday.end)


def test_the_autumn_dst_sunday(db: Engine, cache_dir: Path) -> None:
    """Clocks go back on Sunday 31 October 2027: Friday's handover runs from 16:00 BST to Monday 09:00 GMT."""
    w = world(db, cache_dir, datetime(2027, 10, 29, 15, 0), date(2027, 10, 25))
    w.run_until(w.local("2027-11-01 09:30"))
    friday = w.records(HandoverKind.HANDOVER)[0].briefing
    assert friday.start.astimezone(w.tz).isoformat() == "2027-10-29T16:00:00+01:00"
    assert friday.end.astimezone(w.tz).isoformat() == "2027-11-01T09:00:00+00:00"
    assert friday.end - friday.start == timedelta(hours=66)


def test_the_preview_matches_what_is_made(db: Engine, cache_dir: Path) -> None:
    w = world(db, cache_dir, datetime(2026, 12, 2, 10, 0), date(2026, 11, 30))
    w.alarm("cpu", "CPU high on web-2")
    preview = w.handovers.preview(w.local("2026-12-02 15:00"))
    assert preview.at == w.local("2026-12-02 16:00")
    w.run_until(w.local("2026-12-02 16:01"))
    made = w.records(HandoverKind.HANDOVER)[0].briefing
    assert (preview.giver, preview.primary, preview.secondary) == (made.giver, made.primary, made.secondary)
    assert [i.id for i in preview.incidents] == [i.id for i in made.incidents]
    # On a Saturday it names the Friday handover that covers it.
    assert w.handovers.preview(w.local("2026-12-05 12:00")).at == w.local("2026-12-04 16:00")


def test_deferred_incidents_fold_into_the_hand_back(db: Engine, cache_dir: Path) -> None:
    w = world(db, cache_dir, datetime(2026, 12, 2, 18, 0), date(2026, 11, 30))
    incident = w.alarm("disk-full", "Disk full on db-1")
    w.incidents.acknowledge(incident.id, cli("alice"))
    w.incidents.defer(incident.id, cli("alice"), informed="payments team", plan="resize the disk at 10:00")
    w.run_until(w.local("2026-12-03 09:01"))
    back = w.records(HandoverKind.HAND_BACK)[0]
    line = next(i for i in back.briefing.incidents if i.id == incident.id)
    assert (line.what, line.informed, line.plan) == ("deferred", "payments team", "resize the disk at 10:00")
    # One message for the hand-back, none of the incident's own.
    assert not [
        r
        for r in w.outbox()
        if "hand-back" in r.message.idempotency_key and r.message.idempotency_key.startswith("post:")
    ]
    entries = [e for e in w.incidents.walk_timeline(incident.id) if e.kind == "handed-back"]
    assert len(entries) == 1 and f"#{back.id}" in entries[0].message


def test_two_replicas_at_1600_make_one_handover(pg_db: Engine, cache_dir: Path) -> None:
    first = world(pg_db, cache_dir, datetime(2026, 12, 2, 15, 0), date(2026, 11, 30))
    first.run_until(first.local("2026-12-02 15:59"))
    second = RhythmWorld(pg_db, cache_dir, first.clock.instant, first.document, owner="replica-2")
    at = first.local("2026-12-02 16:00")
    first.clock.instant = second.clock.instant = at
    barrier = threading.Barrier(2)

    def run(w: RhythmWorld) -> None:
        barrier.wait()
        for _ in range(3):
            w.runner.run_once()

    threads = [threading.Thread(target=run, args=(w,)) for w in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    made = first.records(HandoverKind.HANDOVER)
    assert len(made) == 1
    assert len(first.sent(f"{made[0].key}:channel")) == 1


def test_overdue_updates_and_untriaged_requests_are_in_the_handover_and_the_digest(
    db: Engine, cache_dir: Path
) -> None:
    """An incident update promised for 15:00 and not kept is flagged at 16:00. A request filed at 15:10 and
    not triaged has waited 50 support minutes at 16:00, still 50 in the 09:00 digest (nothing counts
    overnight), and is past the one-hour triage target by Thursday's handover."""
    w = world(db, cache_dir, datetime(2026, 12, 2, 14, 0), date(2026, 11, 30))
    incident = w.alarm("db-down", "Database down")
    update = Request(AnnouncementKind.INCIDENT_UPDATE, "Database <b>down</b>", "Failing over.", incident.id,
                     next_update=timedelta(hours=1))  # fmt: skip
    announced = w.announcements.announce(update, cli("alice"))
    w.run_until(w.local("2026-12-02 15:10"))
    filed = w.support.new("Cannot reach the registry", "From the build agents.", cli("team-x"))
    w.run_until(w.local("2026-12-02 16:01"))
    b = w.records(HandoverKind.HANDOVER)[0].briefing
    assert [(p.announcement, p.incident, p.due_at) for p in b.promises] == [
        (announced.id, incident.id, w.local("2026-12-02 15:00"))
    ]
    assert [(r.id, r.waited, r.what) for r in b.requests] == [(filed.id, timedelta(minutes=50), "untriaged")]
    w.run_until(w.local("2026-12-03 09:21"))
    digest = w.records(HandoverKind.DIGEST)[-1].briefing
    assert [(r.id, r.waited, r.what) for r in digest.requests] == [
        (filed.id, timedelta(minutes=50), "untriaged")
    ]
    channel = json.dumps(
        [r.message.payload for r in w.sent(f"{w.records(HandoverKind.HANDOVER)[0].key}:channel")]
    )
    assert "Database &lt;b&gt;down&lt;/b&gt;" in channel
    assert "Cannot reach the registry" in channel
    w.run_until(w.local("2026-12-03 16:01"))
    thursday = w.records(HandoverKind.HANDOVER)[-1].briefing
    assert [(r.id, r.waited, r.what) for r in thursday.requests] == [
        (filed.id, timedelta(hours=7, minutes=50), "late")
    ]


def test_the_digest_flags_an_accepted_request_nobody_has_answered(db: Engine, cache_dir: Path) -> None:
    """Filed at 10:00 on Wednesday and accepted at 10:05 with no answer: by Thursday's 09:00 digest it has
    waited 6 support hours, past the 4-hour first-response target."""
    w = world(db, cache_dir, datetime(2026, 12, 2, 10, 0), date(2026, 11, 30))
    filed = w.support.new("Quota increase for prod", "We need 20 more nodes.", cli("team-y"))
    w.run_until(w.local("2026-12-02 10:05"))
    w.support.triage(filed.id, cli("chen"), accept="P2")
    w.run_until(w.local("2026-12-03 09:01"))
    digest = w.records(HandoverKind.DIGEST)[-1].briefing
    assert [(r.id, r.waited, r.what) for r in digest.requests] == [
        (filed.id, timedelta(hours=6), "unanswered")
    ]
    (post,) = w.sent(f"{w.records(HandoverKind.DIGEST)[-1].key}:channel")
    assert "Support requests past their targets" in json.dumps(post.message.payload)
