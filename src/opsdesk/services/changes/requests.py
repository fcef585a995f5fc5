"""The requester's side: a request submitted, checked at once, edited (and checked again), cancelled; and
reading requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opsdesk.domain.changes.checks import check_request
from opsdesk.domain.changes.edits import substance_changed
from opsdesk.domain.changes.model import BODY_LIMIT, ChangeAction, ChangeRequest, ChangeState, CheckResult
from opsdesk.domain.changes.window import window_text
from opsdesk.domain.changes.workflow import check_requester, next_change_state, state_after_edit
from opsdesk.domain.errors import ChangeError
from opsdesk.domain.timeline import Actor, TimelineEntry, system_entry
from opsdesk.services.changes.context import TITLE_LIMIT, ChangeContext, checked
from opsdesk.services.changes.receipts import substance_mark
from opsdesk.services.text import optional_text, required_text
from opsdesk.services.unit_of_work import UnitOfWork


class RequestSteps(ChangeContext):
    def check(self, body: str, submitted: datetime) -> CheckResult:
        """A request as written, checked against approved changes too; nothing stored."""
        with self.transaction() as uow:
            booked = uow.changes.booked()
        return check_request(
            self.read(body), submitted, self.policy, self.rota.rota, self.rota.engine, booked
        )

    def change(self, change_id: int) -> ChangeRequest:
        with self.transaction() as uow:
            return self._get(uow, change_id)

    def history(self, change_id: int) -> list[TimelineEntry]:
        with self.transaction() as uow:
            self._get(uow, change_id)
            return uow.changes.history(change_id)

    def changes(self, state: ChangeState | None = None, limit: int = 100) -> list[ChangeRequest]:
        with self.transaction() as uow:
            return uow.changes.changes(state, limit)

    def monitoring(self) -> list[ChangeRequest]:
        """Changes carried out and still watched (for the handover)."""
        now = self.clock.now()
        done = [*self.changes(ChangeState.COMPLETED, 1000), *self.changes(ChangeState.ROLLED_BACK, 1000)]
        return [c for c in done if c.monitoring_until and c.monitoring_until > now]

    def submit(
        self,
        title: str,
        body: str,
        actor: Actor,
        *,
        submitted_at: datetime | None = None,
        repository: str | None = None,
        issue: int | None = None,
    ) -> ChangeRequest:
        """A new request, checked at once: under review when it passes, needs-info when it does not."""
        with self.transaction() as uow:
            return self._submit(
                uow, title, body, actor, submitted_at=submitted_at, repository=repository, issue=issue
            )

    def _submit(
        self,
        uow: UnitOfWork,
        title: str,
        body: str,
        actor: Actor,
        *,
        submitted_at: datetime | None,
        repository: str | None,
        issue: int | None,
    ) -> ChangeRequest:
        now = self.clock.now()
        title = required_text(title, "title", TITLE_LIMIT, error=ChangeError)
        submitted = submitted_at or now
        booked = uow.changes.booked()
        result = check_request(
            self.read(body), submitted, self.policy, self.rota.rota, self.rota.engine, booked
        )
        state = ChangeState.UNDER_REVIEW if result.ok else ChangeState.NEEDS_INFO
        change = uow.changes.create(
            {
                "title": title,
                "body": body[:BODY_LIMIT],
                "requester": actor.name[:100],
                "state": state,
                "submitted_at": submitted,
                "window": result.window,
                "problems": result.problems,
                "repository": repository,
                "issue": issue,
            }
        )
        uow.changes.entry(
            change.id, TimelineEntry(now, actor.name, actor.source, "submitted", f"submitted: {title}", {})
        )
        uow.changes.entry(change.id, system_entry(now, "checked", checked(result), {}))
        text = f"New out-of-hours change request {change.reference}: {title} ({state})"
        self._announce(uow, change, "submitted", text, now)
        self._status(uow, change, now)
        return change

    def edit(
        self, change_id: int, actor: Actor, body: str, title: str | None = None, *, by_requester: bool = True
    ) -> ChangeRequest:
        """The request's text changed: checked again (an edit that moves the window is checked anew)."""
        now = self.clock.now()
        with self.transaction() as uow:
            change = self._get(uow, change_id)
            return self._edit(uow, change, actor, body, title, now, by_requester=by_requester)

    def cancel(self, change_id: int, actor: Actor, reason: str | None = None) -> ChangeRequest:
        """Withdrawn by the requester."""
        with self.transaction() as uow:
            change = self._get(uow, change_id)
            check_requester(change, actor.name, self.people, "cancel")
            why = optional_text(reason, "reason", error=ChangeError)
            said = "cancelled by the requester"
            updated = self._move(uow, change, ChangeAction.CANCEL, actor, {"reason": why}, said)
            if change.state is ChangeState.APPROVED:
                now = self.clock.now()
                text = f"Cancelled: {change.reference} {change.title}" + (f": {why}" if why else "")
                self._announce(uow, updated, "cancelled", text, now)
                if change.channel:
                    self._post(uow, change.channel, text, f"change:{change.id}:cancelled:designated", now)
                self._direct(uow, change, text, f"change:{change.id}:cancelled:engineer", now)
            return updated

    def _edit(  # noqa: PLR0917  (the edit and where it came from)
        self,
        uow: UnitOfWork,
        change: ChangeRequest,
        actor: Actor,
        body: str,
        title: str | None,
        now: datetime,
        *,
        by_requester: bool,
        version: datetime | None = None,
    ) -> ChangeRequest:
        """`version`: when the text was written (a GitHub edit's `updated_at`), else now."""
        if by_requester:
            check_requester(change, actor.name, self.people, "edit")
        next_change_state(change.reference, change.state, ChangeAction.CHECK)
        booked = uow.changes.booked(other_than=change.id)
        request = self.read(body)
        result = check_request(
            request, change.submitted_at, self.policy, self.rota.rota, self.rota.engine, booked
        )
        if result.window is not None and result.window != change.window:
            # A window moved by an edit is asked for now: its notice counts from the edit.
            result = check_request(request, now, self.policy, self.rota.rota, self.rota.engine, booked)
        new_title = change.title if title is None else title
        changed = substance_changed(change.title, change.body, new_title, body, self.read)
        state = state_after_edit(change, result, changed)
        values: dict[str, Any] = {
            "body": body[:BODY_LIMIT],
            "state": state,
            "window": result.window,
            "problems": result.problems,
        }
        if title is not None:
            values["title"] = required_text(title, "title", TITLE_LIMIT, error=ChangeError)
        updated = uow.changes.update(change.id, values)
        if changed and change.repository and change.issue:
            # A command written on the issue before this is about another request (github_comment).
            uow.receipts.mark(substance_mark(change.repository, change.issue), version or now)
        said = f"edited: {', '.join(changed)} changed" if changed else "edited: nothing of substance changed"
        if change.window != result.window:
            tz = self.rota.engine.timezone
            said += (
                f"; the window moved: {window_text(change.window, tz)} -> {window_text(result.window, tz)}"
            )
        uow.changes.entry(change.id, TimelineEntry(now, actor.name, actor.source, "edited", said, {}))
        uow.changes.entry(change.id, system_entry(now, "checked", checked(result), {}))
        if change.state is ChangeState.APPROVED and state is not ChangeState.APPROVED:
            text = f"{change.reference} changed after approval ({said}): the approval is withdrawn; review it again"
            uow.changes.entry(change.id, system_entry(now, "approval-withdrawn", text, {}))
            self._announce(uow, updated, f"reopened-{now.isoformat()}", text, now)
        self._status(uow, updated, now)
        return updated
