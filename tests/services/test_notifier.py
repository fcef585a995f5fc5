"""The notifier's routes for a briefing: one post to the team's channel and a copy to each recipient, by
Slack, email or the log as the deployment has them set up, each under its own outbox key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.db.unit_of_work import SqlOutboxWriter
from opsdesk.adapters.email.render import EmailRenderer
from opsdesk.adapters.github.render import GitHubRenderer
from opsdesk.adapters.pagerduty.render import PagerDutyRenderer
from opsdesk.adapters.slack.channel import SlackChannel
from opsdesk.adapters.slack.render import SlackRenderer
from opsdesk.domain.notices import DirectMessage, HandoverNotice, MessageUpdate
from opsdesk.domain.rota import EngineerId
from opsdesk.services.notifier import Notifier, Renderer
from tests.adapters.briefing_cases import PEOPLE, notice, wednesday_handover
from tests.fake_slack import TOKEN, FakeSlack

NOW = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
HEADLINE = "Handover to Bilal (primary) and Chen (secondary): 3 open incidents, 1 change tonight"


def notifier(*channels: str) -> Notifier:
    renderers: dict[str, Renderer] = {
        "slack": SlackRenderer(),
        "email": EmailRenderer(),
        "pagerduty": PagerDutyRenderer(),
        "github": GitHubRenderer(),
    }
    return Notifier(frozenset(channels), renderers, PEOPLE)


def routes(found: Notifier, handover: HandoverNotice) -> list[tuple[str, str, str]]:
    return [(m.channel, m.destination, m.idempotency_key) for m in found.messages(handover)]


def test_with_slack_and_email_the_channel_gets_blocks_and_each_receiver_a_copy() -> None:
    handover = notice(wednesday_handover())  # Bilal has a Slack id, Chen has not
    messages = notifier("slack", "email").messages(handover)
    assert [(m.channel, m.destination, m.idempotency_key) for m in messages] == [
        ("slack", "#ops-team", "handover:12:channel"),
        ("slack", "UBILAL", "handover:12:bilal:slack"),
        ("email", "chen@example.org", "handover:12:chen:email"),
    ]
    assert messages[0].payload["blocks"][0]["text"]["text"] == HEADLINE
    assert messages[2].payload["subject"] == HEADLINE
    assert messages[2].payload["text"].startswith(HEADLINE + "\n")


def test_without_slack_the_post_is_logged_and_copies_go_by_email() -> None:
    handover = notice(wednesday_handover())
    assert routes(notifier("email"), handover) == [
        ("log", "#ops-team", "handover:12:channel"),
        ("email", "bilal@example.org", "handover:12:bilal:email"),
        ("email", "chen@example.org", "handover:12:chen:email"),
    ]


def test_with_nothing_set_up_everything_is_in_the_log_in_slack_form() -> None:
    handover = replace(notice(wednesday_handover()), channel=None)
    messages = notifier().messages(handover)
    assert [(m.channel, m.destination, m.idempotency_key) for m in messages] == [
        ("log", "handover", "handover:12:channel"),
        ("log", "bilal", "handover:12:bilal:log"),
        ("log", "chen", "handover:12:chen:log"),
    ]
    assert all("blocks" in m.payload for m in messages)


def test_a_team_without_a_channel_is_logged_under_handover_even_with_slack() -> None:
    handover = replace(notice(wednesday_handover()), channel=None)
    assert routes(notifier("slack"), handover)[0] == ("log", "handover", "handover:12:channel")


def test_a_recipient_not_on_the_team_gets_nothing_and_the_rest_still_do() -> None:
    handover = replace(notice(wednesday_handover()), recipients=(EngineerId("gone"), EngineerId("dana")))
    assert routes(notifier("slack"), handover) == [
        ("slack", "#ops-team", "handover:12:channel"),
        ("slack", "UDANA", "handover:12:dana:slack"),
    ]


def test_a_direct_message_keeps_its_keys() -> None:
    reminder = DirectMessage(EngineerId("chen"), "Reminder", "Acknowledge the handover", "remind:12")
    assert [(m.channel, m.destination, m.idempotency_key) for m in notifier("email").messages(reminder)] == [
        ("email", "chen@example.org", "remind:12:email")
    ]


def test_the_messages_are_stored_once_and_read_back_whole(db: Engine) -> None:
    handover = notice(wednesday_handover())
    sending = notifier("slack", "email")
    for _ in range(2):  # the same briefing again (a retried job) adds nothing
        with db.begin() as connection:
            sending.send(SqlOutboxWriter(connection), handover, NOW)
    rows = SqlOutbox(db).rows()
    assert sorted(r.message.idempotency_key for r in rows) == [
        "handover:12:bilal:slack",
        "handover:12:channel",
        "handover:12:chen:email",
    ]
    posted = next(r.message for r in rows if r.message.idempotency_key == "handover:12:channel")
    assert posted.payload == sending.messages(handover)[0].payload


def test_slack_receives_the_blocks(fake_slack: FakeSlack) -> None:
    message = notifier("slack").messages(notice(wednesday_handover()))[0]
    SlackChannel(TOKEN, fake_slack.url).send(message)
    delivered = fake_slack.delivered[0]
    assert delivered["channel"] == "#ops-team"
    assert delivered["blocks"] == message.payload["blocks"]
    assert delivered["text"] == (
        "Handover to <@UBILAL> (primary) and Chen (secondary): 3 open incidents, 1 change tonight"
    )


def test_a_message_update_goes_to_slack_when_set_up_else_to_the_log() -> None:
    update = MessageUpdate(
        "C0ALERTS", "1733.0001", "Incident #7: Disk full (resolved by alice)", "update:7", 7
    )
    (slack,) = notifier("log", "slack").messages(update)
    assert (slack.channel, slack.destination, slack.idempotency_key) == ("slack", "C0ALERTS", "update:7")
    assert slack.payload["update_ts"] == "1733.0001"
    (logged,) = notifier("log", "email").messages(update)
    assert (logged.channel, logged.destination, logged.payload["text"]) == ("log", "C0ALERTS", update.text)
