"""Out-of-hours change requests in Slack: Approve and Reject on a request's message in the ask channel, and
`/opsdesk ooh`.

A press by an engineer of the team (known by their Slack id) who may review the request (not its
requester; the same rules as `opsdesk change approve` and the API) opens a form: Approve asks for the
engineer who carries it out (the suggested one chosen), instructions and a designated channel; Reject
asks for a reason. Anyone else is told why, to themselves alone, and no form opens. The submitted form
acts through the change workflow as the CLI does, the history saying `slack`, once per form (a retry does
nothing twice), and rewrites the message it was opened from through the outbox; a domain error keeps the
form open with the reason under its field."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App

from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.changes.model import ChangeAction, ChangeRequest
from opsdesk.domain.changes.seen import SEEN_LIMIT, seen_version
from opsdesk.domain.errors import DomainError
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.slack.incidents import pressed_message
from opsdesk.entrypoints.slack.modals import (
    Asked,
    carried,
    engineer_select,
    errors,
    message_of,
    modal,
    open_view,
    text_input,
    values,
    view_receipt,
)
from opsdesk.entrypoints.slack.people import NOT_ON_ROTA, engineer_of
from opsdesk.entrypoints.slack.replies import tell
from opsdesk.services.text import TEXT_LIMIT

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.slack")
APPROVE = "change:approve"
REJECT = "change:reject"
SHOWN = 10  # requests listed in each part of `/opsdesk ooh`; the CLI lists them all
NO_CHANGE = "This form names no change request: nothing was done. Press the button on the request again."


def register(bolt: App, application: Callable[[], Application]) -> None:
    """The request's buttons and forms (registered before the incidents' answer to unknown buttons)."""

    @bolt.action(re.compile(r"^change:(approve|reject)$"))
    def review_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        said = press(application(), body, action)
        if said:
            tell(body, said)

    @bolt.view(APPROVE)
    def approve_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _answer(ack, submitted(application(), body, view, ChangeAction.APPROVE))

    @bolt.view(REJECT)
    def reject_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        _answer(ack, submitted(application(), body, view, ChangeAction.REJECT))


def _answer(ack: Ack, answer: dict[str, Any] | None) -> None:
    """Close the form (None), or keep it open with the errors."""
    if answer is None:
        ack()
    else:
        ack(**answer)


def press(app: Application, body: dict[str, Any], action: dict[str, Any]) -> str:
    """Open the review form for the press; what to tell the presser instead ("": the form opened)."""
    engineer = engineer_of(app.people, body)
    if engineer is None:
        return NOT_ON_ROTA
    value = str(action.get("value") or "")
    if not value.isdigit() or len(value) > 18:
        return f"This button names no change request ({slack_escape(value[:40])!r}): nothing was done."
    verb = ChangeAction.APPROVE if action.get("action_id") == APPROVE else ChangeAction.REJECT
    try:
        change = app.changes.reviewable(int(value), engineer.id, verb)
    except DomainError as exc:
        return f"{slack_escape(str(exc))}: nothing was done."
    message = pressed_message(body)
    metadata: dict[str, Any] = {"change": change.id, "seen": seen_version(change)}
    if message is not None:
        metadata |= {"channel": message.channel, "ts": message.ts}
    view = (
        approve_form(app, change, metadata)
        if verb is ChangeAction.APPROVE
        else reject_form(app, change, metadata)
    )
    return open_view(app, str(body.get("trigger_id") or ""), view) or ""


def approve_form(app: Application, change: ChangeRequest, metadata: dict[str, Any]) -> dict[str, Any]:
    """Who carries it out (the suggested engineer chosen), what they are to do, and where."""
    suggestion = app.changes.suggest(change)
    blocks = [
        _summary(change, app.changes.rota.engine.timezone, f"Suggested: {suggestion.reason}."),
        engineer_select(
            "engineer", "Engineer who carries it out", list(app.people.engineers), suggestion.engineer
        ),
        text_input("instructions", "Instructions", multiline=True, max_length=TEXT_LIMIT),
        text_input(
            "channel",
            "Designated channel",
            optional=True,
            max_length=100,
            hint="e.g. #chg-payments; empty: the team's changes channel",
        ),
    ]
    return modal(APPROVE, f"Approve {change.reference}", blocks, metadata, "Approve")


def reject_form(app: Application, change: ChangeRequest, metadata: dict[str, Any]) -> dict[str, Any]:
    """Why it is rejected (required): said in the ask channel and on the request's issue."""
    tz = app.changes.rota.engine.timezone
    blocks = [
        _summary(change, tz, f"State: {change.state}. The reason is posted in the ask channel."),
        text_input("reason", "Reason", multiline=True, max_length=TEXT_LIMIT, hint="The requester sees it."),
    ]
    return modal(REJECT, f"Reject {change.reference}", blocks, metadata, "Reject")


def _summary(change: ChangeRequest, tz: ZoneInfo, more: str) -> dict[str, Any]:
    text = f"*{change.reference}* {change.title[:300]}\nWindow: {_window(change, tz)}\n{more}"
    return {"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(text)[:3000]}}


def submitted(
    app: Application, body: dict[str, Any], view: dict[str, Any], verb: ChangeAction
) -> dict[str, Any] | None:
    """Approve or reject as the form says; None closes the form, else the errors that keep it open."""
    field = "engineer" if verb is ChangeAction.APPROVE else "reason"
    engineer = engineer_of(app.people, body)
    if engineer is None:
        return errors(**{field: NOT_ON_ROTA})
    metadata = carried(view)
    number = metadata.get("change")
    if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 1 << 62:
        return errors(**{field: NO_CHANGE})
    got = values(view)
    actor = Actor(engineer.id, Source.SLACK)
    receipt, message = view_receipt(view), message_of(metadata)
    seen = metadata.get("seen")
    seen = seen if isinstance(seen, str) and len(seen) <= SEEN_LIMIT else None
    try:
        if verb is ChangeAction.APPROVE:
            done = app.changes.approve_from_message(
                number,
                actor,
                got.get("engineer", ""),
                got.get("instructions", ""),
                got.get("channel", "").strip() or None,
                receipt,
                message,
                seen,
            )
        else:
            reason = got.get("reason", "")
            done = app.changes.reject_from_message(number, actor, reason, receipt, message, seen)
    except DomainError as exc:
        return errors(**{_field_of(str(exc), field): slack_escape(str(exc))})
    if done is None:
        logger.info("a Slack form taken in before was ignored", extra={"receipt": receipt})
    return None


def _field_of(problem: str, default: str) -> str:
    """The form's field a domain error is about (by the field it names), else `default`."""
    for name in ("instructions", "reason"):
        if problem.startswith(name):
            return name
    if "Slack channel" in problem:
        return "channel"
    return default


def command(app: Application, text: str, asked: Asked) -> str:
    """What `/opsdesk ooh` answers: the requests awaiting review, then this week's (team's zone)."""
    if text.strip():
        return f"`/opsdesk ooh` takes nothing after it (not `{slack_escape(text.strip()[:40])}`)."
    tz = app.changes.rota.engine.timezone
    try:
        found = app.changes.overview(app.clock.now())
    except DomainError as exc:
        return slack_escape(str(exc))
    if not found.awaiting and not found.this_week:
        return (
            "No out-of-hours change requests await review, and none fall this week. "
            "All requests: `opsdesk change list`."
        )
    parts = [
        _part("Awaiting review", found.awaiting, tz, "under-review"),
        _part(f"This week (from {found.week_start:%a %d %b}, {tz.key})", found.this_week, tz, "approved"),
    ]
    return "\n\n".join(parts) + "\n\nApprove or reject from the request's message in the ask channel."


def _part(heading: str, changes: list[ChangeRequest], tz: ZoneInfo, state: str) -> str:
    if not changes:
        return f"*{heading}*: none."
    lines = [f"*{heading}* ({len(changes)}):"]
    for change in changes[:SHOWN]:
        assigned = f"engineer {change.assigned}" if change.assigned else "no engineer yet"
        line = (
            f"{change.reference} {change.title[:120]} | {_window(change, tz)} | {change.state} | {assigned}"
        )
        lines.append("• " + slack_escape(line))
    if len(changes) > SHOWN:
        lines.append(f"…and {len(changes) - SHOWN} more: `opsdesk change list --state {state}`")
    return "\n".join(lines)


def _window(change: ChangeRequest, tz: ZoneInfo) -> str:
    if change.window is None:
        return "no window yet"
    start, end = change.window.start.astimezone(tz), change.window.end.astimezone(tz)
    until = f"{end:%H:%M}" if start.date() == end.date() else f"{end:%a %d %b %H:%M}"
    return f"{start:%a %d %b %H:%M}-{until} {start:%Z}"
