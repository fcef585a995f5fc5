"""A briefing as Slack blocks: within Slack's limits however much there is to say, the receivers mentioned,
and outside text unable to ping, link, open code spans or reorder itself."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from opsdesk.adapters.briefing.draft import Item, Section
from opsdesk.adapters.briefing.kinds import draft
from opsdesk.adapters.slack.briefing import blocks
from opsdesk.adapters.slack.render import SlackRenderer
from opsdesk.domain.handover.model import (
    AlarmCount,
    Briefing,
    GitHubItem,
    GitHubSection,
    IncidentLine,
    Note,
    Timeliness,
)
from tests.adapters.briefing_cases import (
    BILAL,
    LONDON,
    PEOPLE,
    POSTGRES,
    at,
    digest_ok,
    hand_back,
    hostile,
    notice,
    wednesday_handover,
)


def render(briefing: Briefing, handover: int = 12) -> dict[str, Any]:
    return SlackRenderer().render(notice(briefing, handover), PEOPLE)


def texts(payload: dict[str, Any]) -> list[str]:
    """Every mrkdwn text of the blocks."""
    found = []
    for block in payload["blocks"]:
        if block["type"] == "section":
            found.append(block["text"]["text"])
        found += [e["text"] for e in block.get("elements", []) if e["type"] == "mrkdwn"]
    return found


def assert_within_limits(payload: dict[str, Any]) -> None:
    blocks = payload["blocks"]
    assert len(blocks) <= 50
    assert {b["type"] for b in blocks} <= {"header", "section", "context", "divider", "actions"}
    header = blocks[0]["text"]
    assert blocks[0]["type"] == "header"
    assert header["type"] == "plain_text"
    assert 0 < len(header["text"]) <= 150
    for block in blocks:
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= 3000
            assert block["text"]["verbatim"] is True


def incidents(count: int) -> tuple[IncidentLine, ...]:
    return tuple(
        IncidentLine(
            n, f"service-{n % 7}", f"Disk filling on node {n}", "triggered", "P2", at("2026-12-02 10:00")
        )
        for n in range(1, count + 1)
    )


def test_three_hundred_incidents_stay_within_fifty_blocks_and_say_how_many_more() -> None:
    payload = render(replace(wednesday_handover(), incidents=incidents(300)))
    assert_within_limits(payload)
    section = next(t for t in texts(payload) if t.startswith("*Open incidents (300)*"))
    assert section.count("\n• ") == 15
    assert section.endswith("… and 285 more: `opsdesk handover show 12`")
    assert payload["text"].startswith(
        "Handover to <@UBILAL> (primary) and Chen (secondary): 300 open incidents"
    )


def test_everything_at_once_stays_within_the_limits_and_every_section_still_shows() -> None:
    long_note = "\n".join(f"{n} " + "y" * 1990 for n in range(20))
    crowded = replace(
        wednesday_handover(),
        incidents=incidents(300),
        changes=tuple(replace(POSTGRES, id=n, instructions=long_note) for n in range(300)),
        alarms=tuple(AlarmCount(f"s{n}", n, (("k" * 300, n),)) for n in range(300)),
        notes=tuple(Note(n, at("2026-12-02 15:00"), "alice", long_note) for n in range(300)),
    )
    payload = render(crowded)
    assert_within_limits(payload)
    headings = [t.split("*")[1] for t in texts(payload) if t.startswith("*")]
    assert headings == [
        "Open incidents (300)",
        "Changes tonight (300)",
        "Alarms in the last 24 hours (44850)",
        "Notes (300)",
    ]
    assert "      … (cut short: `opsdesk handover show 12`)" in texts(payload)[2].splitlines()
    assert texts(payload)[-2].endswith(
        "Acknowledge: `opsdesk handover ack 12` (or POST `/api/v1/handovers/12/ack`)"
    )
    assert payload["blocks"][-2]["elements"][0]["action_id"] == "handover:acknowledge"  # never crowded out


def test_more_sections_than_fit_are_cut_short_before_how_to_acknowledge() -> None:
    made = draft(wednesday_handover(), 12, LONDON)
    many = tuple(Section(f"Part {n}", (Item(("x" * 2000,)),) * 3) for n in range(30))
    blocks_made = blocks(replace(made, sections=many), PEOPLE)
    assert_within_limits({"blocks": blocks_made})
    said = texts({"blocks": blocks_made})
    assert said[-3] == "… cut short here: `opsdesk handover show 12`"
    assert said[-2].endswith("(or POST `/api/v1/handovers/12/ack`)")


def test_a_long_headline_is_cut_to_the_header_s_limit() -> None:
    briefing = replace(
        wednesday_handover(), primary=replace(BILAL, name="B" * 200), secondary=replace(BILAL, name="C" * 200)
    )
    header = render(briefing)["blocks"][0]["text"]["text"]
    assert len(header) == 150
    assert header.endswith("…")


def test_receivers_are_mentioned_where_slack_knows_them_and_named_where_it_does_not() -> None:
    payload = render(wednesday_handover())
    assert texts(payload)[-2].startswith("For <@UBILAL> and Chen:\nAcknowledge:")
    assert payload["blocks"][0]["text"]["text"].startswith("Handover to Bilal (primary) and Chen")


def test_a_hand_back_mentions_the_support_engineer_and_a_digest_nobody() -> None:
    assert render(hand_back())["text"].startswith("Hand-back to <@UDANA> from Bilal and Chen:")
    digest = render(digest_ok())
    assert "<@" not in digest["text"]
    assert not any("<@" in t for t in texts(digest))


def test_outside_text_cannot_ping_link_open_code_or_reorder() -> None:
    payload = render(hostile())
    assert_within_limits(payload)
    every = "\n".join([payload["text"], payload["blocks"][0]["text"]["text"], *texts(payload)])
    assert "<!channel>" not in every
    assert "&lt;!channel&gt;" in every
    assert "```" not in every
    assert "pay`ments" not in every
    assert not re.search(r"[\u202a-\u202e\u2066-\u2069\x00-\x09\x0b-\x1f\x7f]", every)
    # The only angle-bracket markup left is opsdesk's own: the receiver's mention.
    assert set(re.findall(r"<[^>]*>", every)) == {"<@UBILAL>"}
    assert "Mal\ufffdlory &lt;@U0ADMIN&gt;" in every


def test_github_items_link_only_to_plain_https_addresses() -> None:
    good = GitHubItem("acme/api", 1, "Bump x", "https://github.com/acme/api/pull/1")
    bad = GitHubItem("acme/api", 2, "Bump y", "https://github.com/acme/api/pull/2|<!here>")
    worse = GitHubItem("acme/api", 3, "Bump z", "javascript:alert(1)")
    briefing = replace(digest_ok(), github=GitHubSection("ok", pull_requests=(good, bad, worse)))
    section = next(t for t in texts(render(briefing)) if t.startswith("*Dependabot"))
    assert section.splitlines()[1:] == [
        "• acme/api#1 <https://github.com/acme/api/pull/1|Bump x>",
        "• acme/api#2 Bump y",
        "• acme/api#3 Bump z",
    ]


def test_a_late_briefing_says_so_under_the_header_and_in_the_notification() -> None:
    payload = render(replace(wednesday_handover(), timeliness=Timeliness.LATE))
    assert texts(payload)[0].startswith("*(late: opsdesk was down at 16:00)*\nFrom Alice.")
    assert payload["text"].endswith(" (late: opsdesk was down at 16:00)")


def test_a_page_waiting_hours_reads_in_hours() -> None:
    pages = (replace(hand_back().pages[0], acknowledged_after=timedelta(hours=2)),)
    section = next(t for t in texts(render(replace(hand_back(), pages=pages))) if t.startswith("*Pages"))
    assert section.endswith("acknowledged after 2 h")
