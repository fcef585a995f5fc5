"""How change requests read on GitHub: the one status comment (Markdown, found again by its marker), the
state label, and replies. Every text from outside is HTML-escaped, so nobody can inject Markdown or HTML."""

from __future__ import annotations

import html
from typing import Any
from zoneinfo import ZoneInfo

from opsdesk.domain.changes.carry_out import overrun
from opsdesk.domain.changes.checklist import PHASE_WORDS, Checklist, Phase
from opsdesk.domain.changes.model import ChangeRequest, ChangeState
from opsdesk.domain.changes.window import window_text
from opsdesk.domain.durations import spoken
from opsdesk.domain.notices import IssueReply, IssueStatus, Notice
from opsdesk.domain.people import People

LABEL_PREFIX = "ooh: "
STATUS_MARKER = "<!-- opsdesk:change-status -->"


class GitHubRenderer:
    def render(self, notice: Notice, people: People) -> dict[str, Any]:
        if isinstance(notice, IssueReply):
            body = ("**opsdesk**: " if notice.signed else "") + html.escape(notice.text)
            return {"repository": notice.repository, "issue": notice.issue, "kind": "reply", "body": body}
        if isinstance(notice, IssueStatus):
            change = notice.change
            return {
                "repository": change.repository,
                "issue": change.issue,
                "kind": "status",
                "body": status_comment(change, notice.suggestion, notice.timezone, notice.checklist),
                "labels": [f"{LABEL_PREFIX}{change.state}"],
                "label_prefix": LABEL_PREFIX,
                "marker": STATUS_MARKER,
            }
        raise TypeError(f"GitHub takes issue replies and statuses only, not {type(notice).__name__}")


def status_comment(change: ChangeRequest, suggestion: str, tz: ZoneInfo, checklist: Checklist) -> str:
    """The status comment's Markdown; every text from outside is HTML-escaped."""
    lines = [
        STATUS_MARKER,
        f"**opsdesk** · out-of-hours change request {change.reference}: **{change.state}**",
        "",
    ]
    if change.window is not None:
        lines.append(f"- Window: {window_text(change.window, tz)}")
    if change.problems:
        lines.append("- Check:")
        lines += [f"  - {p.severity}: `{p.code}`: {html.escape(p.message)}" for p in change.problems]
    else:
        lines.append("- Check: no problems")
    if change.state in (ChangeState.UNDER_REVIEW, ChangeState.NEEDS_INFO):
        lines.append(f"- Suggested engineer: {html.escape(suggestion)}")
        lines.append(
            "- Team engineers: comment `/approve @engineer` (instructions on the lines below) or `/reject reason`"
        )
    if change.assigned:
        lines.append(f"- Assigned engineer: {html.escape(change.assigned)}")
    if change.instructions:
        lines.append(f"- Instructions: {_one_line(change.instructions)}")
    if change.channel:
        lines.append(f"- Channel: {html.escape(change.channel)}")
    lines += _checklist(change, checklist, tz)
    if change.started_at:
        lines.append(f"- Started: {change.started_at.astimezone(tz):%a %d %b %Y %H:%M %Z}")
    if change.finished_at:
        late = overrun(change, change.finished_at)
        overran = f" ({spoken(late)} after its window closed)" if late else ""
        lines.append(f"- Finished: {change.finished_at.astimezone(tz):%a %d %b %Y %H:%M %Z}{overran}")
    if change.monitoring_until:
        lines.append(f"- Monitored until: {change.monitoring_until.astimezone(tz):%a %d %b %Y %H:%M %Z}")
    if change.reason:
        lines.append(f"- Reason: {_one_line(change.reason)}")
    if change.note:
        lines.append(f"- Note: {_one_line(change.note)}")
    return "\n".join(lines) + "\n"


# The phases shown in each state: those that can be ticked now, and those that were.
SHOWN = {
    ChangeState.APPROVED: (Phase.BEFORE,),
    ChangeState.IN_PROGRESS: (Phase.BEFORE, Phase.DURING),
    ChangeState.COMPLETED: (Phase.BEFORE, Phase.DURING, Phase.AFTER),
    ChangeState.ROLLED_BACK: (Phase.BEFORE, Phase.DURING, Phase.AFTER),
}


def _checklist(change: ChangeRequest, checklist: Checklist, tz: ZoneInfo) -> list[str]:
    """Each phase's items as task-list lines, a ticked one with who and when (policy words and names
    escaped like any other text)."""
    lines = []
    for phase in SHOWN.get(change.state, ()):
        items = checklist.phase(phase)
        if not items:
            continue
        lines.append(f"- {PHASE_WORDS[phase].capitalize()}:")
        for item in items:
            tick = change.ticked(item.id)
            said = (
                f" (ticked by {html.escape(tick.by)}, {tick.at.astimezone(tz):%a %d %b %H:%M %Z})"
                if tick
                else ""
            )
            lines.append(f"  - [{'x' if tick else ' '}] {html.escape(item.label)}{said}")
    return lines


def _one_line(text: str) -> str:
    """Outside text inside a Markdown list item: escaped, its line breaks kept as <br>."""
    return "<br>".join(html.escape(line) for line in text.splitlines())
