"""The support board in Slack: Triage and Assign on a request's message (each opens a form; an engineer of
the team submits it, the board's rules as for `opsdesk support triage|assign`, the message rewritten in
place through the outbox, a submission taken in once), `/opsdesk support` (the untriaged requests, to
anyone in the workspace), and the "Make a support request" message shortcut (anyone: the message on the
board, linked to its thread, once per message)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.errors import DomainError
from opsdesk.domain.notices import ChatMessage
from opsdesk.domain.support.model import Status, SupportRequest
from opsdesk.domain.support.seen import SEEN_LIMIT, assignee_seen, triage_seen
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.slack.incidents import pressed_message
from opsdesk.entrypoints.slack.manifest import SUPPORT_SHORTCUT
from opsdesk.entrypoints.slack.modals import (
    CHANNEL_ID,
    TS,
    Asked,
    carried,
    engineer_select,
    errors,
    message_of,
    modal,
    open_view,
    option,
    select,
    text_input,
    values,
    view_receipt,
)
from opsdesk.entrypoints.slack.people import NOT_ON_ROTA, engineer_of, slack_user
from opsdesk.entrypoints.slack.replies import tell

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.slack")
TRIAGE, ASSIGN = "support:triage", "support:assign"
DECISIONS = {"P1": "Accept as P1", "P2": "Accept as P2", "P3": "Accept as P3", "decline": "Decline"}
SHOWN = 10  # untriaged requests listed in `/opsdesk support`; the CLI lists them all
TEAM_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
USER_ID = re.compile(r"^[UWB][A-Z0-9]{1,39}$")


def register(bolt: App, application: Callable[[], Application]) -> None:
    """Its buttons, forms and the message shortcut (registered before the incidents' catch-all)."""

    @bolt.action(re.compile(r"^support:(triage|assign)$"))
    def support_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        said = press(application(), body, action)
        if said:
            tell(body, said)

    @bolt.view(TRIAGE)
    def triage_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**submit_triage(application(), body, view))

    @bolt.view(ASSIGN)
    def assign_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**submit_assign(application(), body, view))

    @bolt.shortcut(SUPPORT_SHORTCUT)
    def from_message(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        tell(body, shortcut(application(), body))


def command(app: Application, text: str, asked: Asked) -> str:
    """What `/opsdesk support <text>` answers: the untriaged requests, to anyone in the workspace."""
    words = text.strip().split(maxsplit=1)
    if words and words[0].lower() not in ("untriaged", "list"):
        return (
            f"`/opsdesk support {slack_escape(words[0][:40])}` is not a subcommand. `/opsdesk support` lists "
            "the untriaged requests; make a request from a message with its ⋮ menu, *Make a support request*."
        )
    return untriaged(app)


def untriaged(app: Application) -> str:
    """The board's untriaged requests, the oldest first: reference, title, requester, how long waiting."""
    service = app.support
    waiting = service.untriaged(limit=SHOWN + 1)
    if not waiting:
        return "Nothing untriaged on the support board. `opsdesk support list` shows the whole board."
    now = app.clock.now()
    more = "more than " if len(waiting) > SHOWN else ""
    lines = [f"*{more}{min(len(waiting), SHOWN)} untriaged support requests*, the oldest first:"]
    for request in waiting[:SHOWN]:
        lines.append(_line(app, request, now - request.created_at))
    if len(waiting) > SHOWN:
        lines.append(f"Only the oldest {SHOWN} are shown: `opsdesk support list --untriaged` lists them all.")
    lines.append("Triage each with its message's *Triage* button in the support channel.")
    return "\n".join(lines)


def _line(app: Application, request: SupportRequest, ago: timedelta) -> str:
    service = app.support
    hours = service.elapsed(request.created_at, app.clock.now())
    late = " *LATE*: past the triage target;" if "triage" in service.waits(request).late else ""
    title = slack_escape(request.title[:100])
    return (
        f"• {request.reference} {title} — from {slack_escape(request.requested_by[:80])};{late} "
        f"waiting {_span(ago)} ({_span(hours)} of support hours)"
    )


def _span(span: timedelta) -> str:
    minutes = max(0.0, span.total_seconds()) / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h" if minutes < 48 * 60 else f"{minutes / 1440:.1f} days"


def press(app: Application, body: dict[str, Any], action: dict[str, Any]) -> str:
    """Open the form a button asks for; what to tell the presser ("": the form was opened)."""
    engineer = engineer_of(app.people, body)
    if engineer is None:
        return NOT_ON_ROTA
    value = str(action.get("value") or "")
    if not value.isdigit() or len(value) > 18:
        return f"This button names no support request ({slack_escape(value[:40])!r}): nothing was done."
    try:
        request = app.support.request(int(value))
    except DomainError as exc:
        return slack_escape(str(exc))
    if request.status is Status.DONE:
        return f"{request.reference} is done: nothing to do from this message (`opsdesk support reopen`)."
    message = pressed_message(body)
    where = {"channel": message.channel, "ts": message.ts} if message is not None else {}
    triage = str(action.get("action_id")) == TRIAGE
    seen = triage_seen(request) if triage else assignee_seen(request)  # refused on submit if changed
    metadata = {"request": request.id, "seen": seen, **where}
    heading = f"{request.reference}: {slack_escape(request.title[:200])}"
    intro = {"type": "section", "text": {"type": "mrkdwn", "text": heading}}
    if triage:
        options = [option(text, value) for value, text in DECISIONS.items()]
        blocks = [
            intro,
            select("decision", "Decision", options),
            text_input(
                "reason",
                "Reason",
                multiline=True,
                optional=True,
                hint="Needed to decline: the requester is told it.",
            ),
        ]
        view = modal(TRIAGE, f"Triage {request.reference}", blocks, metadata, "Triage")
    else:
        engineers = list(app.rota.rota.engineers)
        chooser = engineer_select("assignee", "Assign to", engineers, app.support.on_duty_now())
        view = modal(ASSIGN, f"Assign {request.reference}", [intro, chooser], metadata, "Assign")
    problem = open_view(app, str(body.get("trigger_id") or ""), view)
    return problem or ""


def submit_triage(app: Application, body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """Triage as submitted; Bolt's acknowledgement ({}: the form closes, else its errors)."""
    found = _submitted(app, body, view, "decision")
    if isinstance(found, dict):
        return found
    request_id, actor, message, seen = found
    given = values(view)
    decision, reason = given.get("decision", ""), given.get("reason", "").strip()
    if decision not in DECISIONS:
        return errors(decision="Choose a decision: accept with a priority, or decline.")
    if decision == "decline" and not reason:
        return errors(reason="Say why it is declined: the requester is told the reason.")
    accept, decline = (None, reason) if decision == "decline" else (decision, None)
    receipt = view_receipt(view)
    try:
        done = app.support.triage_from_message(
            request_id, actor, receipt, message, accept, decline, seen=seen
        )
    except DomainError as exc:
        block = "reason" if decision == "decline" else "decision"
        return errors(**{block: str(exc)})
    if done is None:
        logger.info("a Slack form submission taken in before was ignored", extra={"receipt": receipt})
    return {}


def submit_assign(app: Application, body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """Assign as submitted; Bolt's acknowledgement ({}: the form closes, else its errors)."""
    found = _submitted(app, body, view, "assignee")
    if isinstance(found, dict):
        return found
    request_id, actor, message, seen = found
    assignee = values(view).get("assignee", "")
    if not assignee:
        return errors(assignee="Choose the engineer to assign.")
    receipt = view_receipt(view)
    try:
        done = app.support.assign_from_message(request_id, actor, assignee[:100], receipt, message, seen)
    except DomainError as exc:
        return errors(assignee=str(exc))
    if done is None:
        logger.info("a Slack form submission taken in before was ignored", extra={"receipt": receipt})
    return {}


def _submitted(
    app: Application, body: dict[str, Any], view: dict[str, Any], block: str
) -> tuple[int, Actor, ChatMessage | None, str | None] | dict[str, Any]:
    """The request, the engineer and the message a submission acts on, and the version of the request
    seen when the form opened (None: not carried); else the form's errors."""
    engineer = engineer_of(app.people, body)
    if engineer is None:
        return errors(**{block: NOT_ON_ROTA})
    metadata = carried(view)
    request = metadata.get("request")
    if not isinstance(request, int) or isinstance(request, bool) or not 0 < request < 10**18:
        return errors(**{block: "This form names no support request: close it and press the button again."})
    seen = metadata.get("seen")
    seen = seen if isinstance(seen, str) and len(seen) <= SEEN_LIMIT else None
    return request, Actor(engineer.id, Source.SLACK), message_of(metadata), seen


def shortcut(app: Application, body: dict[str, Any]) -> str:
    """The message on the board as a request, once per message; what to tell the one who asked."""
    message = _object(body.get("message"))
    channel = str(_object(body.get("channel")).get("id") or "")
    ts = str(message.get("ts") or body.get("message_ts") or "")
    if not CHANNEL_ID.fullmatch(channel) or not TS.fullmatch(ts):
        return "Slack sent no message to make a support request of: nothing was done."
    thread = str(message.get("thread_ts") or ts)
    root = thread if TS.fullmatch(thread) else ts
    team = str(_object(body.get("team")).get("domain") or "")
    link = (
        f"https://{team}.slack.com/archives/{channel}/p{root.replace('.', '')}"
        if TEAM_DOMAIN.match(team)
        else None
    )
    author = str(message.get("user") or "")
    if not USER_ID.match(author):
        author = slack_user(body)[:40]
    engineer = app.people.by_slack(author)
    requester = engineer.id if engineer is not None else author or "slack"
    text = message.get("text")
    receipt = f"slack:shortcut:{channel}:{ts}"
    try:
        made = app.support.file_from_message(
            text if isinstance(text, str) else "",
            Actor(requester, Source.SLACK),
            link,
            receipt,
            ChatMessage(channel, root),
            ts,
        )
    except DomainError as exc:
        return f"This message could not be made a support request: {slack_escape(str(exc))}"
    if made.request is None:
        return "This message was made a support request before: `opsdesk support list` shows the board."
    reference = made.request.reference
    if not made.made:
        return f"This message is already support request {reference}: nothing new was made."
    return (
        f"Support request {reference} is on the board, linked to this thread: "
        f"{slack_escape(made.request.title[:100])}. {app.support.next_step(made.request)}"
    )


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
