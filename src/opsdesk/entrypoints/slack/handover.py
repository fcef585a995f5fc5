"""The handover in Slack: the Acknowledge button on a briefing's messages, pressed by a receiver (known by
their Slack id), acknowledges through the handover service as `opsdesk handover ack` does, the record
saying `slack`, and the message is rewritten in place through the outbox; a press is taken in once (by
its trigger id and action time). `/opsdesk handover` shows today's briefing and `/opsdesk handover note
TEXT` adds a note for the next one, as the engineer who sent it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from opsdesk.adapters.email.briefing import briefing_text
from opsdesk.adapters.slack.handover_blocks import ACKNOWLEDGE
from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.errors import DomainError, UnknownHandoverError
from opsdesk.domain.handover.acks import name
from opsdesk.domain.handover.model import HandoverRecord
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.slack.incidents import pressed_message
from opsdesk.entrypoints.slack.modals import Asked, press_receipt
from opsdesk.entrypoints.slack.people import NOT_ON_ROTA, engineer_of
from opsdesk.entrypoints.slack.replies import tell

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.slack")
BODY_TEXT = 2500  # of the briefing shown in `/opsdesk handover`'s answer; the CLI shows the whole
USAGE = (
    "`/opsdesk handover` shows today's briefing; `/opsdesk handover note TEXT` adds a note for the next "
    "handover."
)


def register(bolt: App, application: Callable[[], Application]) -> None:
    """The Acknowledge button on briefings (registered before the incidents' answer to unknown buttons)."""

    @bolt.action(ACKNOWLEDGE)
    def acknowledge_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        said = press(application(), body, action)
        if said is not None:
            tell(body, said)


def press(app: Application, body: dict[str, Any], action: dict[str, Any]) -> str | None:
    """Acknowledge as pressed; what to tell the presser, or None when it was taken in before (a retry)."""
    engineer = engineer_of(app.people, body)
    if engineer is None:
        return NOT_ON_ROTA
    value = str(action.get("value") or "")
    if not value.isdigit() or len(value) > 18:
        return f"This button names no briefing ({slack_escape(value[:40])!r}): nothing was done."
    receipt = press_receipt(body, action)
    actor = Actor(engineer.id, Source.SLACK)
    try:
        done = app.handovers.acknowledge_from_message(
            int(value), engineer.id, actor, receipt, pressed_message(body)
        )
    except DomainError as exc:
        return slack_escape(str(exc))
    if done is None:
        logger.info("a Slack button press taken in before was ignored", extra={"receipt": receipt})
        return None
    return f"{name(done).capitalize()} acknowledged by you."


def command(app: Application, text: str, asked: Asked) -> str:
    """What `/opsdesk handover <text>` answers to the Slack user who sent it."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return today(app)
    if words[0].lower() == "note":
        return note(app, words[1] if len(words) > 1 else "", asked.user)
    return f"`/opsdesk handover {slack_escape(words[0][:40])}` is not a subcommand. {USAGE}"


def note(app: Application, text: str, user: str) -> str:
    """A note for the next handover, as the engineer with this Slack id (refused to anyone else)."""
    engineer = app.people.by_slack(user)
    if engineer is None:
        return NOT_ON_ROTA
    try:
        kept = app.handovers.note(text, Actor(engineer.id, Source.SLACK))
    except DomainError as exc:
        return slack_escape(str(exc))
    return f"Note {kept.id} kept for the next handover: it is shown in it."


def today(app: Application) -> str:
    """Today's handover (the team's date) as `opsdesk handover show` says it, cut short; none made today,
    the preview of the next one as `opsdesk handover preview` says it."""
    tz = app.cover.timezone
    now = app.clock.now()
    try:
        record = app.handovers.on(now.astimezone(tz).date())
    except UnknownHandoverError:
        record = None
    try:
        briefing = record.briefing if record is not None else app.handovers.preview(now)
    except DomainError as exc:
        return slack_escape(str(exc))
    subject, body = briefing_text(briefing, record.id if record else None, tz)
    state = _state(record, app) if record is not None else "(preview: nothing kept or sent)"
    shown = body if len(body) <= BODY_TEXT else body[: BODY_TEXT - 1] + "…"
    whole = f"`opsdesk handover show {record.id}`" if record else "`opsdesk handover preview`"
    code = slack_escape(shown).replace("```", "ˋˋˋ")
    return f"*{slack_escape(subject)}*\n{state}\n```\n{code}\n```\nThe whole briefing: {whole}"


def _state(record: HandoverRecord, app: Application) -> str:
    ack = record.acknowledgement
    if ack is None:
        return "Not acknowledged yet." if record.kind.acknowledged else ""
    when = ack.at.astimezone(app.cover.timezone)
    return slack_escape(f"Acknowledged by {ack.by} at {when:%a %d %b %H:%M} (from {ack.via}).")
