"""A message rewritten in place: the Slack renderer's incident buttons and `chat.update` through the Slack
channel, against the local fake of Slack's Web API (as Slack documents chat.update and its errors)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsdesk.adapters.slack.channel import SlackChannel
from opsdesk.adapters.slack.render import SlackRenderer
from opsdesk.domain.notices import ChannelPost, MessageUpdate, Page
from opsdesk.domain.outbox import Arrival, DeliveryError, OutgoingMessage
from opsdesk.domain.people import People
from opsdesk.domain.rota import Engineer, EngineerId
from tests.fake_slack import TOKEN, FakeSlack

PEOPLE = People.of([Engineer(EngineerId("alice"), "Alice", "alice@example.org", slack="UALICE")])


def _buttons(payload: dict[str, object]) -> list[tuple[str, str]]:
    blocks = payload["blocks"]
    assert isinstance(blocks, list)
    actions = [b for b in blocks if b["type"] == "actions"]
    return [(e["action_id"], e["value"]) for a in actions for e in a["elements"]]


def test_a_page_and_an_opening_post_carry_the_incident_buttons() -> None:
    page = Page(
        EngineerId("alice"),
        "primary",
        7,
        "platform",
        "Disk <full>",
        1,
        1,
        ("slack",),
        "page:7",
        "s",
        "Page: Disk <full>",
    )
    rendered = SlackRenderer().render(page, PEOPLE)
    assert rendered["text"] == "PAGE #7 platform: Disk &lt;full&gt;"
    assert _buttons(rendered) == [
        ("incident:acknowledge", "7"),
        ("incident:resolve", "7"),
        ("incident:defer", "7"),
    ]
    post = ChannelPost(
        "#alerts", "Incident #7: Disk full.", "post:7:opened", "platform", EngineerId("alice"), 7
    )
    rendered = SlackRenderer().render(post, PEOPLE)
    assert rendered["text"] == "Incident #7: Disk full. <@UALICE>"
    assert rendered["blocks"][0]["text"]["text"] == "Incident #7: Disk full. <@UALICE>"
    assert _buttons(rendered) == [
        ("incident:acknowledge", "7"),
        ("incident:resolve", "7"),
        ("incident:defer", "7"),
    ]
    later = ChannelPost("#alerts", "#7 acknowledged by alice", "post:7:acknowledged", "platform")
    assert SlackRenderer().render(later, PEOPLE) == {"text": "#7 acknowledged by alice"}
    # Without the Slack app to answer them, no buttons: the same text alone.
    alone = SlackRenderer(buttons=False).render(page, PEOPLE)
    assert (alone["text"], _buttons(alone)) == ("PAGE #7 platform: Disk &lt;full&gt;", [])
    assert SlackRenderer(buttons=False).render(post, PEOPLE) == {"text": "Incident #7: Disk full. <@UALICE>"}


def _posted(fake: FakeSlack) -> tuple[str, str]:
    SlackChannel(TOKEN, fake.url).send(
        OutgoingMessage("slack", "C0ALERTS", {"text": "Incident #7"}, "post:7")
    )
    return str(fake.delivered[0]["_conversation"]), str(fake.delivered[0]["ts"])


def test_an_update_is_sent_as_chat_update_of_that_message(fake_slack: FakeSlack) -> None:
    channel, ts = _posted(fake_slack)
    notice = MessageUpdate(
        channel, ts, "Incident #7: Disk full (acknowledged by alice)", "update:7", 7, ("resolve",)
    )
    payload = SlackRenderer().render(notice, PEOPLE)
    message = OutgoingMessage("slack", channel, payload, "update:7")
    reference = SlackChannel(TOKEN, fake_slack.url).send(message)
    assert reference == {"channel": channel, "ts": ts}
    (update,) = fake_slack.updates
    assert (update["channel"], update["ts"], update["text"]) == (channel, ts, notice.text)
    assert _buttons(update) == [("incident:resolve", "7")]
    assert len(fake_slack.delivered) == 1  # rewritten, not posted again
    # An update in doubt is sent again: twice leaves the message as once.
    assert SlackChannel(TOKEN, fake_slack.url).arrival(message, datetime.now(UTC)) is Arrival.SEND


@pytest.mark.parametrize(
    ("status", "body", "permanent"),
    [
        (200, {"ok": False, "error": "message_not_found"}, True),
        (200, {"ok": False, "error": "cant_update_message"}, True),
        (200, {"ok": False, "error": "edit_window_closed"}, True),
        (503, {"ok": False, "error": "service_unavailable"}, False),
        (429, {"ok": False, "error": "ratelimited"}, False),
    ],
)
def test_update_failures_say_whether_to_retry(
    fake_slack: FakeSlack, status: int, body: dict[str, object], permanent: bool
) -> None:
    channel, ts = _posted(fake_slack)
    fake_slack.update_script.append((status, body, {"Retry-After": "3"} if status == 429 else {}))
    payload = SlackRenderer().render(MessageUpdate(channel, ts, "resolved", "update:7", 7), PEOPLE)
    with pytest.raises(DeliveryError) as caught:
        SlackChannel(TOKEN, fake_slack.url).send(OutgoingMessage("slack", channel, payload, "update:7"))
    assert caught.value.permanent is permanent
    assert fake_slack.updates == []


def test_an_update_of_a_message_slack_does_not_hold_is_not_retried(fake_slack: FakeSlack) -> None:
    channel, _ = _posted(fake_slack)
    payload = SlackRenderer().render(MessageUpdate(channel, "1.000001", "resolved", "update:7", 7), PEOPLE)
    with pytest.raises(DeliveryError, match="message_not_found") as caught:
        SlackChannel(TOKEN, fake_slack.url).send(OutgoingMessage("slack", channel, payload, "update:7"))
    assert caught.value.permanent


def test_a_slack_id_is_someone_only_through_engineers_slack() -> None:
    people = People.of(
        [
            Engineer(EngineerId("alice"), "Alice", "alice@example.org", slack="UALICE"),
            Engineer(EngineerId("UBOB"), "Bob", "bob@example.org"),  # an id that reads like a Slack id
        ]
    )
    assert people.by_slack("UALICE") == people.by_id("alice")
    assert people.by_slack("UBOB") is None
    assert people.by_slack("ualice") is None  # Slack ids are exact
    assert people.by_slack("") is None
