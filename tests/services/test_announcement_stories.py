"""Announcements through the real services, on the in-memory unit of work and on SQLite and PostgreSQL:
the mention budget (refused before anything is kept or posted), reminders before scheduled work (each
once), promised updates (the author and the incident's lead reminded, then overdue, then kept), and what
escaping does to a title written as HTML."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.announcements.model import Announcement, AnnouncementKind, Mention
from opsdesk.domain.errors import AnnouncementError
from opsdesk.domain.incidents.model import Priority
from opsdesk.domain.outbox import OutboxRow
from tests.announcement_world import ASK, LONDON, UPDATES, AnnouncementWorld, cli

START = datetime(2026, 12, 2, 10, 0, tzinfo=LONDON)  # Wednesday 2 December
KIND = AnnouncementKind


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def w(request: pytest.FixtureRequest, cache_dir: Path) -> AnnouncementWorld:
    db = (
        None
        if request.param == "memory"
        else request.getfixturevalue(f"{request.param}_db".replace("postgresql", "pg"))
    )
    return AnnouncementWorld(db, cache_dir, START)


def texts(rows: list[OutboxRow]) -> list[tuple[str, str]]:
    return [(r.message.destination, str(r.message.payload.get("text"))) for r in rows]


def nothing_kept(w: AnnouncementWorld) -> bool:
    return w.announcements.records() == [] and w.sent("announcement:") == []


def test_a_refused_at_channel_explains_the_budget_and_keeps_nothing(w: AnnouncementWorld) -> None:
    incident = w.incident(Priority.P2)
    with pytest.raises(AnnouncementError) as refused:
        w.announce(KIND.INCIDENT_UPDATE, incident=incident.id, mention=Mention.CHANNEL)
    assert str(refused.value) == (
        "@channel is kept for an incident update on a P1 incident (the policy's "
        f"announcements.channel-mention-for); incident #{incident.id} is P2: post it with @here (2 of 2 "
        "left this week) or without a mention"
    )
    with pytest.raises(AnnouncementError, match="this is scheduled work: post it with @here"):
        w.announce(KIND.SCHEDULED_WORK, mention=Mention.CHANNEL)
    assert nothing_kept(w)
    w.incidents.update(incident.id, cli("alice"), priority=Priority.P1, lead="bilal", scribe="dana")
    kept = w.announce(KIND.INCIDENT_UPDATE, incident=incident.id, mention=Mention.CHANNEL)
    assert (kept.mention, kept.priority) == (Mention.CHANNEL, "P1")
    (post, forward) = w.sent(kept.key)
    assert str(post.message.payload["text"]).startswith("<!channel> *Incident update: Database failover*")
    assert "<!" not in str(forward.message.payload["text"])  # the forward mentions nobody


def test_at_here_is_budgeted_per_week_monday_to_sunday(w: AnnouncementWorld) -> None:
    w.announce(mention=Mention.HERE)
    w.clock.instant = w.local("2026-12-06 23:59")  # Sunday night: the same week
    w.announce(mention=Mention.HERE)
    with pytest.raises(AnnouncementError) as spent:
        w.announce(title="A third", mention=Mention.HERE)
    assert str(spent.value).startswith(
        "@here was used 2 times this week (the budget is 2 a week, Monday to Sunday): post without a "
        "mention (the next @here is free from Mon 07 Dec)"
    )
    assert [a.title for a in w.announcements.records()] == ["Database failover"] * 2
    w.announce(title="Without a mention")  # is never refused for the budget
    w.clock.instant = w.local("2026-12-07 00:00")  # Monday: a new week
    assert w.announce(title="Monday", mention=Mention.HERE).mention is Mention.HERE


def test_scheduled_work_is_reminded_of_before_it_starts_each_reminder_once(w: AnnouncementWorld) -> None:
    start = w.local("2026-12-07 22:00")  # Monday night
    record = w.announce(KIND.SCHEDULED_WORK, title="Kernel upgrades", mention=Mention.HERE, starts_at=start)
    assert [r.at for r in record.reminders] == [w.local("2026-12-06 22:00"), w.local("2026-12-07 21:00")]
    w.run_until(w.local("2026-12-08 09:00"))
    w.runner.run_once()  # a second pass, or another worker, finds nothing more to do
    reminded = w.sent(f"{record.key}:reminder:")
    assert [r.message.idempotency_key for r in reminded] == [
        f"{record.key}:reminder:86400:post",
        f"{record.key}:reminder:86400:forward",
        f"{record.key}:reminder:3600:post",
        f"{record.key}:reminder:3600:forward",
    ]
    assert texts(reminded)[0][0] == UPDATES and texts(reminded)[1][0] == ASK
    assert texts(reminded)[0][1].startswith("*Reminder: scheduled work starts in 24 hours: Kernel upgrades*")
    assert texts(reminded)[2][1].startswith("*Reminder: scheduled work starts in 1 hour: Kernel upgrades*")
    assert all("<!here>" not in text for _, text in texts(reminded))  # reminders spend no mention
    assert [r.message.after for r in reminded[1::2]] == [r.message.idempotency_key for r in reminded[::2]]
    kept = w.announcements.get(record.id)
    assert [r.sent_at for r in kept.reminders] == [w.local("2026-12-06 22:00"), w.local("2026-12-07 21:00")]


def test_work_announced_late_gets_the_reminders_still_to_come_and_none_once_started(
    w: AnnouncementWorld,
) -> None:
    late = w.announce(KIND.MAINTENANCE, starts_at=w.local("2026-12-02 13:00"))
    assert [r.before for r in late.reminders] == [timedelta(hours=1)]
    w.clock.instant = w.local("2026-12-02 14:00")  # opsdesk was down until after the work started
    w.run_until(w.local("2026-12-02 15:00"))
    assert w.sent(f"{late.key}:reminder:") == []


def test_after_opsdesk_was_down_only_the_nearest_reminder_goes(w: AnnouncementWorld) -> None:
    start = w.local("2026-12-07 22:00")
    record = w.announce(KIND.SCHEDULED_WORK, starts_at=start)
    w.clock.instant = start - timedelta(minutes=30)  # down from Wednesday until half an hour before
    w.runner.run_once()
    (post, forward) = w.sent(f"{record.key}:reminder:")
    assert post.message.idempotency_key == f"{record.key}:reminder:3600:post"
    assert forward.message.after == post.message.idempotency_key
    assert str(post.message.payload["text"]).startswith("*Reminder: scheduled work starts in 30 minutes:")
    assert [r.sent_at for r in w.announcements.get(record.id).reminders] == [None, w.clock.now()]


def test_a_promised_update_reminds_the_author_and_the_lead_then_is_overdue_then_kept(
    w: AnnouncementWorld,
) -> None:
    incident = w.incident(Priority.P1, lead="bilal")
    first = w.announce(KIND.INCIDENT_UPDATE, incident=incident.id, next_update=w.local("2026-12-02 10:30"))
    assert first.promise is not None and first.promise.state(w.clock.now()) == "pending"
    w.run_until(w.local("2026-12-02 10:35"))
    reminders = w.sent(f"{first.key}:promise:")
    assert sorted(r.message.destination for r in reminders) == ["UALICE", "UBILAL"]  # author and lead
    assert "The next update on incident #1 was promised for Wed 02 Dec 2026 10:30 GMT" in str(
        reminders[0].message.payload["text"]
    )
    assert w.announcements.get(first.id).promise.state(w.clock.now()) == "due"
    assert w.announcements.overdue() == []
    w.run_until(w.local("2026-12-02 10:40"))
    assert [a.id for a in w.announcements.overdue()] == [first.id]
    assert w.announcements.get(first.id).promise.state(w.clock.now()) == "overdue"
    w.run_until(w.local("2026-12-02 11:00"))
    assert len(w.sent(f"{first.key}:promise:")) == 2  # reminded once
    second = w.announce(KIND.INCIDENT_UPDATE, incident=incident.id, body="Failover done; watching.")
    kept = w.announcements.get(first.id).promise
    assert (kept.kept_by, kept.state(w.clock.now())) == (second.id, "kept-late")
    assert w.announcements.overdue() == []


def test_a_promise_kept_in_time_reminds_nobody(w: AnnouncementWorld) -> None:
    incident = w.incident(Priority.P3, lead=None)
    first = w.announce(KIND.MAINTENANCE, incident=incident.id, next_update=w.local("2026-12-02 12:00"))
    w.clock.instant = w.local("2026-12-02 11:50")
    w.announce(KIND.INCIDENT_UPDATE, incident=incident.id)
    w.run_until(w.local("2026-12-02 13:00"))
    assert w.sent(f"{first.key}:promise") == []
    assert w.announcements.get(first.id).promise.state(w.clock.now()) == "kept"


def test_an_author_off_the_team_is_reminded_in_the_log(w: AnnouncementWorld) -> None:
    incident = w.incident(Priority.P3, lead=None)
    record = w.announce(
        KIND.INCIDENT_UPDATE, incident=incident.id, next_update=w.local("2026-12-02 10:30"), who="ops-bot"
    )
    w.run_until(w.local("2026-12-02 10:31"))
    (reminder,) = w.sent(f"{record.key}:promise")
    assert (reminder.message.channel, reminder.message.destination) == ("log", "announcements")


def test_a_title_written_as_html_is_escaped_in_slack(w: AnnouncementWorld) -> None:
    incident = w.incident(Priority.P1, lead="alice")
    record = w.announce(
        KIND.INCIDENT_UPDATE,
        title="<b>Failover</b> & <!channel> <@UBILAL> <https://evil.example|docs>",
        body="See <!here> & <#C123>",
        incident=incident.id,
        next_update=w.local("2026-12-02 10:30"),
    )
    assert (
        record.title == "<b>Failover</b> & <!channel> <@UBILAL> <https://evil.example|docs>"
    )  # kept as written
    w.run_until(w.local("2026-12-02 10:31"))  # the promised update is due: the author is reminded
    pair = texts(w.sent(f"{record.key}:post") + w.sent(f"{record.key}:forward"))
    (reminder,) = texts(w.sent(f"{record.key}:promise"))
    assert [destination for destination, _ in [*pair, reminder]] == [UPDATES, ASK, "UALICE"]
    for _, text in [*pair, reminder]:
        assert "&lt;b&gt;Failover&lt;/b&gt; &amp; &lt;!channel&gt; &lt;@UBILAL&gt; &lt;https://evil" in text
        assert "<!" not in text and "<@" not in text and "<b>" not in text and "<https://evil" not in text
    for _, text in pair:
        assert "See &lt;!here&gt; &amp; &lt;#C123&gt;" in text


def test_refusals_keep_and_post_nothing(w: AnnouncementWorld) -> None:
    with pytest.raises(AnnouncementError, match=r"^no incident #42: `opsdesk incident list` shows"):
        w.announce(KIND.INCIDENT_UPDATE, incident=42)
    with pytest.raises(AnnouncementError, match=r"^no change request #42"):
        w.announce(change=42)
    with pytest.raises(AnnouncementError, match="a title is at most 200 characters and this one has 201"):
        w.announce(title="x" * 201)
    with pytest.raises(AnnouncementError, match="a body is at most 4000 characters and this one has 4001"):
        w.announce(body="x" * 4001)
    with pytest.raises(AnnouncementError, match="U\\+0000"):
        w.announce(body="a\x00b")
    assert nothing_kept(w)


def test_two_announcing_at_once_cannot_both_take_the_last_at_here(db: Engine, cache_dir: Path) -> None:
    """One @here is left this week. Another replica is announcing with @here, its unit not yet committed:
    this one waits for it, finds the week's last @here taken, and is refused; one of the two gets it."""
    w = AnnouncementWorld(db, cache_dir, START)
    w.announce(mention=Mention.HERE)
    taken, finish = threading.Event(), threading.Event()

    def other_replica() -> None:
        with SqlUnitOfWork(db) as uow:
            assert uow.receipts.receipt("announcement:here:2026-W49:2", w.clock.now())
            record = Announcement(
                0, KIND.MAINTENANCE, "Elsewhere", "Body.", "bilal", w.clock.now(), mention=Mention.HERE
            )
            uow.announcements.add(record)
            taken.set()
            finish.wait(10)
            uow.commit()

    thread = threading.Thread(target=other_replica)
    thread.start()
    assert taken.wait(10)
    threading.Timer(0.5, finish.set).start()  # the other replica commits while this one waits
    try:
        with pytest.raises(AnnouncementError, match=r"^@here was used 2 times this week"):
            w.announce(title="Here too", mention=Mention.HERE)
    finally:
        finish.set()
        thread.join(10)
    assert sorted(a.title for a in w.announcements.records()) == ["Database failover", "Elsewhere"]
