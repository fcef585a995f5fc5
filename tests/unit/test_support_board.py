"""The board's rules as a table: every move between the five statuses, allowed or refused with a reason;
statuses, priorities and labels read from people's words; the waits of a request and the support clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from opsdesk.domain.errors import SupportError
from opsdesk.domain.hours import CoverEngine
from opsdesk.domain.support.model import Priority, Status, SupportPolicy, SupportRequest, Triage
from opsdesk.domain.support.report import waits
from opsdesk.domain.support.workflow import MOVES, check_move, labels_of, priority_of, status_of
from opsdesk.services.support.context import support_time

AT = datetime(2026, 12, 7, 9, tzinfo=UTC)
ALLOWED = {
    ("todo", "in-progress"),
    ("todo", "blocked"),
    ("todo", "done"),
    ("in-progress", "todo"),
    ("in-progress", "blocked"),
    ("in-progress", "for-review"),
    ("in-progress", "done"),
    ("blocked", "todo"),
    ("blocked", "in-progress"),
    ("blocked", "done"),
    ("for-review", "in-progress"),
    ("for-review", "done"),
}


def request(status: Status, triage: Triage = Triage.ACCEPTED, **changes: object) -> SupportRequest:
    values: dict[str, object] = {"priority": Priority.P2} | changes
    return SupportRequest(1, "t", "", "pay-dev", status, AT, triage, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("start", "end"), list(product(Status, Status)))
def test_every_move_of_an_accepted_request(start: Status, end: Status) -> None:
    if (start.value, end.value) in ALLOWED:
        check_move(request(start), end)
        return
    with pytest.raises(SupportError) as refused:
        check_move(request(start), end)
    said = str(refused.value)
    if start is Status.DONE:
        assert said.startswith("SR-1 is done: a done request does not move; reopen it first")
    elif start is end:
        assert said == f"SR-1 is {end} already"
    else:
        assert said.startswith(f"SR-1 is {start}: from there it moves to ")
    assert set(MOVES) == set(Status)


def test_an_untriaged_request_does_not_move() -> None:
    with pytest.raises(SupportError, match=r"^SR-1 is untriaged: triage it first"):
        check_move(request(Status.TODO, Triage.UNTRIAGED, priority=None), Status.IN_PROGRESS)


@pytest.mark.parametrize(
    ("text", "found"), [("todo", Status.TODO), (" In-Progress ", Status.IN_PROGRESS), ("DONE", Status.DONE)]
)
def test_statuses_are_read_in_any_case(text: str, found: Status) -> None:
    assert status_of(text) is found


@pytest.mark.parametrize("text", ["doing", "in progress", "", "closed", "x" * 100])
def test_an_unknown_status_lists_the_statuses(text: str) -> None:
    with pytest.raises(SupportError, match=r"a request is todo, in-progress, blocked, for-review or done$"):
        status_of(text)


def test_priorities_and_labels() -> None:
    assert priority_of("p1") is Priority.P1
    with pytest.raises(SupportError, match=r"accept with P1, P2 or P3"):
        priority_of("urgent")
    assert labels_of(["vpn", "VPN", " Network ", "", "api"]) == ("api", "Network", "vpn")
    with pytest.raises(SupportError, match=r"holds a control character"):
        labels_of(["bad\u202elabel"])
    # From GitHub, cut to fit rather than refused: an issue is never lost over its labels.
    cut = labels_of(["x" * 60, "a\u0007b", *(f"l{n:02}" for n in range(30))], cut=True)
    assert (len(cut), cut[0], "x" * 50 in cut) == (20, "ab", False)


def test_waits_of_a_declined_and_of_an_open_request() -> None:
    hours = lambda start, end: max(end - start, timedelta(0))  # noqa: E731  (a clock without gaps)
    policy = SupportPolicy()
    declined = request(
        Status.DONE,
        Triage.DECLINED,
        triaged_at=AT + timedelta(minutes=30),
        first_response_at=AT + timedelta(minutes=30),
        done_at=AT + timedelta(minutes=30),
    )
    found = waits(declined, AT + timedelta(days=9), policy, hours)
    assert (found.triage, found.first_response, found.done, found.late) == (
        timedelta(minutes=30),
        timedelta(minutes=30),
        None,
        frozenset(),
    )
    waiting = waits(
        request(Status.TODO, Triage.UNTRIAGED, priority=None), AT + timedelta(hours=5), policy, hours
    )
    assert (waiting.triage, waiting.late) == (None, frozenset({"triage", "first_response"}))


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ("2026-12-04T15:55", "2026-12-07T09:10", 15),  # Friday to Monday: the weekend does not count
        ("2026-12-05T12:00", "2026-12-07T09:00", 0),  # opened on a Saturday, looked at before 09:00
        ("2026-12-24T15:00", "2026-12-29T10:00", 120),  # Christmas and Boxing Day (substitute on the 28th)
        ("2026-10-23T15:30", "2026-10-26T09:30", 60),  # across the clocks going back
        ("2027-03-26T15:30", "2027-03-30T09:30", 30),  # Good Friday to Easter Tuesday, clocks forward
        ("2026-12-07T10:00", "2026-12-07T09:00", 0),  # backwards: nothing
    ],
)
def test_the_support_clock(engine: CoverEngine, start: str, end: str, minutes: int) -> None:
    tz = engine.timezone
    lo, hi = (datetime.fromisoformat(t).replace(tzinfo=tz) for t in (start, end))
    assert support_time(engine, lo, hi) == timedelta(minutes=minutes)
