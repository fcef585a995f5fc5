"""The `/opsdesk` slash command: `oncall [when]` answers who holds each role (now, or at `when`) and when
that next changes, in the words of `opsdesk who`; each other subcommand is answered by its noun's module
(`handover`, `incident`, `ooh`, `announce`, `support`); anything else gets the help. Answers are ephemeral
and go out in the acknowledgement itself, within Slack's three seconds; a subcommand that opens a form
answers nothing (the form is the answer)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.entrypoints.duty_text import describe_duty
from opsdesk.entrypoints.slack import announce, changes, handover, incidents, support
from opsdesk.entrypoints.slack.modals import Asked

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

HELP = (
    "*/opsdesk* subcommands:\n"
    "• `/opsdesk oncall [when]`: who is on call now, or at `when` (ISO 8601, e.g. `2026-12-24T18:00`; "
    "wall-clock time in the team's time zone without an offset), and when that next changes\n"
    "• `/opsdesk handover`: today's handover (or, before it is made, a preview of the next one)\n"
    "• `/opsdesk handover note TEXT`: a note for the next handover, as you (an engineer of the team)\n"
    "• `/opsdesk incident`: the open incidents; `/opsdesk incident new` opens one in a form\n"
    "• `/opsdesk ooh`: out-of-hours change requests awaiting review, and this week's\n"
    "• `/opsdesk announce`: an announcement to the update channel, in a form\n"
    "• `/opsdesk support`: the support board's untriaged requests"
)
EPHEMERAL = "ephemeral"
Subcommand = Callable[["Application", str, Asked], str]
SUBCOMMANDS: dict[str, Subcommand] = {
    "handover": handover.command,
    "incident": incidents.command,
    "ooh": changes.command,
    "announce": announce.command,
    "support": support.command,
}


def register(bolt: App, application: Callable[[], Application]) -> None:
    """The `/opsdesk` command, and a plain answer for any other command pointed at this app."""

    @bolt.command("/opsdesk")
    def opsdesk(ack: Ack, command: dict[str, Any]) -> None:
        said = answer(application(), str(command.get("text") or ""), Asked.of_command(command))
        if said:
            ack(text=said, response_type=EPHEMERAL)
        else:
            ack()

    @bolt.command(re.compile(r".*"))
    def other(ack: Ack, command: dict[str, Any]) -> None:
        name = slack_escape(str(command.get("command") or "")[:40])
        ack(text=f"opsdesk answers `/opsdesk` only, not `{name}`.\n{HELP}", response_type=EPHEMERAL)


def answer(app: Application, text: str, asked: Asked) -> str:
    """What `/opsdesk <text>` answers to the one who asked ("": nothing, a form was opened instead)."""
    words = text.strip().split(maxsplit=1)
    subcommand = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    if subcommand == "oncall":
        return oncall(app, rest or "now")
    if subcommand in SUBCOMMANDS:
        return SUBCOMMANDS[subcommand](app, rest, asked)
    if subcommand in ("", "help"):
        return HELP
    return f"`/opsdesk {slack_escape(subcommand[:40])}` is not a subcommand.\n{HELP}"


def oncall(app: Application, when: str) -> str:
    """The cover at `when` (read as `opsdesk hours elapsed --at` reads it; `now` by default), who holds
    each role and until when, as `opsdesk who` prints it, in a code block so the columns line up."""
    try:
        instant = app.hours.instant(when, app.clock.now())
    except InvalidInstantError as exc:
        return (
            f"I cannot read `{slack_escape(when.strip()[:80])}` as a time: {slack_escape(exc.reason)}.\n"
            "Give an ISO 8601 time such as `2026-12-24T18:00` (the team's time zone) or `now`."
        )
    service = app.rota
    lines = describe_duty(service, service.who(instant))
    return "```\n" + slack_escape("\n".join(lines)) + "\n```"
