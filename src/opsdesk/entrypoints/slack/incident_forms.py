"""The incident forms in Slack. The Defer button on an incident's message, pressed by an engineer, opens a
form asking who was told and the plan for working hours; its submission defers the incident through the
incident service as `opsdesk incident defer` does (escalation stops, it goes into the morning hand-back),
the timeline saying `slack`, and the pressed message is rewritten through the outbox. `/opsdesk incident
new` opens a form (service, what is wrong, priority) whose submission opens an incident as `opsdesk
incident open` does, routed by the cover now and paged as usual; the form then says what was opened and
where it went. Each submission is taken in once, by its view's id; a refusal keeps the form open with the
reason under a field, and a corrected form can be sent again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from opsdesk.adapters.slack.incident_blocks import DEFER
from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.errors import DomainError
from opsdesk.domain.incidents.model import Action, Incident, Priority, check_transition
from opsdesk.domain.notices import ChatMessage
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.slack.modals import (
    Asked,
    carried,
    chat_message,
    errors,
    message_of,
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
from opsdesk.entrypoints.slack.replies import tell
from opsdesk.services.text import BIDI_CONTROLS, NUL, TEXT_LIMIT, labelled, nul_problem

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.slack")
DEFER_FORM = "incident:defer"
OPEN_FORM = "incident:open"
FIELD_LIMIT = 3000  # Slack's longest plain_text_input
SUMMARY_LIMIT = 200  # what is wrong, in the form: one line for the channel's post and the page
SHOWN_SUMMARY = 300  # of the incident's summary, shown at the top of the defer form
NO_INCIDENT = "This form names no incident: close it and press Defer on the incident's message again."


def register(bolt: App, application: Callable[[], Application]) -> None:
    """The Defer button and the two forms' submissions (before the answer to unknown buttons)."""

    @bolt.action(DEFER)
    def defer_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        said = ask_to_defer(application(), body, action)
        if said is not None:
            tell(body, said)

    @bolt.view(DEFER_FORM)
    def defer_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**defer_submission(application(), body, view))

    @bolt.view(OPEN_FORM)
    def open_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**open_submission(application(), body, view))


def pressed_message(body: dict[str, Any]) -> ChatMessage | None:
    """The message the button is on (its channel id and ts), unless it is ephemeral (it cannot be updated)
    or the payload does not name it as Slack does."""
    container = body.get("container")
    container = container if isinstance(container, dict) else {}
    channel_of, message = body.get("channel"), body.get("message")
    channel = container.get("channel_id") or (channel_of.get("id") if isinstance(channel_of, dict) else None)
    ts = container.get("message_ts") or (message.get("ts") if isinstance(message, dict) else None)
    if container.get("is_ephemeral"):
        return None
    return chat_message(channel, ts)


# -- Defer --------------------------------------------------------------------------------------------


def ask_to_defer(app: Application, body: dict[str, Any], action: dict[str, Any]) -> str | None:
    """Open the defer form for the press; what to tell the presser when it cannot be (None: it opened)."""
    if engineer_of(app.people, body) is None:
        return NOT_ON_ROTA
    value = str(action.get("value") or "")
    if not value.isdigit() or len(value) > 18:
        return f"This button names no incident ({slack_escape(value[:40])!r}): nothing was done."
    try:
        incident = app.incidents.incident(int(value))
        check_transition(incident.id, incident.state, Action.DEFER)
    except DomainError as exc:
        return slack_escape(str(exc))
    problem = open_view(app, str(body.get("trigger_id") or ""), defer_form(incident, pressed_message(body)))
    return None if problem is None else slack_escape(problem)


def defer_form(incident: Incident, message: ChatMessage | None) -> dict[str, Any]:
    """The form asking who was told and the plan, carrying the incident and the message to rewrite."""
    summary = incident.summary if len(incident.summary) <= SHOWN_SUMMARY else incident.summary[:299] + "…"
    intro = (
        f"*Incident #{incident.id}* ({slack_escape(incident.service)}): {slack_escape(summary)}\n"
        "Deferred, it stops paging and goes into the morning hand-back, with what you write here."
    )
    carried_along: dict[str, Any] = {"incident": incident.id}
    if message is not None:
        carried_along |= {"channel": message.channel, "ts": message.ts}
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": intro}},
        text_input(
            "informed",
            "Who was told",
            max_length=FIELD_LIMIT,
            hint="Who in the affected team knows it waits for working hours, and how they were told.",
        ),
        text_input("plan", "The plan for working hours", multiline=True, max_length=FIELD_LIMIT),
    ]
    return modal(DEFER_FORM, f"Defer incident #{incident.id}", blocks, carried_along, "Defer")


def defer_submission(app: Application, body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """The acknowledgement of a submitted defer form: {} closes it (deferred, or taken in before), else
    the errors that keep it open."""
    engineer = engineer_of(app.people, body)
    if engineer is None:
        return errors(informed=NOT_ON_ROTA)
    metadata = carried(view)
    number = metadata.get("incident")
    if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 2**62:
        return errors(informed=NO_INCIDENT)
    given = values(view)
    problems = {
        block: problem
        for block, label in (("informed", "Who was told"), ("plan", "The plan"))
        if (problem := _text_problem(given.get(block, ""), label, TEXT_LIMIT)) is not None
    }
    if problems:
        return errors(**problems)
    receipt = view_receipt(view)
    try:
        done = app.incidents.defer_from_message(
            number,
            Actor(engineer.id, Source.SLACK),
            given["informed"],
            given["plan"],
            receipt,
            message_of(metadata),
        )
    except DomainError as exc:
        return errors(informed=str(exc))
    if done is None:
        logger.info("a Slack form taken in before was ignored", extra={"receipt": receipt})
    return {}


# -- Open ---------------------------------------------------------------------------------------------


def ask_to_open(app: Application, asked: Asked) -> str:
    """`/opsdesk incident new`: the form to open an incident ("": it opened), or why not."""
    if app.people.by_slack(asked.user) is None:
        return NOT_ON_ROTA
    services = app.incidents.services
    if not services:
        return "There are no services to open an incident for: add one under `services:` in the policy."
    problem = open_view(app, asked.trigger_id, open_form(app))
    return "" if problem is None else slack_escape(problem)


def open_form(app: Application) -> dict[str, Any]:
    """The form: the service (the policy's, by id), what is wrong, and a priority if known."""
    services = [option(labelled(s.name, s.id), s.id) for s in app.incidents.services]
    priorities = [option(f"{p}: {p.meaning}", str(p)) for p in Priority]
    blocks = [
        select("service", "Service", services),
        text_input(
            "summary",
            "What is wrong",
            max_length=SUMMARY_LIMIT,
            hint="One line: it heads the page and the post in the service's channel.",
        ),
        select("priority", "Priority", priorities, optional=True),
    ]
    return modal(OPEN_FORM, "Open an incident", blocks, {}, "Open")


def open_submission(app: Application, body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """The acknowledgement of a submitted open form: the form rewritten to say what was opened, {} when
    taken in before (it closes), else the errors that keep it open."""
    engineer = engineer_of(app.people, body)
    if engineer is None:
        return errors(summary=NOT_ON_ROTA)
    given = values(view)
    known = {s.id: s for s in app.incidents.services}
    problems: dict[str, str] = {}
    service = known.get(given.get("service", ""))
    if service is None:
        problems["service"] = "Choose one of the services listed."
    summary_problem = _text_problem(given.get("summary", ""), "What is wrong", SUMMARY_LIMIT)
    if summary_problem is not None:
        problems["summary"] = summary_problem
    priority = given.get("priority", "")
    if priority and priority not in Priority.__members__:
        problems["priority"] = "Choose P1, P2 or P3, or leave it empty."
    if problems or service is None:
        return errors(**problems)
    receipt = view_receipt(view)
    try:
        opened = app.incidents.open_from_chat(
            service.id,
            given["summary"],
            Actor(engineer.id, Source.SLACK),
            Priority(priority) if priority else None,
            receipt,
        )
    except DomainError as exc:
        return errors(summary=str(exc))
    if opened is None:
        logger.info("a Slack form taken in before was ignored", extra={"receipt": receipt})
        return {}
    return {"response_action": "update", "view": opened_view(app, opened, service.name)}


def opened_view(app: Application, incident: Incident, service: str) -> dict[str, Any]:
    """The form once its incident is open: its number, how it was routed (whom it pages), what next."""
    page = app.incidents.timeline(incident.id, limit=10)
    routed = next((e.message for e in page.entries if e.kind == "routed"), "")
    text = (
        f"*Incident #{incident.id} opened* ({slack_escape(service)}): {slack_escape(incident.summary)}\n"
        + (f"{slack_escape(routed[:1].upper() + routed[1:])}\n" if routed else "")
        + "Act on it from its post in the service's channel (Acknowledge, Resolve, Defer); "
        "`/opsdesk incident` lists the open incidents."
    )
    return {
        "type": "modal",
        "callback_id": f"{OPEN_FORM}:done",
        "title": plain(f"Incident #{incident.id} opened"[:24]),
        "close": plain("Close"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def _text_problem(value: str, label: str, limit: int) -> str | None:
    """What is wrong with a form's text field (None: fine): empty, too long, a NUL, a bidirectional
    control (it would make the text read differently from what it says)."""
    cleaned = value.strip()
    if not cleaned:
        return f"{label} is needed."
    if len(cleaned) > limit:
        return f"{label} is {len(cleaned):,} characters; at most {limit:,}."
    if NUL in cleaned:
        return nul_problem(label) + "."
    bidi = next((c for c in cleaned if ord(c) in BIDI_CONTROLS), None)
    if bidi is not None:
        return (
            f"{label} holds a bidirectional control (U+{ord(bidi):04X}) that would make it read "
            "differently from what it says: remove it."
        )
    return None
