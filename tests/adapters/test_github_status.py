"""The status comment on a change request's issue: the checklist by phase, who ticked each item and when,
the start, the finish and an overrun; every text from outside (the policy's items too) escaped."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from opsdesk.adapters.github.render import GitHubRenderer
from opsdesk.domain.changes.checklist import Tick, checklist_of
from opsdesk.domain.changes.model import ChangeRequest, ChangeState
from opsdesk.domain.changes.window import ChangeWindow
from opsdesk.domain.notices import IssueStatus
from opsdesk.domain.people import People
from tests.builders import utc

LONDON = ZoneInfo("Europe/London")
CHECKLIST = checklist_of(
    ["<img src=x onerror=alert(1)> snapshot", "stakeholders informed"],
    ["updates in #chg"],
    ["success confirmed"],
)


def body(change: ChangeRequest) -> str:
    notice = IssueStatus(change, "dana is on call", LONDON, "k", CHECKLIST)
    rendered = GitHubRenderer().render(notice, People.of([]))
    text: str = rendered["body"]
    return text


def change(state: ChangeState, **fields: object) -> ChangeRequest:
    window = ChangeWindow(utc("2027-03-02 18:00"), utc("2027-03-02 20:00"))
    base = ChangeRequest(1, "Upgrade", "", "pay-dev", state, utc("2027-02-20 10:00"), window)
    values: dict[str, object] = {"assigned": "alice", "repository": "team/platform", "issue": 7, **fields}
    return replace(base, **values)


def test_approved_shows_the_before_items_with_who_ticked_them() -> None:
    ticks = (Tick("img-src-x-onerror-alert-1-snapshot", "ops<script>", utc("2027-03-02 17:30")),)
    lines = body(change(ChangeState.APPROVED, checklist=ticks)).splitlines()
    assert lines[lines.index("- Before the change:") :] == [
        "- Before the change:",
        "  - [x] &lt;img src=x onerror=alert(1)&gt; snapshot (ticked by ops&lt;script&gt;, Tue 02 Mar 17:30 GMT)",
        "  - [ ] stakeholders informed",
    ]


def test_after_the_change_every_phase_the_finish_and_the_overrun_are_shown() -> None:
    ticks = tuple(Tick(i.id, "alice", utc("2027-03-02 17:50")) for i in CHECKLIST.items[:3])
    done = change(
        ChangeState.COMPLETED,
        checklist=ticks,
        started_at=utc("2027-03-02 17:50"),
        finished_at=utc("2027-03-02 20:45"),
        monitoring_until=utc("2027-03-03 20:45"),
    )
    lines = body(done).splitlines()
    assert lines[lines.index("- Before the change:") :] == [
        "- Before the change:",
        "  - [x] &lt;img src=x onerror=alert(1)&gt; snapshot (ticked by alice, Tue 02 Mar 17:50 GMT)",
        "  - [x] stakeholders informed (ticked by alice, Tue 02 Mar 17:50 GMT)",
        "- During the change:",
        "  - [x] updates in #chg (ticked by alice, Tue 02 Mar 17:50 GMT)",
        "- After the change:",
        "  - [ ] success confirmed",
        "- Started: Tue 02 Mar 2027 17:50 GMT",
        "- Finished: Tue 02 Mar 2027 20:45 GMT (45 minutes after its window closed)",
        "- Monitored until: Wed 03 Mar 2027 20:45 GMT",
    ]


def test_under_review_shows_no_checklist() -> None:
    assert "Before the change" not in body(change(ChangeState.UNDER_REVIEW))
