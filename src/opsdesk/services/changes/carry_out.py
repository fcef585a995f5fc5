"""The assigned engineer's side: the checklist ticked, the change started, completed or rolled back (then
monitored), and the reminders before the window."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from opsdesk.domain.changes.model import CHECKLIST, ChangeAction, ChangeRequest, ChangeState
from opsdesk.domain.changes.workflow import check_engineer
from opsdesk.domain.errors import ChangeError
from opsdesk.domain.jobs import Job
from opsdesk.domain.timeline import Actor, TimelineEntry, system_entry
from opsdesk.services.changes.context import REMINDER_JOB
from opsdesk.services.changes.review import ReviewSteps
from opsdesk.services.text import required_text


class CarryOutSteps(ReviewSteps):
    def jobs(self) -> Mapping[str, Callable[[Job], None]]:
        """The job kinds change requests run, and their handlers."""
        return {REMINDER_JOB: self.remind}

    def tick(self, change_id: int, actor: Actor, item: str) -> ChangeRequest:
        """Tick an item of the pre-change checklist."""
        known = dict(CHECKLIST)
        if item not in known:
            raise ChangeError(f"no checklist item {item!r}; the items are: {', '.join(known)}")
        now = self.clock.now()
        with self.transaction() as uow:
            change = self._get(uow, change_id)
            check_engineer(change, actor.name, self.people, "tick the checklist of")
            if change.state is not ChangeState.APPROVED:
                raise ChangeError(
                    f"{change.reference} is {change.state}: the checklist is ticked once it is approved"
                )
            if item in change.checklist:
                return change
            updated = uow.changes.update(change.id, {"checklist": (*change.checklist, item)})
            entry = TimelineEntry(now, actor.name, actor.source, "ticked", f"ticked: {known[item]}", {})
            uow.changes.entry(change.id, entry)
            self._status(uow, updated, now)
            return updated

    def start(self, change_id: int, actor: Actor) -> ChangeRequest:
        with self.transaction() as uow:
            change = self._get(uow, change_id)
            check_engineer(change, actor.name, self.people, "start")
            if change.state is ChangeState.APPROVED and not change.checklist_done:
                missing = [label for item, label in CHECKLIST if item not in change.checklist]
                raise ChangeError(
                    f"{change.reference} cannot start: tick the checklist first ({', '.join(missing)})"
                )
            updated = self._move(uow, change, ChangeAction.START, actor, {}, f"started by {actor.name}")
            if change.channel:
                text = f"{change.reference} {change.title}: started by {actor.name}"
                self._post(uow, change.channel, text, f"change:{change.id}:started", self.clock.now())
            return updated

    def finish(self, change_id: int, actor: Actor, note: str, *, rolled_back: bool = False) -> ChangeRequest:
        """Completed or rolled back, with a note; then watched for the monitoring period."""
        now = self.clock.now()
        action = ChangeAction.ROLL_BACK if rolled_back else ChangeAction.COMPLETE
        with self.transaction() as uow:
            change = self._get(uow, change_id)
            check_engineer(change, actor.name, self.people, "finish")
            text = required_text(note, "note", error=ChangeError)
            extra = {"note": text, "monitoring_until": now + self.policy.monitoring}
            said = "rolled back" if rolled_back else "completed"
            updated = self._move(uow, change, action, actor, extra, f"{said} by {actor.name}: {text}")
            message = f"{change.reference} {change.title}: {said}. {text}"
            if change.channel:
                self._post(uow, change.channel, message, f"change:{change.id}:{action}", now)
            self._announce(uow, updated, str(action), message, now)
            return updated

    def remind(self, job: Job) -> None:
        """The handler of a reminder job: to the assigned engineer, unless the change moved on."""
        now = self.clock.now()
        with self.transaction() as uow:
            change = uow.changes.get(int(job.payload["change"]))
            if change is None or change.state is not ChangeState.APPROVED or change.window is None:
                return
            person = self.people.by_id(change.assigned)
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
            self._direct(uow, change, text, key, now)
            said = f"reminded {person.id} ({hours:g} h before)"
            uow.changes.entry(change.id, system_entry(now, "reminded", said, {}))
