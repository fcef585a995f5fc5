"""A briefing as plain text (an email, `opsdesk handover show`): the line that matters first, the stretch
said plainly, empty sections said briefly, how to acknowledge last, and outside text made harmless."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import timedelta

import pytest

from opsdesk.adapters.email.briefing import briefing_text
from opsdesk.domain.handover.model import (
    Briefing,
    CoverSpan,
    IncidentLine,
    Missed,
    PageLine,
    Timeliness,
)
from tests.adapters.briefing_cases import (
    BILAL,
    CHEN,
    LONDON,
    P1_PAYMENTS,
    P3_SEARCH,
    POSTGRES,
    at,
    bank_holiday_handover,
    digest_failed,
    hand_back,
    hostile,
    late_handover,
    notice,
    turn_change,
    wednesday_handover,
)


def lines(briefing: Briefing, handover: int | None = 12) -> list[str]:
    return briefing_text(briefing, handover, LONDON)[1].splitlines()


def test_a_handover_opens_with_who_receives_it_and_what_is_waiting() -> None:
    briefing = replace(wednesday_handover(), incidents=(P1_PAYMENTS, P3_SEARCH))
    subject, body = briefing_text(notice(briefing))
    assert subject == "Handover to Bilal (primary) and Chen (secondary): 2 open incidents, 1 change tonight"
    assert body.splitlines()[:2] == [subject, "From Alice. Covers Wed 2 Dec 16:00 to Thu 3 Dec 09:00."]
    assert (
        body.splitlines()[-1] == "Acknowledge: `opsdesk handover ack 12` (or POST `/api/v1/handovers/12/ack`)"
    )


def test_the_bank_holiday_weekend_is_said_plainly_with_the_pair_that_takes_over() -> None:
    assert lines(bank_holiday_handover())[:3] == [
        "Handover to Bilal (primary) and Chen (secondary): no open incidents, 2 changes this weekend",
        "From Alice. Covers Fri 28 May 16:00 to Tue 1 Jun 09:00 (bank holiday Mon 31 May).",
        "On call: Bilal and Chen until Mon 31 May 09:00, then Dana and Eve.",
    ]


def test_a_stretch_across_the_clock_change_says_each_end_s_zone() -> None:
    start, end = at("2026-10-23 16:00"), at("2026-10-26 09:00")
    briefing = replace(
        wednesday_handover(),
        at=start,
        start=start,
        end=end,
        cover=(CoverSpan(start, end, "on-call", BILAL, CHEN),),
    )
    assert "Covers Fri 23 Oct 16:00 BST to Mon 26 Oct 09:00 GMT." in lines(briefing)[1]


def test_a_late_briefing_says_so_on_its_second_line() -> None:
    assert lines(late_handover())[1] == "(late: opsdesk was down at 16:00)"


def test_empty_sections_say_so_briefly() -> None:
    said = lines(late_handover())
    for empty in (
        "No open incidents.",
        "No changes tonight.",
        "No alarms in the last 24 hours.",
        "No notes.",
    ):
        assert f"  {empty}" in said
    assert not any(line.startswith("Changes still watched") for line in said)  # nobody wonders about these


def test_incidents_keep_the_order_they_come_in_and_a_deferred_one_shows_its_plan() -> None:
    said = lines(wednesday_handover())
    start = said.index("Open incidents (3)")
    assert said[start + 1 : start + 5] == [
        "  - P1 #41 payments: Card payments failing for 3% of checkouts",
        "      Opened Wed 2 Dec 10:02; acknowledged by alice; lead alice",
        "  - P3 #38 search: Slow search queries",
        "      Deferred. Informed: The search team (#search), 07:30",
    ]


def test_a_hand_back_puts_deferred_incidents_first_and_says_how_fast_pages_were_answered() -> None:
    pages = (
        PageLine(45, "bilal", "primary", at("2026-12-03 01:51"), timedelta(seconds=40)),
        *hand_back().pages,
    )
    said = lines(replace(hand_back(), pages=pages))
    assert said[0] == (
        "Hand-back to Dana from Bilal and Chen: 1 deferred incident for you, 1 still open, 1 resolved, "
        "4 pages (1 never acknowledged), 1 change rolled back"
    )
    assert said[3] == "Deferred: yours now (1)"
    assert [line.rsplit(": ", 1)[1] for line in said if line.startswith("  - #4") and " at " in line] == [
        "acknowledged after 40 s",
        "acknowledged after 4 min",
        "acknowledged after 1 h 5 min",
        "never acknowledged",
    ]


def test_a_quiet_night_says_so() -> None:
    quiet = replace(hand_back(), incidents=(), pages=(), changes=())
    said = lines(quiet)
    assert said[0] == "Hand-back to Dana from Bilal and Chen: no incidents, no pages"
    assert "  No incidents in this stretch." in said
    assert "  No pages." in said


def test_a_turn_change_names_both_pairs_and_the_leave_ahead() -> None:
    said = lines(turn_change())
    assert said[0] == (
        "Turn change: Bilal and Chen → Dana (primary) and Eve (secondary): 1 open incident, 1 change this week"
    )
    assert "  - Chen: Wed 9 Dec to Fri 11 Dec (conference)" in said
    assert "  - Alice: Mon 14 Dec" in said


def test_a_digest_tells_of_a_missed_handover_and_how_to_read_it() -> None:
    said = lines(digest_failed())
    assert said[0].endswith("; 1 briefing missed")
    assert said[3] == (
        "  - The 16:00 handover on Wed 2 Dec was missed: opsdesk was down and nothing was sent; read what it "
        "holds with `opsdesk handover show --date 2026-12-02`"
    )
    assert "  - GitHub did not answer (HTTP 503) for acme/api: the next digest tries again" in said
    assert said[-1] == "A digest is for reading: nothing to acknowledge."


def test_a_missed_hand_back_is_read_with_its_kind() -> None:
    briefing = replace(digest_failed(), missed=(Missed("hand-back", at("2026-12-02 09:00")),))
    assert "`opsdesk handover show --date 2026-12-02 --kind hand-back`" in lines(briefing)[3]


@pytest.mark.parametrize(
    ("handover", "timeliness", "last"),
    [
        (None, Timeliness.ON_TIME, "A preview, not kept: nothing to acknowledge."),
        (12, Timeliness.MISSED, "Never sent, so there is nothing to acknowledge."),
    ],
)
def test_what_cannot_be_acknowledged_says_why(
    handover: int | None, timeliness: Timeliness, last: str
) -> None:
    assert lines(replace(wednesday_handover(), timeliness=timeliness), handover)[-1] == last


def test_a_briefing_alone_needs_a_time_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        briefing_text(wednesday_handover())


def test_hostile_text_cannot_reach_the_terminal_or_stretch_a_line() -> None:
    subject, body = briefing_text(notice(hostile()))
    assert "\x1b" not in body
    assert not [c for c in body if unicodedata.category(c) in ("Cc", "Cf") and c != "\n"]
    assert max(len(line) for line in body.splitlines()) < 400
    assert "  - P1 #41 pay`ments: <!channel> ```rm -rf```" in body  # shown as written, in plain text
    assert "…" in body
    assert "\n" not in subject


def test_a_summary_is_cut_with_an_ellipsis() -> None:
    long = IncidentLine(1, "api", "word " * 100, "triggered", "P2", at("2026-12-02 10:00"))
    item = next(line for line in lines(replace(wednesday_handover(), incidents=(long,))) if "#1 api" in line)
    assert item.endswith("…")
    assert len(item) < 200


def test_only_the_stretch_s_changes_are_counted_as_tonight_s() -> None:
    briefing = replace(wednesday_handover(), changes=(POSTGRES, replace(POSTGRES, id=9, what="monitoring")))
    assert lines(briefing)[0].endswith("1 change tonight")
