"""Pages as an SMS (two segments at most: 306 GSM-7 characters, 134 UCS-2) and as a call's spoken text."""

from __future__ import annotations

import pytest

from opsdesk.adapters.twilio.render import SmsRenderer, VoiceRenderer, fit, is_gsm, sms_length
from opsdesk.domain.notices import DirectMessage, Page
from opsdesk.domain.people import People
from opsdesk.domain.rota import Engineer, EngineerId

PEOPLE = People.of([Engineer(EngineerId("alice"), "Alice", "alice@example.org", phone="+447911123456")])
LONG = (
    "Checkout latency above 2 s on every node in eu-west-1; the load balancer is shedding requests "
    "and the queue behind it keeps growing. "
) * 3
UNICODE = (
    "Zahlungen schlagen fehl — Datenbank ☠ nicht erreichbar, bitte sofort prüfen, die Kunden können "
    "nicht bezahlen"
)


def page(summary: str, priority: str = "") -> Page:
    return Page(
        EngineerId("alice"),
        "primary",
        4,
        "platform",
        summary,
        1,
        1,
        ("sms",),
        "page:4:c1s1",
        "s",
        "t",
        priority,
    )


def test_a_p1_page_as_an_sms_and_a_call() -> None:
    body = SmsRenderer().render(page("Disk full on db-1", "P1"), PEOPLE)["body"]
    assert (
        body
        == "PAGE #4 P1 platform: Disk full on db-1\nReply 4 ack / 4 resolve\nYou: primary, cycle 1 step 1"
    )
    call = VoiceRenderer().render(page("Disk full on db-1.", "P1"), PEOPLE)
    assert call["say"] == (
        "This is opsdesk paging Alice, primary. Incident 4, priority P1, on platform: Disk full on db-1."
    )
    # Said after the page when the call cannot take a key (no public address: else "press 1").
    assert call["unattended"] == (
        "To acknowledge, reply 4 ack to the text, or run: opsdesk incident ack 4."
    )


def test_a_long_summary_is_cut_to_two_gsm_segments_keeping_how_to_acknowledge() -> None:
    body = SmsRenderer().render(page(LONG), PEOPLE)["body"]
    assert body == (
        "PAGE #4 platform: Checkout latency above 2 s on every node in eu-west-1; the load balancer is "
        "shedding requests and the queue behind it keeps growing. Checkout latency above 2 s on every node "
        "in eu-west-1; the load balancer is shedding requests and t...\n"
        "Reply 4 ack / 4 resolve\nYou: primary, cycle 1 step 1"
    )
    assert (is_gsm(body), sms_length(body)) == (True, 306)
    say = VoiceRenderer().render(page(LONG), PEOPLE)["say"]
    assert say.endswith(
        "the load balancer is shedding requests and the queue behind it keeps growing. Checkout "
        "latency above 2 s on."
    )


def test_one_character_outside_gsm_makes_the_limit_134() -> None:
    body = SmsRenderer().render(page(UNICODE, "P2"), PEOPLE)["body"]
    assert body == (
        "PAGE #4 P2 platform: Zahlungen schlagen fehl — Datenbank ☠ nicht erreichbar, b...\n"
        "Reply 4 ack / 4 resolve\nYou: primary, cycle 1 step 1"
    )
    assert (is_gsm(body), sms_length(body)) == (False, 134)


@pytest.mark.parametrize(
    ("text", "gsm", "length"),
    [
        ("plain", True, 5),
        ("café £5 @home", True, 13),  # é, £ and @ are GSM-7
        ("{braces} €", True, 13),  # the extension table counts twice
        ("ç", False, 1),  # lower-case ç is not GSM-7 (upper-case Ç is)
        ("fire 🔥", False, 7),  # an emoji is two UTF-16 units
    ],
)
def test_the_counting_rule(text: str, gsm: bool, length: int) -> None:
    assert (is_gsm(text), sms_length(text)) == (gsm, length)


def test_a_summary_with_room_is_left_whole_and_one_without_is_dropped() -> None:
    assert fit("a ", "b", " c") == "a b c"
    assert fit("x" * 301, "summary", " y") == "x" * 301 + "... y"  # 306: no room for a letter


def test_the_renderers_take_pages_only() -> None:
    with pytest.raises(TypeError, match="pages only"):
        SmsRenderer().render(DirectMessage(EngineerId("alice"), "s", "t", "k"), PEOPLE)
