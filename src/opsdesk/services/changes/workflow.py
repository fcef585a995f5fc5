"""Change-request use cases: checking a request as written against the policy, the rota and the cover."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from opsdesk.domain.changes.checks import available_engineers, check_request, days_of
from opsdesk.domain.changes.edits import substance_changed
from opsdesk.domain.changes.model import (
    BODY_LIMIT,
    CHECKLIST,
    OPEN_CHANGE_STATES,
    Booked,
    ChangeAction,
    ChangePolicy,
    ChangeRequest,
    ChangeState,
    CheckResult,
    Problem,
    RequestText,
)
from opsdesk.domain.changes.window import ChangeWindow
from opsdesk.domain.changes.workflow import next_change_state
from opsdesk.domain.errors import ChangeError, ChangeNotAllowedError, UnknownChangeError
from opsdesk.domain.hours import Cover
from opsdesk.domain.jobs import Job
from opsdesk.domain.outbox import OutgoingMessage
from opsdesk.domain.rota import Engineer, EngineerId, Role, holding
from opsdesk.domain.timeline import Actor, Source, TimelineEntry, system_entry
from opsdesk.services.changes.events import CommentEvent, IssueEvent
from opsdesk.services.changes.receipts import comment_receipt, issue_receipt, stale, substance_mark, taken
from opsdesk.services.clock import Clock
from opsdesk.services.rota import RotaService
from opsdesk.services.text import optional_text, required_text, slack_escape


@dataclass
class ChangeService:
    rota: RotaService
    policy: ChangePolicy
    booked: Callable[[], Sequence[Booked]] = tuple  # approved changes holding windows
    # How a request's text is read into its sections (the team's form: adapters.github.form).
    read: Callable[[str], RequestText | Problem] = field(kw_only=True)

    def check(self, body: str, submitted: datetime) -> CheckResult:
        return check_request(
            self.read(body), submitted, self.policy, self.rota.rota, self.rota.engine, self.booked()
        )


def check_dict(result: CheckResult) -> dict[str, Any]:
    """The public shape of a check (`opsdesk change check --json`, the API)."""
    window = None
    if result.window is not None:
        window = {"start": _utc(result.window.start), "end": _utc(result.window.end)}
    return {
        "ok": result.ok,
        "window": window,
        "problems": [
            {"code": str(p.code), "severity": str(p.severity), "message": p.message} for p in result.problems
        ],
    }


def _utc(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


REMINDER_JOB = "change-reminder"
CHANNEL_NAME = re.compile(r"#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,20}")
REMINDERS = (timedelta(hours=24), timedelta(hours=1))
TITLE_LIMIT = 300


class ChangeTx(Protocol):
    def create(self, values: Mapping[str, Any]) -> ChangeRequest: ...
    def get(self, change_id: int) -> ChangeRequest | None: ...
    def by_issue(self, repository: str, issue: int) -> ChangeRequest | None: ...
    def update(self, change_id: int, values: Mapping[str, Any]) -> ChangeRequest: ...
    def entry(self, change_id: int, entry: TimelineEntry) -> None: ...
    def booked(self, other_than: int | None = None) -> list[Booked]: ...
    def message(self, message: OutgoingMessage, now: datetime) -> bool: ...
    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> bool: ...
    def receipt(self, key: str, now: datetime) -> bool: ...
    def marked(self, key: str) -> datetime | None: ...
    def mark(self, key: str, at: datetime) -> None: ...


class ChangeStore(Protocol):
    def transaction(self) -> AbstractContextManager[ChangeTx]: ...
    def change(self, change_id: int) -> ChangeRequest | None: ...
    def history(self, change_id: int) -> list[TimelineEntry]: ...
    def changes(self, state: ChangeState | None = None, limit: int = 100) -> list[ChangeRequest]: ...
    def booked(self) -> list[Booked]: ...


@dataclass(frozen=True)
class Suggestion:
    engineer: EngineerId | None  # on call in the window; None: ask for a volunteer
    reason: str


@dataclass
class ChangeWorkflow:
    """Requests from GitHub issues or the API and CLI, through review, approval, the change itself and after.

    Every step is checked (the state, who may take it) and recorded with who and when, with its
    messages (GitHub, Slack) in the same transaction.
    """

    store: ChangeStore
    rota: RotaService
    policy: ChangePolicy
    clock: Clock
    channels: frozenset[str] = frozenset({"log"})
    # How a request's text is read into its sections (the team's form: adapters.github.form).
    read: Callable[[str], RequestText | Problem] = field(kw_only=True)

    # -- reading ----------------------------------------------------------------------------------

    def check(self, body: str, submitted: datetime) -> CheckResult:
        """A request as written, checked against approved changes too; nothing stored."""
        return check_request(
            self.read(body), submitted, self.policy, self.rota.rota, self.rota.engine, self.store.booked()
        )

    def change(self, change_id: int) -> ChangeRequest:
        found = self.store.change(change_id)
        if found is None:
            raise UnknownChangeError(f"no change request CR-{change_id}")
        return found

    def history(self, change_id: int) -> list[TimelineEntry]:
        self.change(change_id)
        return self.store.history(change_id)

    def changes(self, state: ChangeState | None = None, limit: int = 100) -> list[ChangeRequest]:
        return self.store.changes(state, limit)

    def monitoring(self) -> list[ChangeRequest]:
        """Changes carried out and still watched (for the handover)."""
        now = self.clock.now()
        done = [*self.changes(ChangeState.COMPLETED, 1000), *self.changes(ChangeState.ROLLED_BACK, 1000)]
        return [c for c in done if c.monitoring_until and c.monitoring_until > now]

    def suggest(self, change: ChangeRequest) -> Suggestion:
        """Whoever is on call in the window, or a call for a volunteer when it is outside on-call hours."""
        if change.window is None:
            return Suggestion(None, "the window is not known yet")
        engine = self.rota.engine
        on_call = [
            w for w in engine.windows(change.window.start, change.window.end) if w.cover is Cover.ON_CALL
        ]
        if not on_call:
            return Suggestion(None, "the window is outside on-call hours: ask for a volunteer")
        held = holding(self.rota.rota, Role.PRIMARY, on_call[0].start, engine.timezone).engineer
        if held is None:
            return Suggestion(None, "nobody holds primary then: ask for a volunteer")
        return Suggestion(held, f"{held} is the primary on call then")

    # -- the requester ----------------------------------------------------------------------------

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
        with self.store.transaction() as tx:
            return self._submit(
                tx, title, body, actor, submitted_at=submitted_at, repository=repository, issue=issue
            )

    def _submit(
        self,
        tx: ChangeTx,
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
        result = check_request(
            self.read(body), submitted, self.policy, self.rota.rota, self.rota.engine, tx.booked()
        )
        state = ChangeState.UNDER_REVIEW if result.ok else ChangeState.NEEDS_INFO
        change = tx.create(
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
        tx.entry(
            change.id,
            TimelineEntry(now, actor.name, actor.source, "submitted", f"submitted: {title}", {}),
        )
        tx.entry(change.id, system_entry(now, "checked", _checked(result), {}))
        self._announce(
            tx,
            change,
            "submitted",
            f"New out-of-hours change request {change.reference}: {title} ({state})",
            now,
        )
        self._status(tx, change, now)
        return change

    def edit(
        self, change_id: int, actor: Actor, body: str, title: str | None = None, *, by_requester: bool = True
    ) -> ChangeRequest:
        """The request's text changed: checked again (an edit that moves the window is checked anew)."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            change = self._get(tx, change_id)
            return self._edit(tx, change, actor, body, title, now, by_requester=by_requester)

    def cancel(self, change_id: int, actor: Actor, reason: str | None = None) -> ChangeRequest:
        """Withdrawn by the requester."""
        with self.store.transaction() as tx:
            change = self._get(tx, change_id)
            if not self._same(actor.name, change.requester):
                raise ChangeNotAllowedError(
                    f"only the requester ({change.requester}) can cancel {change.reference}"
                )
            why = optional_text(reason, "reason", error=ChangeError)
            updated = self._move(
                tx,
                change,
                ChangeAction.CANCEL,
                actor,
                extra={"reason": why},
                said="cancelled by the requester",
            )
            if change.state is ChangeState.APPROVED:
                now = self.clock.now()
                text = f"Cancelled: {change.reference} {change.title}" + (f": {why}" if why else "")
                self._announce(tx, updated, "cancelled", text, now)
                if change.channel:
                    self._slack(tx, change.channel, text, f"change:{change.id}:cancelled:designated", now)
                self._direct(tx, change, text, f"change:{change.id}:cancelled:engineer", now)
            return updated

    # -- GitHub ---------------------------------------------------------------------------------

    def github_issue(self, event: IssueEvent, delivery: str) -> str:
        """An issue opened or edited: a request from the form is opened, or checked again. What happened.

        Deliveries are taken in by their signed content, once; a version older than one already taken
        in (delivered late) is ignored."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            seen = taken(tx, issue_receipt(event), delivery, now)
            if seen is not None:
                return seen
            if event.action not in ("opened", "edited", "reopened"):
                return f"{event.action}: nothing to do"
            actor = Actor(event.author, Source.GITHUB)
            existing = tx.by_issue(event.repository, event.number)  # held until commit: one at a time
            older = stale(tx, event)
            if older is not None:
                if existing is not None:
                    tx.entry(existing.id, TimelineEntry(now, actor.name, actor.source, "ignored", older, {}))
                return older
            if existing is None:
                return self._github_open(tx, event, actor)
            if existing.state not in (*OPEN_CHANGE_STATES, ChangeState.APPROVED):
                said = f"edited on GitHub after it was {existing.state}: not checked again"
                tx.entry(existing.id, TimelineEntry(now, actor.name, actor.source, "edited", said, {}))
                return said
            updated = self._edit(
                tx,
                existing,
                actor,
                event.body,
                event.title,
                now,
                by_requester=False,
                version=event.updated_at,
            )
            return f"checked {updated.reference} again ({updated.state})"

    def github_comment(self, event: CommentEvent, delivery: str) -> str:
        """`/approve @engineer` (instructions below) or `/reject reason` from a team engineer; anyone else,
        or a command written before the request last changed, is refused with a reply. What happened."""
        now = self.clock.now()
        command = event.command
        with self.store.transaction() as tx:
            seen = taken(tx, comment_receipt(event), delivery, now)
            if seen is not None:
                return seen
            if event.action != "created" or command is None:
                return "not a command: ignored"
            change = tx.by_issue(event.repository, event.number)
            if change is None:
                return "no change request on this issue: ignored"
            name, word, rest = command.verb, command.engineer, command.text
            reviewer = self._github_reviewer(tx, change, event, name)
            if isinstance(reviewer, str):
                return reviewer
            actor = Actor(reviewer.id, Source.GITHUB)
            try:
                if name == "approve":
                    if not word:
                        raise ChangeError("name the engineer: /approve @engineer, then the instructions")
                    self._approve(tx, change, actor, word, instructions=rest, channel=None)
                else:
                    self._reject(tx, change, actor, rest)
            except ChangeError as exc:
                self._reply(tx, change, event, f"@{event.author}: {exc}", now)
                return f"refused: {exc}"
            return f"{'approved' if name == 'approve' else 'rejected'} {change.reference}"

    def _github_open(self, tx: ChangeTx, event: IssueEvent, actor: Actor) -> str:
        if isinstance(self.read(event.body), Problem) and not event.from_form:
            return "not an out-of-hours support request: ignored"
        change = self._submit(
            tx,
            event.title,
            event.body,
            actor,
            submitted_at=event.created_at,
            repository=event.repository,
            issue=event.number,
        )
        tx.mark(substance_mark(event.repository, event.number), event.updated_at)
        return f"opened {change.reference} ({change.state})"

    def _github_reviewer(
        self, tx: ChangeTx, change: ChangeRequest, event: CommentEvent, command: str
    ) -> Engineer | str:
        """The team engineer who wrote the command, or why it is refused (replied on the issue): not an
        engineer, or written before the request last changed (about another version of it)."""
        reviewer = self.engineer_for_login(event.author)
        if reviewer is None:
            text = (
                f"@{event.author}: only the team's engineers can approve or reject out-of-hours "
                "changes; this command was not carried out."
            )
            return self._refuse(tx, change, event, command, text, "not a team engineer")
        changed = tx.marked(substance_mark(event.repository, event.number))
        if changed is not None and event.created_at < changed:
            tz = self.rota.engine.timezone
            text = (
                f"@{event.author}: this /{command} was written before {change.reference} last changed "
                f"({changed.astimezone(tz):%a %d %b %Y %H:%M} {tz.key}), so it was not carried out: read "
                f"the request as it is now and comment /{command} again."
            )
            return self._refuse(
                tx, change, event, command, text, f"written before {change.reference} last changed"
            )
        return reviewer

    def _refuse(  # noqa: PLR0917  (the command, where it was, and why not)
        self, tx: ChangeTx, change: ChangeRequest, event: CommentEvent, command: str, text: str, why: str
    ) -> str:
        """A command not carried out: the reply on the issue says why, and the history records it."""
        now = self.clock.now()
        self._reply(tx, change, event, text, now)
        said = f"/{command} refused: {why}"
        tx.entry(change.id, TimelineEntry(now, event.author, Source.GITHUB, "refused", said, {}))
        return f"refused: {why}"

    def _reply(
        self, tx: ChangeTx, change: ChangeRequest, event: CommentEvent, text: str, now: datetime
    ) -> None:
        key = f"change:{change.id}:github-reply:{event.comment_id}"
        tx.message(self._to_github(change, "reply", html.escape(text), key), now)

    # -- reviewers --------------------------------------------------------------------------------

    def approve(
        self, change_id: int, reviewer: Actor, engineer: str, *, instructions: str, channel: str | None = None
    ) -> ChangeRequest:
        """Approved with an assigned engineer and instructions; confirmed on the issue and in Slack."""
        with self.store.transaction() as tx:
            change = self._get(tx, change_id)
            return self._approve(tx, change, reviewer, engineer, instructions=instructions, channel=channel)

    def _approve(
        self,
        tx: ChangeTx,
        change: ChangeRequest,
        reviewer: Actor,
        engineer: str,
        *,
        instructions: str,
        channel: str | None,
    ) -> ChangeRequest:
        now = self.clock.now()
        instructions = required_text(instructions, "instructions", error=ChangeError)
        self._not_requester(change, reviewer, "approve")
        person = self._engineer(engineer)
        if change.window is None:
            raise ChangeError(f"{change.reference} has no window yet: it cannot be approved")
        days = days_of(change.window, self.rota.engine.timezone)
        if person not in available_engineers(self.rota.rota, days):
            raise ChangeError(f"{person.id} is not free then (on leave or not on the on-call rota)")
        for other in tx.booked(other_than=change.id):
            if other.window.start < change.window.end and change.window.start < other.window.end:
                raise ChangeError(
                    f"{change.reference} overlaps approved change {other.reference}: reject one"
                )
        if change.window.end <= now:
            raise ChangeError(f"{change.reference}'s window has passed: it cannot be approved")
        if channel is not None and not CHANNEL_NAME.fullmatch(channel.strip()):
            raise ChangeError(f"{channel!r} is not a Slack channel: give e.g. #chg-payments or a channel id")
        designated = channel.strip() if channel else self.policy.channel
        extra = {"assigned": person.id, "instructions": instructions, "channel": designated}
        updated = self._move(
            tx,
            change,
            ChangeAction.APPROVE,
            reviewer,
            extra=extra,
            said=f"approved by {reviewer.name}: {person.id} assigned",
        )
        tz = self.rota.engine.timezone
        start = change.window.start.astimezone(tz)
        text = (
            f"Approved: {change.reference} {change.title}, {start:%a %d %b %Y %H:%M} {tz.key}. "
            f"Engineer: {person.name} ({person.id}). Instructions: {instructions}."
            + (f" Channel: {designated}." if designated else "")
        )
        self._announce(tx, updated, "approved", text, now)
        if designated:
            self._slack(tx, designated, text, f"change:{change.id}:approved:designated", now)
        for before in REMINDERS:
            due = change.window.start - before
            if due > now:
                key = f"change:{change.id}:reminder:{int(before.total_seconds())}"
                tx.schedule(REMINDER_JOB, key, due, {"change": change.id, "before": before.total_seconds()})
        return updated

    def reject(self, change_id: int, reviewer: Actor, reason: str) -> ChangeRequest:
        with self.store.transaction() as tx:
            return self._reject(tx, self._get(tx, change_id), reviewer, reason)

    def _reject(self, tx: ChangeTx, change: ChangeRequest, reviewer: Actor, reason: str) -> ChangeRequest:
        self._not_requester(change, reviewer, "reject")
        why = required_text(reason, "reason", error=ChangeError)
        updated = self._move(
            tx,
            change,
            ChangeAction.REJECT,
            reviewer,
            extra={"reason": why},
            said=f"rejected by {reviewer.name}: {why}",
        )
        self._announce(
            tx,
            updated,
            "rejected",
            f"Rejected: {change.reference} {change.title}: {why}",
            self.clock.now(),
        )
        return updated

    # -- the assigned engineer --------------------------------------------------------------------

    def tick(self, change_id: int, actor: Actor, item: str) -> ChangeRequest:
        """Tick an item of the pre-change checklist."""
        known = dict(CHECKLIST)
        if item not in known:
            raise ChangeError(f"no checklist item {item!r}; the items are: {', '.join(known)}")
        now = self.clock.now()
        with self.store.transaction() as tx:
            change = self._get(tx, change_id)
            self._engineer_acts(change, actor, "tick the checklist of")
            if change.state is not ChangeState.APPROVED:
                raise ChangeError(
                    f"{change.reference} is {change.state}: the checklist is ticked once it is approved"
                )
            if item in change.checklist:
                return change
            updated = tx.update(change.id, {"checklist": (*change.checklist, item)})
            tx.entry(
                change.id,
                TimelineEntry(now, actor.name, actor.source, "ticked", f"ticked: {known[item]}", {}),
            )
            self._status(tx, updated, now)
            return updated

    def start(self, change_id: int, actor: Actor) -> ChangeRequest:
        with self.store.transaction() as tx:
            change = self._get(tx, change_id)
            self._engineer_acts(change, actor, "start")
            if change.state is ChangeState.APPROVED and not change.checklist_done:
                missing = [label for item, label in CHECKLIST if item not in change.checklist]
                raise ChangeError(
                    f"{change.reference} cannot start: tick the checklist first ({', '.join(missing)})"
                )
            updated = self._move(
                tx, change, ChangeAction.START, actor, extra={}, said=f"started by {actor.name}"
            )
            if change.channel:
                text = f"{change.reference} {change.title}: started by {actor.name}"
                self._slack(tx, change.channel, text, f"change:{change.id}:started", self.clock.now())
            return updated

    def finish(self, change_id: int, actor: Actor, note: str, *, rolled_back: bool = False) -> ChangeRequest:
        """Completed or rolled back, with a note; then watched for the monitoring period."""
        now = self.clock.now()
        action = ChangeAction.ROLL_BACK if rolled_back else ChangeAction.COMPLETE
        with self.store.transaction() as tx:
            change = self._get(tx, change_id)
            self._engineer_acts(change, actor, "finish")
            text = required_text(note, "note", error=ChangeError)
            extra = {"note": text, "monitoring_until": now + self.policy.monitoring}
            said = "rolled back" if rolled_back else "completed"
            updated = self._move(
                tx, change, action, actor, extra=extra, said=f"{said} by {actor.name}: {text}"
            )
            message = f"{change.reference} {change.title}: {said}. {text}"
            if change.channel:
                self._slack(tx, change.channel, message, f"change:{change.id}:{action}", now)
            self._announce(tx, updated, str(action), message, now)
            return updated

    def remind(self, job: Job) -> None:
        """The handler of a reminder job: to the assigned engineer, unless the change moved on."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            change = tx.get(int(job.payload["change"]))
            if change is None or change.state is not ChangeState.APPROVED or change.window is None:
                return
            person = self.rota.rota.engineer(EngineerId(change.assigned or ""))
            if person is None:
                return
            hours = float(job.payload["before"]) / 3600
            tz = self.rota.engine.timezone
            text = (
                f"Reminder: you are assigned {change.reference} {change.title}, starting in {hours:g} "
                f"hour{'s' if hours != 1 else ''} ({change.window.start.astimezone(tz):%a %d %b %H:%M}). "
                f"Instructions: {change.instructions}"
            )
            key = f"change:{change.id}:reminder:{int(float(job.payload['before']))}"
            self._direct(tx, change, text, key, now)
            tx.entry(
                change.id,
                system_entry(
                    now,
                    "reminded",
                    f"reminded {person.id} ({hours:g} h before)",
                    {},
                ),
            )

    # -- internals --------------------------------------------------------------------------------

    def _edit(  # noqa: PLR0917  (the edit and where it came from)
        self,
        tx: ChangeTx,
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
        if by_requester and not self._same(actor.name, change.requester):
            raise ChangeNotAllowedError(
                f"only the requester ({change.requester}) can edit {change.reference}"
            )
        next_change_state(change.reference, change.state, ChangeAction.CHECK)
        booked = tx.booked(other_than=change.id)
        request = self.read(body)
        result = check_request(
            request, change.submitted_at, self.policy, self.rota.rota, self.rota.engine, booked
        )
        if result.window is not None and result.window != change.window:
            # A window moved by an edit is asked for now: its notice counts from the edit.
            result = check_request(request, now, self.policy, self.rota.rota, self.rota.engine, booked)
        changed = substance_changed(
            change.title, change.body, change.title if title is None else title, body, self.read
        )
        state = ChangeState.UNDER_REVIEW if result.ok else ChangeState.NEEDS_INFO
        if (
            change.state is ChangeState.APPROVED
            and not changed
            and result.window == change.window
            and result.ok
        ):
            state = ChangeState.APPROVED  # only whitespace changed: what was approved stands
        values: dict[str, Any] = {
            "body": body[:BODY_LIMIT],
            "state": state,
            "window": result.window,
            "problems": result.problems,
        }
        if title is not None:
            values["title"] = required_text(title, "title", TITLE_LIMIT, error=ChangeError)
        updated = tx.update(change.id, values)
        if changed and change.repository and change.issue:
            # A command written on the issue before this is about another request (github_comment).
            tx.mark(substance_mark(change.repository, change.issue), version or now)
        said = f"edited: {', '.join(changed)} changed" if changed else "edited: nothing of substance changed"
        if change.window != result.window:
            said += f"; the window moved: {_window_text(change.window, self.rota.engine.timezone)} -> {_window_text(result.window, self.rota.engine.timezone)}"
        tx.entry(change.id, TimelineEntry(now, actor.name, actor.source, "edited", said, {}))
        tx.entry(change.id, system_entry(now, "checked", _checked(result), {}))
        if change.state is ChangeState.APPROVED and state is not ChangeState.APPROVED:
            text = f"{change.reference} changed after approval ({said}): the approval is withdrawn; review it again"
            tx.entry(change.id, system_entry(now, "approval-withdrawn", text, {}))
            self._announce(tx, updated, f"reopened-{now.isoformat()}", text, now)
        self._status(tx, updated, now)
        return updated

    def _move(
        self,
        tx: ChangeTx,
        change: ChangeRequest,
        action: ChangeAction,
        actor: Actor,
        *,
        extra: Mapping[str, Any],
        said: str,
    ) -> ChangeRequest:
        state = next_change_state(change.reference, change.state, action)
        now = self.clock.now()
        updated = tx.update(change.id, {"state": state, **extra})
        tx.entry(change.id, TimelineEntry(now, actor.name, actor.source, str(state), said, {}))
        self._status(tx, updated, now)
        return updated

    def _get(self, tx: ChangeTx, change_id: int) -> ChangeRequest:
        found = tx.get(change_id)
        if found is None:
            raise UnknownChangeError(f"no change request CR-{change_id}")
        return found

    def _not_requester(self, change: ChangeRequest, reviewer: Actor, what: str) -> None:
        """A reviewer is a team engineer and never the requester (by engineer id or GitHub login)."""
        person = self._person(reviewer.name)
        if person is None:
            raise ChangeNotAllowedError(
                f"{reviewer.name} is not one of the team's engineers (by id or GitHub login), so cannot {what} "
                f"{change.reference}"
            )
        if self._same(change.requester, reviewer.name):
            raise ChangeNotAllowedError(
                f"{reviewer.name} asked for {change.reference}, so another engineer must {what} it"
            )

    def _person(self, name: str) -> Engineer | None:
        wanted = name.strip().lstrip("@").casefold()
        return next(
            (p for p in self.rota.rota.engineers if wanted in (p.id.casefold(), (p.github or "").casefold())),
            None,
        )

    def _same(self, one: str, other: str) -> bool:
        """The same person: the same name, or one engineer's id and GitHub login."""
        if one.casefold() == other.casefold():
            return True
        first, second = self._person(one), self._person(other)
        return first is not None and first == second

    def _engineer_acts(self, change: ChangeRequest, actor: Actor, what: str) -> None:
        if self._person(actor.name) is None:
            raise ChangeNotAllowedError(
                f"{actor.name} is not one of the team's engineers (by id or GitHub login), so cannot {what} "
                f"{change.reference}"
            )

    def _engineer(self, name: str) -> Engineer:
        person = self._person(name)
        if person is not None:
            return person
        raise ChangeError(f"no engineer {name!r}: give an engineer's id or GitHub login from the policy")

    def engineer_for_login(self, login: str) -> Engineer | None:
        """The team engineer with this GitHub login, if any (only they may approve or reject)."""
        wanted = login.casefold()
        return next((p for p in self.rota.rota.engineers if (p.github or "").casefold() == wanted), None)

    def _announce(self, tx: ChangeTx, change: ChangeRequest, what: str, text: str, now: datetime) -> None:
        if self.policy.ask_channel:
            self._slack(tx, self.policy.ask_channel, text, f"change:{change.id}:{what}:ask", now)
        if change.repository and change.issue and what != "submitted":  # the status comment says it
            reply = f"**opsdesk**: {html.escape(text)}"
            tx.message(self._to_github(change, "reply", reply, f"change:{change.id}:{what}:github"), now)

    def _direct(self, tx: ChangeTx, change: ChangeRequest, text: str, key: str, now: datetime) -> None:
        """A message to the assigned engineer: Slack, else email, else the log (the outbox shows it)."""
        person = self.rota.rota.engineer(EngineerId(change.assigned or ""))
        if person is None:
            return
        if "slack" in self.channels and person.slack:
            tx.message(
                OutgoingMessage("slack", person.slack, {"text": slack_escape(text)}, f"{key}:slack"), now
            )
        elif "email" in self.channels:
            subject = f"[opsdesk] {change.reference}: {change.title}"[:200]
            tx.message(
                OutgoingMessage("email", person.email, {"subject": subject, "text": text}, f"{key}:email"),
                now,
            )
        else:
            tx.message(OutgoingMessage("log", person.id, {"text": slack_escape(text)}, f"{key}:log"), now)

    def _slack(self, tx: ChangeTx, channel: str, text: str, key: str, now: datetime) -> None:
        way = "slack" if "slack" in self.channels else "log"
        tx.message(OutgoingMessage(way, channel, {"text": slack_escape(text)}, key), now)

    def _status(self, tx: ChangeTx, change: ChangeRequest, now: datetime) -> None:
        """The one status comment on the issue, edited in place, and the state's label."""
        if not (change.repository and change.issue):
            return
        body = status_comment(change, self.suggest(change), self.rota.engine.timezone)
        key = f"change:{change.id}:status:{now.isoformat()}:{change.state}:{len(change.checklist)}"
        tx.message(
            self._to_github(change, "status", body, key, labels=[f"{LABEL_PREFIX}{change.state}"]), now
        )

    def _to_github(
        self, change: ChangeRequest, kind: str, body: str, key: str, labels: list[str] | None = None
    ) -> OutgoingMessage:
        """For the issue; to the log channel when this deployment has no GitHub token (nothing goes dead)."""
        message = _github(change, kind, body, key, labels)
        if "github" in self.channels:
            return message
        return OutgoingMessage("log", message.destination, message.payload, message.idempotency_key)


LABEL_PREFIX = "ooh: "
STATUS_MARKER = "<!-- opsdesk:change-status -->"


def status_comment(change: ChangeRequest, suggestion: Suggestion, tz: ZoneInfo) -> str:
    """The status comment's Markdown; every text from outside is HTML-escaped."""
    lines = [
        STATUS_MARKER,
        f"**opsdesk** · out-of-hours change request {change.reference}: **{change.state}**",
        "",
    ]
    if change.window is not None:
        lines.append(f"- Window: {_window_text(change.window, tz)}")
    if change.problems:
        lines.append("- Check:")
        lines += [f"  - {p.severity}: `{p.code}`: {html.escape(p.message)}" for p in change.problems]
    else:
        lines.append("- Check: no problems")
    if change.state in (ChangeState.UNDER_REVIEW, ChangeState.NEEDS_INFO):
        lines.append(f"- Suggested engineer: {html.escape(suggestion.reason)}")
        lines.append(
            "- Team engineers: comment `/approve @engineer` (instructions on the lines below) or `/reject reason`"
        )
    if change.assigned:
        lines.append(f"- Assigned engineer: {html.escape(change.assigned)}")
    if change.instructions:
        lines.append(f"- Instructions: {_one_line(change.instructions)}")
    if change.channel:
        lines.append(f"- Channel: {html.escape(change.channel)}")
    if change.state is ChangeState.APPROVED:
        lines.append("- Before the change:")
        for item, label in CHECKLIST:
            lines.append(f"  - [{'x' if item in change.checklist else ' '}] {label}")
    if change.reason:
        lines.append(f"- Reason: {_one_line(change.reason)}")
    if change.note:
        lines.append(f"- Note: {_one_line(change.note)}")
    return "\n".join(lines) + "\n"


def _github(
    change: ChangeRequest, kind: str, body: str, key: str, labels: list[str] | None = None
) -> OutgoingMessage:
    payload: dict[str, Any] = {
        "repository": change.repository,
        "issue": change.issue,
        "kind": kind,
        "body": body,
    }
    if labels is not None:
        payload["labels"] = labels
        payload["label_prefix"] = LABEL_PREFIX
        payload["marker"] = STATUS_MARKER
    return OutgoingMessage("github", f"{change.repository}#{change.issue}", payload, key[:255])


def _one_line(text: str) -> str:
    """Outside text inside a Markdown list item: escaped, its line breaks kept as <br>."""
    return "<br>".join(html.escape(line) for line in text.splitlines())


def _window_text(window: ChangeWindow | None, tz: ZoneInfo) -> str:
    if window is None:
        return "unknown"
    start, end = window.start.astimezone(tz), window.end.astimezone(tz)
    return f"{start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M} ({tz.key})"


def _checked(result: CheckResult) -> str:
    if not result.problems:
        return "checked: no problems"
    listed = "; ".join(f"{p.code}: {p.message}" for p in result.problems)
    return f"checked: {'ok with warnings' if result.ok else 'needs information'}: {listed}"


def change_dict(
    change: ChangeRequest, suggestion: Suggestion, history: Sequence[TimelineEntry] | None, tz: ZoneInfo
) -> dict[str, Any]:
    """The public shape of a request (API, `--json`), times in the policy's zone."""

    def when(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    found: dict[str, Any] = {
        "id": change.id,
        "reference": change.reference,
        "title": change.title,
        "state": str(change.state),
        "requester": change.requester,
        "submitted_at": when(change.submitted_at),
        "window": {"start": when(change.window.start), "end": when(change.window.end)}
        if change.window
        else None,
        "problems": [
            {"code": str(p.code), "severity": str(p.severity), "message": p.message} for p in change.problems
        ],
        "suggested": {"engineer": suggestion.engineer, "reason": suggestion.reason},
        "assigned": change.assigned,
        "instructions": change.instructions,
        "channel": change.channel,
        "checklist": {item: item in change.checklist for item, _ in CHECKLIST},
        "reason": change.reason,
        "note": change.note,
        "monitoring_until": when(change.monitoring_until),
        "repository": change.repository,
        "issue": change.issue,
        "body": change.body,
    }
    if history is not None:
        found["history"] = [
            {"at": when(e.at), "who": e.actor, "from": str(e.source), "what": e.kind, "message": e.message}
            for e in history
        ]
    return found
