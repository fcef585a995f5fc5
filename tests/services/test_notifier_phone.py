"""The notifier's routes for a page by SMS and voice: to the engineer's phone, skipped without one."""

from __future__ import annotations

from opsdesk.adapters.slack.render import SlackRenderer
from opsdesk.adapters.twilio.render import SmsRenderer, VoiceRenderer
from opsdesk.domain.notices import Page
from opsdesk.domain.people import People
from opsdesk.domain.rota import Engineer, EngineerId
from opsdesk.services.notifier import Notifier, Renderer

PEOPLE = People.of(
    [
        Engineer(EngineerId("alice"), "Alice", "alice@example.org", phone="+447911123456"),
        Engineer(EngineerId("chen"), "Chen", "chen@example.org"),
    ]
)


def page(engineer: str, ways: tuple[str, ...]) -> Page:
    return Page(
        EngineerId(engineer), "primary", 4, "platform", "Disk full", 1, 1, ways, "page:4:c1s1", "s", "t"
    )


def routes(engineer: str, ways: tuple[str, ...], channels: frozenset[str]) -> list[tuple[str, str, str]]:
    renderers: dict[str, Renderer] = {
        "slack": SlackRenderer(),
        "sms": SmsRenderer(),
        "voice": VoiceRenderer(),
    }
    found = Notifier(channels, renderers, PEOPLE).messages(page(engineer, ways))
    return [(m.channel, m.destination, m.idempotency_key) for m in found]


def test_sms_and_voice_go_to_the_engineers_phone_each_under_its_own_key() -> None:
    assert routes("alice", ("sms", "voice"), frozenset({"log", "sms", "voice"})) == [
        ("sms", "+447911123456", "page:4:c1s1:sms"),
        ("voice", "+447911123456", "page:4:c1s1:voice"),
    ]


def test_an_engineer_without_a_phone_or_a_deployment_without_twilio_leaves_the_page_in_the_log() -> None:
    assert routes("chen", ("sms", "voice"), frozenset({"log", "sms", "voice"})) == [
        ("log", "chen", "page:4:c1s1:log")
    ]
    assert routes("alice", ("sms",), frozenset({"log"})) == [("log", "alice", "page:4:c1s1:log")]
