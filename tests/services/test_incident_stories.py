"""Whole incident stories on a virtual clock: the job runner pages and escalates as a worker would."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from opsdesk.domain.errors import IncidentError
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.model import IncidentState
from tests.builders import utc
from tests.incident_world import ENGINEER, World, policy_document

MINUTE = timedelta(minutes=1)


def world(cache_dir: Path, start: str, monday: date, **changes: object) -> World:
    """A story over the in-memory unit of work (the stores are tested on both databases elsewhere)."""
    return World(None, cache_dir, utc(start), policy_document(monday, **changes))  # type: ignore[arg-type]


def test_friday_21_50_before_a_bank_holiday_pages_and_keeps_escalating_past_22(cache_dir: Path) -> None:
    # Friday 28 May 2027, 21:50 BST (20:50 UTC); Monday 31 May is the Spring bank holiday.
    w = world(cache_dir, "2027-05-28 20:50", date(2027, 5, 24))
    incident = w.alarm()
    assert incident.cover is Cover.ON_CALL
    assert w.paged(incident.id) == [("alice", "primary", utc("2027-05-28 20:50"))]
    w.run_until(utc("2027-05-28 21:25"))  # 22:25 BST: no cover now, but the escalation goes on
    assert w.paged(incident.id) == [
        ("alice", "primary", utc("2027-05-28 20:50")),
        ("bilal", "secondary", utc("2027-05-28 21:10")),
        ("alice", "primary", utc("2027-05-28 21:20")),
    ]
    w.incidents.acknowledge(incident.id, ENGINEER)
    w.run_until(utc("2027-05-29 06:00"))
    assert len(w.paged(incident.id)) == 3  # acknowledged: nothing more
    # The bank holiday takes weekend hours: at 10:00 on Monday 31 May the primary is paged, not support.
    w.run_until(utc("2027-05-31 09:00"))
    holiday = w.alarm("api-5xx", "API errors")
    assert holiday.cover is Cover.ON_CALL
    assert w.paged(holiday.id) == [("chen", "primary", utc("2027-05-31 09:00"))]  # the new turn


def test_23_30_is_held_and_paged_at_07_00(cache_dir: Path) -> None:
    w = world(cache_dir, "2026-12-01 23:30", date(2026, 11, 30))
    incident = w.alarm()
    assert incident.cover is Cover.NONE
    assert w.paged(incident.id) == []
    assert [d for d, _ in w.posts()] == ["#platform-alerts"]
    assert "paged at Wed 02 Dec 07:00" in w.timeline(incident.id)[-1].message
    w.run_until(utc("2026-12-02 06:59"))
    assert w.paged(incident.id) == []
    w.run_until(utc("2026-12-02 07:00"))
    assert w.paged(incident.id) == [("alice", "primary", utc("2026-12-02 07:00"))]


def test_23_30_resolved_before_cover_pages_nobody(cache_dir: Path) -> None:
    w = world(cache_dir, "2026-12-01 23:30", date(2026, 11, 30))
    incident = w.alarm()
    w.advance(timedelta(hours=1))
    w.incidents.resolve(incident.id, ENGINEER, "false alarm: disk cleaned")
    w.run_until(utc("2026-12-02 09:00"))
    assert w.paged(incident.id) == []
    assert w.kinds(incident.id) == ["triggered", "routed", "held", "resolved", "not-paged"]
    assert not [r for r in w.outbox() if r.message.idempotency_key.startswith("page:")]


def test_15_59_goes_to_the_support_engineer_and_16_00_pages_the_primary(cache_dir: Path) -> None:
    # Tuesday 1 December 2026 (GMT): the support engineer that day is bilal (UBILAL).
    w = world(cache_dir, "2026-12-01 15:59", date(2026, 11, 30))
    before = w.alarm("one", "CPU high")
    assert before.cover is Cover.SUPPORT
    assert w.paged(before.id) == []
    destination, text = w.posts()[0]
    assert destination == "#platform-alerts"
    assert "support engineer (bilal)" in text and text.endswith("<@UBILAL>")
    w.run_until(utc("2026-12-01 16:00"))
    after = w.alarm("two", "CPU high again")
    assert after.cover is Cover.ON_CALL
    assert w.paged(after.id) == [("alice", "primary", utc("2026-12-01 16:00"))]
    w.advance(timedelta(hours=3))
    assert w.paged(before.id) == []  # a support-hours incident never pages


def test_dst_sunday_waits_for_07_00_bst(cache_dir: Path) -> None:
    # Sunday 28 March 2027: clocks go forward at 01:00 GMT. 06:30 BST is 05:30 UTC: no cover yet.
    w = world(cache_dir, "2027-03-28 05:30", date(2027, 3, 22))
    incident = w.alarm()
    assert incident.cover is Cover.NONE
    w.run_until(utc("2027-03-28 05:59"))
    assert w.paged(incident.id) == []
    w.run_until(utc("2027-03-28 06:00"))  # 07:00 BST
    assert w.paged(incident.id) == [("alice", "primary", utc("2027-03-28 06:00"))]


def test_a_primary_who_never_acknowledges(cache_dir: Path) -> None:
    w = world(cache_dir, "2026-12-01 16:00", date(2026, 11, 30))
    incident = w.alarm()
    w.run_until(utc("2026-12-01 23:00"))
    paged = w.paged(incident.id)
    assert len(paged) == 18  # 9 cycles of primary then secondary
    start = utc("2026-12-01 16:00")
    expected = []
    for cycle in range(9):
        expected.append(("alice", "primary", start + cycle * 30 * MINUTE))
        expected.append(("bilal", "secondary", start + (cycle * 30 + 20) * MINUTE))
    assert paged == expected
    timeline = w.timeline(incident.id)
    assert timeline[-1].kind == "escalation-ended"
    assert timeline[-1].at == start + 270 * MINUTE
    assert "9 cycles" in timeline[-1].message
    assert w.posts()[-1][1].startswith(f"#{incident.id}: escalation ended")
    # Each page is one Slack message and one email to the engineer, each with its own key.
    slack = [
        r
        for r in w.outbox()
        if r.message.channel == "slack" and r.message.idempotency_key.startswith("page:")
    ]
    assert [r.message.destination for r in slack[:2]] == ["UALICE", "UBILAL"]
    assert len({r.message.idempotency_key for r in w.outbox()}) == len(w.outbox())


def test_a_step_with_nobody_on_call_is_skipped_at_once(cache_dir: Path) -> None:
    leave = [{"engineer": "bilal", "from": "2026-12-01", "to": "2026-12-01", "note": "ill"}]
    w = world(cache_dir, "2026-12-01 16:00", date(2026, 11, 30), leave=leave)
    incident = w.alarm()
    w.run_until(utc("2026-12-01 16:45"))
    start = utc("2026-12-01 16:00")
    # Primary at 16:00; at 16:20 the secondary step is skipped and the primary is paged at once.
    assert w.paged(incident.id) == [
        ("alice", "primary", start),
        ("alice", "primary", start + 20 * MINUTE),
        ("alice", "primary", start + 40 * MINUTE),
    ]
    skipped = [e for e in w.timeline(incident.id) if e.kind == "skipped"]
    assert [e.at for e in skipped] == [start + 20 * MINUTE, start + 40 * MINUTE]
    assert skipped[0].message == "cycle 1 step 2 skipped: nobody holds secondary now"


def test_nobody_at_any_step_stops_and_says_so(cache_dir: Path) -> None:
    leave = [
        {"engineer": "alice", "from": "2026-12-01", "to": "2026-12-01"},
        {"engineer": "bilal", "from": "2026-12-01", "to": "2026-12-01"},
    ]
    w = world(cache_dir, "2026-12-01 16:00", date(2026, 11, 30), leave=leave)
    incident = w.alarm()
    w.run_until(utc("2026-12-01 22:00"))
    assert w.paged(incident.id) == []
    assert w.kinds(incident.id)[-3:] == ["skipped", "skipped", "escalation-ended"]
    assert "nobody was paged" in w.posts()[-1][1]
    assert w.posts()[0][1].endswith(
        "Nobody is paged: it is on-call hours, but alice (primary) is on leave and bilal (secondary) is on "
        "leave; call someone on the team and add an override to the rota."
    )


def test_held_overnight_with_nobody_to_page_at_07_00_says_so(cache_dir: Path) -> None:
    leave = [{"engineer": name, "from": "2026-12-02", "to": "2026-12-02"} for name in ("alice", "bilal")]
    w = world(cache_dir, "2026-12-01 23:30", date(2026, 11, 30), leave=leave)
    incident = w.alarm()
    assert [e.message for e in w.timeline(incident.id)][1:] == [
        "no cover now, and nobody to page when cover starts: alice (primary) is on leave and bilal "
        "(secondary) is on leave then; add an override to the rota, or pick this up from the channel",
        "held for cover: the escalation starts at Wed 02 Dec 07:00, but nobody holds a step of it then; add "
        "an override to the rota before then",
    ]


def test_1000_triggers_with_one_key_make_one_incident_and_one_page(cache_dir: Path) -> None:
    w = world(cache_dir, "2026-12-01 16:00", date(2026, 11, 30))
    first = w.alarm("same")
    for _ in range(999):
        w.alarm("same")
    incident = w.incidents.incident(first.id)
    assert incident.alert_count == 1000
    assert len(w.incidents.incidents()) == 1
    assert w.paged(first.id) == [("alice", "primary", utc("2026-12-01 16:00"))]
    assert w.kinds(first.id).count("alert") == 999
    assert len([r for r in w.outbox() if r.message.idempotency_key.startswith("page:")]) == 2  # Slack, email


def test_resolve_then_retrigger_opens_a_new_incident(cache_dir: Path) -> None:
    w = world(cache_dir, "2026-12-01 16:00", date(2026, 11, 30))
    first = w.alarm("same")
    w.advance(5 * MINUTE)
    w.incidents.resolve(first.id, ENGINEER)
    w.advance(MINUTE)
    second = w.alarm("same")
    assert second.id != first.id
    assert w.incidents.incident(first.id).state is IncidentState.RESOLVED
    assert w.paged(second.id) == [("alice", "primary", utc("2026-12-01 16:06"))]
    w.run_until(utc("2026-12-01 17:00"))
    assert len(w.paged(first.id)) == 1  # the resolved one's escalation stopped


def test_a_notify_service_never_pages(cache_dir: Path) -> None:
    w = world(cache_dir, "2026-12-01 16:00", date(2026, 11, 30))
    incident = w.alarm("x", "High CPU", service="alerts")
    w.run_until(utc("2026-12-02 08:00"))
    assert w.paged(incident.id) == []
    assert w.posts() == [
        (
            "#alerts",
            f"Incident #{incident.id} (High-priority alerts): High CPU. Nobody is paged: the service is "
            "notify-only, so whoever watches its channel picks this up.",
        )
    ]
    w.clock.instant = utc("2026-12-01 23:00")  # no cover: the same words, one full stop after the summary
    later = w.alarm("y", "TLS certificate expires in 7 days.", service="alerts")
    assert w.posts()[-1][1] == (
        f"Incident #{later.id} (High-priority alerts): TLS certificate expires in 7 days. Nobody is paged: "
        "the service is notify-only, so whoever watches its channel picks this up."
    )


def test_with_the_primary_on_leave_the_post_names_the_secondary_it_pages(cache_dir: Path) -> None:
    leave = [{"engineer": "alice", "from": "2026-12-01", "to": "2026-12-02", "note": "holiday"}]
    w = world(cache_dir, "2026-12-01 16:00", date(2026, 11, 30), leave=leave)
    incident = w.alarm()
    assert w.paged(incident.id) == [("bilal", "secondary", utc("2026-12-01 16:00"))]
    assert w.posts() == [
        (
            "#platform-alerts",
            f"Incident #{incident.id} (Platform): Disk full on db-1. On-call hours: bilal (secondary) is paged "
            "now, as alice (primary) is on leave.",
        )
    ]
    # Held overnight: the timeline names who will be paged when cover starts, not "the primary".
    w.clock.instant = utc("2026-12-01 23:30")
    night = w.alarm("night", "Backups late")
    assert w.timeline(night.id)[-1].message == (
        "held for cover: bilal (secondary) is paged at Wed 02 Dec 07:00 unless it is resolved first"
    )
    w.run_until(utc("2026-12-02 07:00"))
    assert w.paged(night.id) == [("bilal", "secondary", utc("2026-12-02 07:00"))]


def test_deferral_records_who_was_told_and_the_plan(cache_dir: Path) -> None:
    w = world(cache_dir, "2026-12-01 21:00", date(2026, 11, 30))
    incident = w.alarm()
    w.advance(5 * MINUTE)
    w.incidents.acknowledge(incident.id, ENGINEER)
    with pytest.raises(IncidentError, match="only a triggered incident can be acknowledged"):
        w.incidents.acknowledge(incident.id, ENGINEER)
    deferred = w.incidents.defer(
        incident.id, ENGINEER, "the payments team (#payments)", "rebuild db-1 at 10:00"
    )
    assert deferred.state is IncidentState.DEFERRED
    assert (deferred.informed, deferred.plan) == ("the payments team (#payments)", "rebuild db-1 at 10:00")
    assert [e.message for e in w.timeline(incident.id)][-2:] == [
        "deferred to working hours by alice: informed the payments team (#payments); plan: rebuild db-1 at "
        "10:00; it goes into the morning hand-back",
        "in the hand-back at Wed 02 Dec 09:00, when support hours start",
    ]
    # Wednesday 2 December 09:00: the incident has no post of its own (the hand-back lists it: see
    # tests/services/test_handover_stories.py), so the channel says nothing more of it.
    posts = len(w.posts())
    w.run_until(utc("2026-12-02 09:00"))
    assert len(w.posts()) == posts
    w.incidents.resolve(incident.id, ENGINEER, "rebuilt")
    with pytest.raises(IncidentError, match="is resolved"):
        w.incidents.defer(incident.id, ENGINEER, "x", "y")


def test_a_team_that_keeps_pagerduty_pages_through_it(cache_dir: Path) -> None:
    services = [
        {
            "id": "platform",
            "name": "Platform",
            "paging": ["pagerduty", "slack"],
            "integration-keys": ["k" * 32],
        }
    ]
    w = World(
        None,
        cache_dir,
        utc("2026-12-01 16:00"),
        policy_document(date(2026, 11, 30), services=services),
        frozenset({"log", "pagerduty"}),
    )
    incident = w.alarm()
    rows = [r for r in w.outbox() if r.message.idempotency_key.startswith("page:")]
    # Slack is not set up here, so the page goes by PagerDuty alone, keyed by incident and step.
    assert [(r.message.channel, r.message.payload["dedup_key"]) for r in rows] == [
        ("pagerduty", f"opsdesk-{incident.id}-c1s1")
    ]
    assert rows[0].message.payload["payload"]["custom_details"]["engineer"] == "alice"


def test_a_deferred_incident_resolved_overnight_is_not_handed_back(cache_dir: Path) -> None:
    w = world(cache_dir, "2026-12-01 21:00", date(2026, 11, 30))
    incident = w.alarm()
    w.incidents.defer(incident.id, ENGINEER, "payments team", "rebuild at 10:00")
    w.advance(timedelta(hours=2))
    w.incidents.resolve(incident.id, ENGINEER, "fixed after all")
    w.run_until(utc("2026-12-02 12:00"))
    assert "handed-back" not in w.kinds(incident.id)
    assert not [t for _, t in w.posts() if t.startswith("Hand-back")]
