"""The assigned engineer's side: the checklist ticked phase by phase, the change started in its window,
completed or rolled back (then monitored from that moment), and the reminders before the window. Only the
assigned engineer or an admin takes these steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from opsdesk.domain.changes.carry_out import check_assigned, check_complete, check_start, check_tick, overrun
from opsdesk.domain.changes.checklist import PHASE_WORDS, Tick
from opsdesk.domain.changes.model import ChangeAction, ChangeRequest, ChangeState
from opsdesk.domain.durations import spoken
from opsdesk.domain.errors import ChangeError
from opsdesk.domain.jobs import Job
from opsdesk.domain.timeline import Actor, TimelineEntry, system_entry
from opsdesk.services.changes.context import REMINDER_JOB
from opsdesk.services.changes.review import ReviewSteps
from opsdesk.services.text import required_text


def _as(actor: Actor) -> str:
    return f"{actor.name} (as admin)" if actor.admin else actor.name


class CarryOutSteps(ReviewSteps):
    def jobs(self) -> Mapping[str, Callable[[Job], None]]:
        """The job kinds change requests run, and their handlers."""
        return {REMINDER_JOB: self.remind}

    def tick(self, change_id: int, actor: Actor, item: str) -> ChangeRequest:
        """Tick a checklist item (by its id or its words) in its phase; ticking it again changes nothing."""
        checklist = self.policy.checklist
        found = checklist.find(item[:1000])
        if found is None:
            known = ", ".join(i.id for i in checklist.items) or "none (the policy lists no items)"
            raise ChangeError(f"no checklist item {item[:200]!r}; the items are: {known}")
        now = self.clock.now()
        with self.transaction() as uow:
            change = self._get(uow, change_id)
            check_assigned(change, actor, self.people, "tick the checklist of")
            check_tick(change, found)
            if change.ticked(found.id) is not None:
                return change
            ticks = (*change.checklist, Tick(found.id, actor.name[:100], now))
            updated = uow.changes.update(change.id, {"checklist": ticks})
            said = f"ticked: {found.label} ({PHASE_WORDS[found.phase]})" + (
                " as admin" if actor.admin else ""
            )
            uow.changes.entry(change.id, TimelineEntry(now, actor.name, actor.source, "ticked", said, {}))
            self._status(uow, updated, now)
            return updated

    def start(self, change_id: int, actor: Actor) -> ChangeRequest:
        """Started: by its assigned engineer (or an admin), its before items ticked, its window open (or
        opening within the policy's tolerance)."""
        now = self.clock.now()
        with self.transaction() as uow:
            change = self._get(uow, change_id)
            check_assigned(change, actor, self.people, "start")
            if change.state is ChangeState.APPROVED:
                check_start(change, self.policy, now, self.rota.engine.timezone)
            extra = {"started_at": now}
            updated = self._move(uow, change, ChangeAction.START, actor, extra, f"started by {_as(actor)}")
            if change.channel:
                text = f"{change.reference} {change.title}: started by {actor.name}"
                self._post(uow, change.channel, text, f"change:{change.id}:started", now)
            return updated

    def finish(self, change_id: int, actor: Actor, note: str, *, rolled_back: bool = False) -> ChangeRequest:
        """Completed (its during items ticked) or rolled back, with a note; then watched for the monitoring
        period from this moment. Finishing after the window closed is allowed, and said as an overrun."""
        now = self.clock.now()
        action = ChangeAction.ROLL_BACK if rolled_back else ChangeAction.COMPLETE
        with self.transaction() as uow:
            change = self._get(uow, change_id)
            verb = "roll back" if rolled_back else "complete"
            check_assigned(change, actor, self.people, verb)
            text = required_text(note, "note", error=ChangeError)
            if not rolled_back:
                check_complete(change, self.policy.checklist)
            late = overrun(change, now) if change.state is ChangeState.IN_PROGRESS else None
            extra = {"note": text, "monitoring_until": now + self.policy.monitoring, "finished_at": now}
            said = "rolled back" if rolled_back else "completed"
            overran = f" ({spoken(late)} after its window closed)" if late else ""
            entry = f"{said} by {_as(actor)}{overran}: {text}"
            updated = self._move(uow, change, action, actor, extra, entry)
            if late:
                message = f"{change.reference} overran its window by {spoken(late)}"
                uow.changes.entry(change.id, system_entry(now, "overran", message, {}))
            message = f"{change.reference} {change.title}: {said}{overran}. {text}"
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
