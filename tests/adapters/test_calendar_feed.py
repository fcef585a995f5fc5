"""The iCalendar feed, parsed back with icalendar and checked window by window."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from opsdesk.adapters.calendar_feed import render_ics
from opsdesk.domain.instants import parse_instant
from opsdesk.domain.rota import EngineerId
from opsdesk.domain.shifts import Shift
from opsdesk.services.rota import RotaService
from tests.rota_builders import rota_service, team

LONDON = ZoneInfo("Europe/London")


def events(feed: bytes) -> list[tuple[str, str, str, str]]:
    calendar = Calendar.from_ical(feed)
    found = []
    for event in calendar.walk("VEVENT"):
        start: datetime = event.decoded("dtstart")
        end: datetime = event.decoded("dtend")
        assert start.tzinfo is not None
        found.append(
            (
                str(event["summary"]),
                start.astimezone(LONDON).isoformat()[:16],
                end.astimezone(LONDON).isoformat()[:16],
                str(event["uid"]),
            )
        )
    return found


def ics(service: RotaService, shifts: list[Shift], title: str) -> bytes:
    return render_ics(shifts, service.engine.timezone, service.name_of, title, service.clock.now())


def test_events_are_the_real_duty_windows(cache_dir: Path) -> None:
    document = team(
        rota={
            "on-call": [{"week": "2026-12-21", "primary": "dana", "secondary": "alice"}],
            "support": [{"date": "2026-12-22", "engineer": "chen"}],
        }
    )
    service = rota_service(document, cache_dir)
    feed = ics(service, service.shifts(engineer=EngineerId("dana")), "dana")
    listed = [(summary, start, end) for summary, start, end, _ in events(feed)]
    assert listed[:3] == [
        ("On call (primary): Dana", "2026-12-21T07:00", "2026-12-21T09:00"),  # Monday morning, not 24/7
        ("On call (primary): Dana", "2026-12-21T16:00", "2026-12-21T22:00"),
        ("On call (primary): Dana", "2026-12-22T07:00", "2026-12-22T09:00"),
    ]
    christmas = [e for e in listed if e[1].startswith("2026-12-25")]
    assert christmas == [("On call (primary): Dana", "2026-12-25T07:00", "2026-12-25T22:00")]  # bank holiday
    assert len(listed) == 4 * 2 + 3  # Mon, Tue, Wed, Thu two windows; Fri (Christmas), Sat, Sun one each
    support = ics(service, service.shifts(engineer=EngineerId("chen")), "chen")
    assert [(s, a, b) for s, a, b, _ in events(support)] == [
        ("Support duty: Chen", "2026-12-22T09:00", "2026-12-22T16:00")
    ]


def test_uids_are_stable_and_a_vtimezone_is_included(cache_dir: Path) -> None:
    service = rota_service(team(), cache_dir)
    first = ics(service, service.shifts(), "team")
    second = ics(rota_service(team(), cache_dir, now="2027-01-01T00:00:00+00:00"), service.shifts(), "team")
    assert [e[3] for e in events(first)] == [e[3] for e in events(second)]
    assert len({e[3] for e in events(first)}) == len(events(first))
    calendar = Calendar.from_ical(first)
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_an_override_and_dst_show_in_the_feed(cache_dir: Path) -> None:
    document = team(
        rota={"on-call": [{"week": "2026-03-23", "primary": "alice", "secondary": "bilal"}]},
        overrides=[
            {"role": "primary", "engineer": "chen", "from": "2026-03-28T07:00", "to": "2026-03-28T12:00"}
        ],
    )
    service = rota_service(document, cache_dir)
    start, end = parse_instant("2026-03-28", LONDON), parse_instant("2026-03-30", LONDON)
    listed = events(ics(service, service.shifts(start, end), "team"))
    primary = [(s, a, b) for s, a, b, _ in listed if "primary" in s]
    assert primary == [
        ("On call (primary): Chen", "2026-03-28T07:00", "2026-03-28T12:00"),
        ("On call (primary): Alice", "2026-03-28T12:00", "2026-03-28T22:00"),
        ("On call (primary): Alice", "2026-03-29T07:00", "2026-03-29T22:00"),  # 07:00 BST after the change
    ]
