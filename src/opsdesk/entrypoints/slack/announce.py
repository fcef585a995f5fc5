"""Announcements from Slack: `/opsdesk announce [TITLE]`, by an engineer of the team (known by their Slack
id), opens a form with what `opsdesk announce post` takes (the kind, a title, a body, an optional mention,
incident or change request, start and next update, read as the CLI reads them). Submitted, it announces
through the announcement service as that engineer, so the checks and the mention budget are the CLI's; a
refusal keeps the form open with the reason under the field it is about. A submission is taken in once (by
its view's id, in the same unit of work as the announcement), so a double submit announces once.

Once announced, the form turns into a confirmation (the acknowledgement's `update`: no call to Slack of
its own), and the post itself reaches the update channel, then the ask channel, through the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from opsdesk.domain.announcements.model import TITLE_LIMIT, Announcement, AnnouncementKind, Mention, Request
from opsdesk.domain.announcements.schedule import next_update as read_next_update
from opsdesk.domain.errors import DomainError, InvalidInstantError
from opsdesk.domain.instants import EXAMPLE, parse_instant
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.slack.modals import (
    Asked,
    errors,
    modal,
    open_view,
    option,
    plain,
    select,
    text_input,
    values,
    view_receipt,
)
from opsdesk.entrypoints.slack.people import NOT_ON_ROTA, engineer_of

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.slack")
CALLBACK = "announce:new"
KIND, TITLE, BODY, MENTION = "kind", "title", "body", "mention"
INCIDENT, CHANGE, STARTS, NEXT = "incident", "change", "starts_at", "next_update"
NO_MENTION = "none"
FIELD_TEXT = 64  # the longest number or time read from a field (the API's limit on a time)
STARTS_HINT = f"When the work starts (not for an incident update): {EXAMPLE}."
NEXT_HINT = (
    "When the next update will come (not for scheduled work; needs an incident or change request): "
    "30m, 2h, 1h30m, or an instant such as 2026-12-24T16:00."
)
ABOUT: tuple[tuple[str, Callable[[str], bool]], ...] = (  # a refusal's words -> its field, first match
    (TITLE, lambda said: said.startswith(("the title", "a title"))),
    (BODY, lambda said: said.startswith(("the body", "a body"))),
    (MENTION, lambda said: "@here" in said or "@channel" in said),
    (NEXT, lambda said: "next update" in said),
    (STARTS, lambda said: "start" in said),
    (CHANGE, lambda said: "no change request #" in said),
    (INCIDENT, lambda said: "incident" in said),
)


class UnreadableError(Exception):
    """A field of the form that cannot be read: the block it is in, and why (plain text)."""

    def __init__(self, block: str, reason: str) -> None:
        super().__init__(reason)
        self.block = block
        self.reason = reason


@dataclass(frozen=True)
class Submitted:
    """What a submission acknowledges: a field's errors, or the view to show (None: close the form)."""

    errors: dict[str, str] | None = None
    confirmation: dict[str, Any] | None = None


def register(bolt: App, application: Callable[[], Application]) -> None:
    """The form's submission."""

    @bolt.view(CALLBACK)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        outcome = submit(application(), body, view)
        if outcome.errors:
            ack(**errors(**outcome.errors))
        elif outcome.confirmation is not None:
            ack(response_action="update", view=outcome.confirmation)
        else:
            ack()


def command(app: Application, text: str, asked: Asked) -> str:
    """What `/opsdesk announce [TITLE]` answers ("": nothing, the form was opened, its title filled)."""
    if app.people.by_slack(asked.user) is None:
        return NOT_ON_ROTA
    title = text.strip()
    initial = title if title.isprintable() and len(title) <= TITLE_LIMIT else ""
    problem = open_view(app, asked.trigger_id, form(initial))
    return problem or ""


def form(title: str = "") -> dict[str, Any]:
    """The form: what `opsdesk announce post` takes, the same words in its hints."""
    kinds = [option(k.words, k.value) for k in AnnouncementKind]
    mentions = [
        option("No mention", NO_MENTION),
        option("@here (within the week's budget)", Mention.HERE.value),
        option("@channel (an incident update on a P1)", Mention.CHANNEL.value),
    ]
    blocks = [
        select(KIND, "Kind", kinds),
        text_input(
            TITLE, "Title", max_length=TITLE_LIMIT, initial=title, hint="One line: what is happening."
        ),
        text_input(BODY, "Body", multiline=True, hint="What is happening, whom it affects, and what to do."),
        select(MENTION, "Mention", mentions, NO_MENTION, optional=True),
        text_input(
            INCIDENT, "Incident number", max_length=20, optional=True, hint="Required for an incident update."
        ),
        text_input(CHANGE, "Change request number", max_length=20, optional=True),
        text_input(STARTS, "Starts at", max_length=FIELD_TEXT, optional=True, hint=STARTS_HINT),
        text_input(NEXT, "Next update", max_length=FIELD_TEXT, optional=True, hint=NEXT_HINT),
    ]
    return modal(CALLBACK, "New announcement", blocks, {}, "Announce")


def submit(app: Application, body: dict[str, Any], view: dict[str, Any]) -> Submitted:
    """Announce what the form holds, as the engineer who submitted it, once per view."""
    engineer = engineer_of(app.people, body)
    if engineer is None:
        return Submitted(errors={TITLE: NOT_ON_ROTA})
    try:
        request = read(app, values(view))
    except UnreadableError as exc:
        return Submitted(errors={exc.block: exc.reason})
    receipt = view_receipt(view)
    try:
        record = app.announcements.announce(request, Actor(engineer.id, Source.SLACK), receipt)
    except DomainError as exc:
        reason = str(exc)
        return Submitted(errors={block_of(reason): reason})
    if record is None:
        logger.info("a Slack form taken in before was ignored", extra={"receipt": receipt})
        return Submitted()
    return Submitted(confirmation=confirmation(app, record))


def read(app: Application, given: dict[str, str]) -> Request:
    """The request the form's values make, its times read as `opsdesk announce post` reads them;
    UnreadableError naming the field otherwise. (Untrusted: any value may be missing, or anything at all.)"""
    kind_text = given.get(KIND, "")
    try:
        kind = AnnouncementKind(kind_text)
    except ValueError:
        raise UnreadableError(
            KIND, "Choose the kind: scheduled work, maintenance or an incident update."
        ) from None
    mention_text = given.get(MENTION, "") or NO_MENTION
    if mention_text not in {NO_MENTION, *Mention}:
        raise UnreadableError(MENTION, "Choose no mention, @here or @channel.")
    mention = None if mention_text == NO_MENTION else Mention(mention_text)
    tz = app.cover.timezone
    starts_text, next_text = _short(given, STARTS), _short(given, NEXT)
    try:
        starts = parse_instant(starts_text, tz) if starts_text else None
    except InvalidInstantError as exc:
        raise UnreadableError(STARTS, f"Cannot read this time: {exc.reason}.") from None
    try:
        due = read_next_update(next_text, tz) if next_text else None
    except InvalidInstantError as exc:
        raise UnreadableError(NEXT, f"Cannot read this: {exc.reason}.") from None
    return Request(
        kind,
        given.get(TITLE, ""),
        given.get(BODY, ""),
        _number(given, INCIDENT, "the incident's number, e.g. 12 (`/opsdesk incident` lists the open ones)"),
        _number(given, CHANGE, "the change request's number, e.g. 3"),
        mention,
        starts,
        due,
    )


def _short(given: dict[str, str], block: str) -> str:
    text = given.get(block, "").strip()
    if len(text) > FIELD_TEXT:
        raise UnreadableError(
            block, f"At most {FIELD_TEXT} characters: give a time such as 2026-12-24T16:00."
        )
    return text


def _number(given: dict[str, str], block: str, what: str) -> int | None:
    text = _short(given, block).removeprefix("#")
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 18 or int(text) < 1:
        raise UnreadableError(block, f"Give {what}, or leave it empty.")
    return int(text)


def block_of(reason: str) -> str:
    """The field a refusal from the service is about (the title when it is about the whole)."""
    said = reason.lower()
    return next((block for block, says in ABOUT if says(said)), TITLE)


def confirmation(app: Application, record: Announcement) -> dict[str, Any]:
    """The form turned into what was done, and what comes next (plain text: nothing in it is read as
    mrkdwn)."""
    where = record.update_channel or "opsdesk's log (the policy names no update channel)"
    ask = f", then forwarded to {record.ask_channel}" if record.ask_channel else ""
    slack = "slack" in app.channel_names
    lines = [
        f"Announcement #{record.id} kept: it is being posted to {where}{ask}."
        if slack
        else f"Announcement #{record.id} kept (Slack posting is not set up: opsdesk's log keeps it).",
    ]
    if record.promise is not None:
        due = record.promise.due.astimezone(app.cover.timezone)
        lines.append(f"You promised the next update by {due:%a %d %b %H:%M}: announce it again by then.")
    lines.append(f"`opsdesk announce show {record.id}` shows it with its schedule.")
    return {
        "type": "modal",
        "title": plain("Announced"),
        "close": plain("Done"),
        "blocks": [{"type": "section", "text": plain("\n".join(lines))}],
    }
