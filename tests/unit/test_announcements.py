"""Announcements as values: what a person may ask for, the mention budget's words, the week it counts in
(Monday to Sunday in London, across the clock changes), promised updates and reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from opsdesk.domain.announcements.budget import check_mention, week_of
from opsdesk.domain.announcements.model import (
    AnnouncementKind,
    AnnouncementPolicy,
    Mention,
    Promise,
    Request,
    checked,
)
from opsdesk.domain.announcements.schedule import next_update, reminders
from opsdesk.domain.errors import AnnouncementError, InvalidInstantError

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # Wednesday 14:00 GMT
POLICY = AnnouncementPolicy("#updates", "#ask")
KIND = AnnouncementKind


def request(kind: AnnouncementKind = KIND.MAINTENANCE, **fields: object) -> Request:
    values: dict[str, object] = {"title": "Database failover", "body": "Writes pause for a minute."}
    values.update(fields)
    return Request(kind, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "after"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30 minutes", timedelta(hours=1, minutes=30)),
        ("90 MIN", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
    ],
)
def test_a_next_update_in_a_while(text: str, after: timedelta) -> None:
    assert next_update(text, LONDON) == after


def test_a_next_update_at_an_instant_is_read_in_the_team_time() -> None:
    assert next_update("2026-07-01T15:00", LONDON) == datetime(2026, 7, 1, 14, 0, tzinfo=UTC)  # BST
    assert next_update("2026-12-02T15:00Z", LONDON) == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("soon", "expected a duration from now (30m, 2h, 1h30m) or an instant"),
        ("30", "expected a duration from now"),
        ("m30", "expected a duration from now"),
        ("", "expected a duration from now"),
        ("0m", "a duration of no time"),
        ("2026-03-29T01:30", "this wall-clock time does not exist in Europe/London"),
        ("2026-13-01T10:00", "not an ISO 8601 date and time"),
    ],
)
def test_a_next_update_that_cannot_be_read_says_what_is_expected(text: str, said: str) -> None:
    with pytest.raises(InvalidInstantError) as caught:
        next_update(text, LONDON)
    assert said in str(caught.value)


@pytest.mark.parametrize(
    ("at", "monday", "label"),
    [
        (datetime(2026, 12, 2, 14, 0, tzinfo=UTC), datetime(2026, 11, 30, 0, 0, tzinfo=UTC), "2026-W49"),
        # Sunday 23:30 BST is still that week; Monday 00:30 BST (Sunday 23:30 UTC) is the next.
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), datetime(2026, 3, 23, 0, 0, tzinfo=UTC), "2026-W13"),
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), datetime(2026, 3, 29, 23, 0, tzinfo=UTC), "2026-W14"),
        # After the clocks go back (Sunday 25 October), Monday midnight is GMT again.
        (datetime(2026, 10, 28, 12, 0, tzinfo=UTC), datetime(2026, 10, 26, 0, 0, tzinfo=UTC), "2026-W44"),
    ],
)
def test_the_week_runs_monday_to_sunday_in_london(at: datetime, monday: datetime, label: str) -> None:
    week = week_of(at, LONDON)
    assert (week.start, week.label) == (monday, label)
    assert week.start <= at < week.end
    assert week.end.astimezone(LONDON).hour == 0 and week.end.astimezone(LONDON).weekday() == 0


def test_the_week_of_the_autumn_change_is_an_hour_longer() -> None:
    week = week_of(datetime(2026, 10, 21, 12, 0, tzinfo=UTC), LONDON)  # its Sunday is 25 October
    assert (week.start, week.end - week.start) == (
        datetime(2026, 10, 18, 23, 0, tzinfo=UTC),
        timedelta(hours=169),
    )


def test_at_channel_is_for_an_incident_update_on_a_p1() -> None:
    week = week_of(NOW, LONDON)
    check_mention(request(KIND.INCIDENT_UPDATE, incident=7, mention=Mention.CHANNEL), "P1", 2, POLICY, week)
    with pytest.raises(AnnouncementError) as on_p2:
        check_mention(
            request(KIND.INCIDENT_UPDATE, incident=7, mention=Mention.CHANNEL), "P2", 1, POLICY, week
        )
    assert str(on_p2.value) == (
        "@channel is kept for an incident update on a P1 incident (the policy's "
        "announcements.channel-mention-for); incident #7 is P2: post it with @here (1 of 2 left this week) "
        "or without a mention"
    )
    with pytest.raises(AnnouncementError) as maintenance:
        check_mention(request(mention=Mention.CHANNEL), None, 2, POLICY, week)
    assert str(maintenance.value).endswith("; this is maintenance: post it without a mention")
    never = AnnouncementPolicy(channel_for=())
    with pytest.raises(AnnouncementError, match="does not use @channel"):
        check_mention(
            request(KIND.INCIDENT_UPDATE, incident=7, mention=Mention.CHANNEL), "P1", 0, never, week
        )


def test_at_here_is_counted_against_the_week() -> None:
    week = week_of(NOW, LONDON)
    check_mention(request(mention=Mention.HERE), None, 1, POLICY, week)
    with pytest.raises(AnnouncementError) as spent:
        check_mention(request(mention=Mention.HERE), None, 2, POLICY, week)
    assert str(spent.value) == (
        "@here was used 2 times this week (the budget is 2 a week, Monday to Sunday): post without a "
        "mention (the next @here is free from Mon 07 Dec), or ask the team to raise "
        "announcements.here-per-week in the policy"
    )
    with pytest.raises(AnnouncementError, match=r"or use @channel: incident #7 is P1$"):
        check_mention(request(KIND.INCIDENT_UPDATE, incident=7, mention=Mention.HERE), "P1", 2, POLICY, week)
    with pytest.raises(AnnouncementError, match=r"^this team does not use @here"):
        check_mention(request(mention=Mention.HERE), None, 0, AnnouncementPolicy(here_per_week=0), week)


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        (request(title="   "), "the title is empty"),
        (request(title="x" * 201), "a title is at most 200 characters and this one has 201"),
        (request(title="Failover\nand more"), "the title is one line"),
        (request(title="Fail\x1b[2Jover"), "the title holds the control character U+001B"),
        (request(title="Fail\u202eover"), "the title holds the control character U+202E"),
        (request(body=""), "the body is empty"),
        (request(body="x" * 4001), "a body is at most 4000 characters and this one has 4001"),
        (request(body="a\x00b"), "the body holds the control character U+0000"),
        (request(KIND.INCIDENT_UPDATE), "an incident update names its incident"),
        (request(incident=1, change=2), "one incident or one change request, not both"),
        (request(KIND.INCIDENT_UPDATE, incident=1, starts_at=NOW), "an incident-update has no start time"),
        (
            request(KIND.SCHEDULED_WORK, change=1, next_update=NOW + timedelta(hours=1)),
            "scheduled work promises no next update",
        ),
        (request(next_update=NOW + timedelta(hours=1)), "name the incident or the change request"),
        (request(change=1, next_update=NOW), "a time after now"),
        (request(change=1, next_update=NOW + timedelta(days=8)), "at most 7 days ahead"),
    ],
)
def test_what_cannot_be_announced_says_why(asked: Request, said: str) -> None:
    with pytest.raises(AnnouncementError) as caught:
        checked(asked, NOW)
    assert said in str(caught.value)


def test_a_next_update_in_a_while_is_counted_from_the_announcement() -> None:
    done = checked(request(change=1, next_update=timedelta(minutes=30)), NOW)
    assert done.next_update == NOW + timedelta(minutes=30)
    with pytest.raises(AnnouncementError, match="at most 7 days ahead"):
        checked(request(change=1, next_update=timedelta(days=8)), NOW)


def test_a_request_is_trimmed_and_keeps_its_marks() -> None:
    done = checked(request(title="  Fail\u200fover  ", body="\n line one\n\tline two \n"), NOW)
    assert (done.title, done.body) == ("Fail\u200fover", "line one\n\tline two")
    assert len(checked(request(title="x" * 200, body="y" * 4000), NOW).title) == 200


def test_a_promise_is_pending_due_overdue_or_kept() -> None:
    due = NOW + timedelta(minutes=30)
    promise = Promise(due, due + timedelta(minutes=10))
    assert [
        promise.state(due - timedelta(seconds=1)),
        promise.state(due),
        promise.state(due + timedelta(minutes=10)),
    ] == [
        "pending",
        "due",
        "overdue",
    ]
    assert Promise(due, due + timedelta(minutes=10), kept_at=due + timedelta(minutes=9)).state(NOW) == "kept"
    assert (
        Promise(due, due + timedelta(minutes=10), kept_at=due + timedelta(hours=1)).state(NOW) == "kept-late"
    )


def test_reminders_before_the_start_still_to_come() -> None:
    start = NOW + timedelta(days=3)
    assert [r.before for r in reminders(start, NOW, POLICY)] == [timedelta(hours=24), timedelta(hours=1)]
    assert [r.at for r in reminders(start, NOW, POLICY)] == [
        start - timedelta(hours=24),
        start - timedelta(hours=1),
    ]
    soon = NOW + timedelta(hours=3)
    assert [r.before for r in reminders(soon, NOW, POLICY)] == [timedelta(hours=1)]
    assert reminders(NOW + timedelta(minutes=30), NOW, POLICY) == ()
    assert reminders(None, NOW, POLICY) == ()
