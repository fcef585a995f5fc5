"""A test page in each vendor's format: every one says first that nothing is wrong and how to acknowledge
it (a reply naming its code, 1 in the call, its link), with no incident buttons and no incident number."""

from __future__ import annotations

from opsdesk.adapters.email.render import EmailRenderer
from opsdesk.adapters.slack.render import SlackRenderer
from opsdesk.adapters.twilio.render import SmsRenderer, VoiceRenderer, sms_length
from opsdesk.adapters.webhook_render import WebhookRenderer
from opsdesk.domain.notices import Page
from opsdesk.domain.people import People
from opsdesk.domain.rota import Engineer, EngineerId

BANNER = "TEST PAGE from opsdesk: nothing is wrong."
LINK = "https://opsdesk.example.org/ack/abc.def"
PEOPLE = People((Engineer(EngineerId("alice"), "Alice <Ops>", "alice@example.org", phone="+447911123456"),))


def a_test_page(ack_url: str = LINK) -> Page:
    return Page(
        EngineerId("alice"),
        "test",
        4821,
        "opsdesk",
        f"{BANNER} Code T4821.",
        0,
        0,
        ("slack", "email", "sms", "voice", "webhook"),
        "pagetest:T4821",
        "[opsdesk] TEST PAGE T4821: nothing is wrong",
        f"{BANNER}\nAcknowledge it: https://opsdesk.example.org/ack/email.link",
        ack_url=ack_url,
        test="T4821",
    )


def test_the_text_says_nothing_is_wrong_and_to_reply_with_the_code() -> None:
    body = SmsRenderer().render(a_test_page(), PEOPLE)["body"]
    assert body == f"{BANNER} Reply T4821 to this text to acknowledge it."
    assert sms_length(body) <= 153  # one segment


def test_the_call_says_so_and_leaves_press_1_to_the_call() -> None:
    spoken = VoiceRenderer().render(a_test_page(), PEOPLE)
    assert spoken == {
        "say": f"{BANNER} This call checks that opsdesk's pages reach Alice <Ops>.",
        "unattended": "To acknowledge, reply T4821 to the text.",
    }


def test_slack_shows_the_link_and_no_incident_buttons() -> None:
    message = SlackRenderer(buttons=True).render(a_test_page(), PEOPLE)
    assert message["text"] == f"{BANNER} Code T4821."
    assert [b["type"] for b in message["blocks"]] == ["section", "section"]
    assert message["blocks"][0]["text"]["text"].startswith(f"*{BANNER}*")
    assert f"<{LINK}|Acknowledge this test page>" in message["blocks"][1]["text"]["text"]
    without = SlackRenderer().render(a_test_page(ack_url=""), PEOPLE)
    assert "OPSDESK_PUBLIC_URL and OPSDESK_LINK_SECRET" in without["blocks"][1]["text"]["text"]


def test_email_and_webhook() -> None:
    email = EmailRenderer().render(a_test_page(), PEOPLE)
    assert email["subject"] == "[opsdesk] TEST PAGE T4821: nothing is wrong"
    assert email["text"].startswith(BANNER)
    hook = WebhookRenderer().render(a_test_page(), PEOPLE)
    assert hook["type"] == "page-test"
    assert hook["test"] == "T4821"
    assert hook["text"].startswith(BANNER)
    assert "incident" not in hook
