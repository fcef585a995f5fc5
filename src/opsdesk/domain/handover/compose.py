"""Composing a briefing: from the facts the service loaded at one moment, pure and table-testable."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from opsdesk.domain.changes.model import ChangeRequest, ChangeState
from opsdesk.domain.handover.model import (
    AlarmCount,
    Briefing,
    ChangeLine,
    CoverSpan,
    GitHubSection,
    HandoverKind,
    IncidentLine,
    LeaveLine,
    Missed,
    Moment,
    Note,
    PageLine,
    Person,
    PromiseLine,
    RequestLine,
    Timeliness,
)
from opsdesk.domain.hours import Cover, CoverEngine
from opsdesk.domain.incidents.model import Incident, IncidentState
from opsdesk.domain.rota import Role, Rota

TICK = timedelta(microseconds=1)  # just before an instant: who held a role as a stretch ended
AHEAD = timedelta(hours=48)  # the digest's look at changes coming
Holder = Callable[[Role, datetime], Person | None]  # who holds a role at an instant
BOOKED = (ChangeState.APPROVED, ChangeState.IN_PROGRESS)
AWAITING = (ChangeState.SUBMITTED, ChangeState.UNDER_REVIEW)


@dataclass(frozen=True)
class Facts:
    """What the service read for one moment: open incidents, those of the stretch, change requests that
    may matter, alarm counts, pages, notes, the GitHub section, missed briefings."""

    open_incidents: Sequence[Incident] = ()
    stretch_incidents: Sequence[Incident] = ()
    changes: Sequence[ChangeRequest] = ()
    alarms: Sequence[AlarmCount] = ()
    pages: Sequence[PageLine] = ()
    notes: Sequence[Note] = ()
    github: GitHubSection | None = None
    missed: Sequence[Missed] = ()
    promises: Sequence[PromiseLine] = ()
    requests: Sequence[RequestLine] = ()
    people: Callable[[str | None], Person | None] = field(default=lambda _: None)


def compose(
    moment: Moment,
    facts: Facts,
    engine: CoverEngine,
    rota: Rota,
    *,
    holder: Holder,
    timeliness: Timeliness = Timeliness.ON_TIME,
) -> Briefing:
    """The briefing `moment` makes from `facts`: its parties (from the rota via `holder`) and sections."""
    kind, at, start, end = moment.kind, moment.at, moment.start, moment.end
    spans = _spans(engine, holder, start, end) if kind is not HandoverKind.DIGEST else ()
    giver, primary, secondary = _parties(kind, at, spans, holder, engine)
    base = Briefing(kind, at, start, end, giver, primary, secondary, cover=spans, timeliness=timeliness)
    if kind is HandoverKind.HANDOVER:
        return replace(
            base,
            incidents=_open(facts.open_incidents),
            changes=_booked(facts, start, end) + _monitoring(facts, at),
            alarms=tuple(facts.alarms),
            notes=tuple(facts.notes),
            promises=tuple(facts.promises),
            requests=tuple(facts.requests),
        )
    if kind is HandoverKind.HAND_BACK:
        return replace(
            base,
            incidents=_stretch(facts.stretch_incidents, start, end),
            changes=_finished(facts, start, end),
            pages=tuple(facts.pages),
        )
    if kind is HandoverKind.TURN_CHANGE:
        return replace(
            base,
            incidents=_open(facts.open_incidents),
            changes=_booked(facts, start, end),
            leave=_leave(rota, facts, start, end, engine),
        )
    awaiting = tuple(_change(c, facts, "review") for c in facts.changes if c.state in AWAITING)
    return replace(
        base,
        incidents=_open(facts.open_incidents),
        changes=awaiting + _booked(facts, at, at + AHEAD),
        github=facts.github,
        missed=tuple(facts.missed),
        promises=tuple(facts.promises),
        requests=tuple(facts.requests),
        support=holder(Role.SUPPORT, at),
    )


def _spans(engine: CoverEngine, holder: Holder, start: datetime, end: datetime) -> tuple[CoverSpan, ...]:
    spans = []
    for window in engine.windows(start, end):
        on_call = window.cover is Cover.ON_CALL
        primary = holder(Role.PRIMARY, window.start) if on_call else None
        secondary = holder(Role.SECONDARY, window.start) if on_call else None
        spans.append(
            CoverSpan(window.start, window.end, str(window.cover), primary, secondary, window.holiday)
        )
    return tuple(spans)


def _parties(
    kind: HandoverKind, at: datetime, spans: tuple[CoverSpan, ...], holder: Holder, engine: CoverEngine
) -> tuple[tuple[Person, ...], Person | None, Person | None]:
    """(who hands over, the receiving primary, the receiving secondary)."""
    on_call = [s for s in spans if s.cover == Cover.ON_CALL]
    if kind is HandoverKind.HANDOVER:
        support = holder(Role.SUPPORT, at - TICK)
        first = on_call[0].start if on_call else at
        return _some(support), holder(Role.PRIMARY, first), holder(Role.SECONDARY, first)
    if kind is HandoverKind.HAND_BACK:
        last = on_call[-1].end - TICK if on_call else at - TICK
        pair = _some(holder(Role.PRIMARY, last), holder(Role.SECONDARY, last))
        return pair, holder(Role.SUPPORT, at), None
    if kind is HandoverKind.TURN_CHANGE:
        pair = _some(holder(Role.PRIMARY, at - TICK), holder(Role.SECONDARY, at - TICK))
        return pair, holder(Role.PRIMARY, at), holder(Role.SECONDARY, at)
    tonight = next((w.start for w in engine.windows(at, at + AHEAD) if w.cover is Cover.ON_CALL), at)
    return (), holder(Role.PRIMARY, tonight), holder(Role.SECONDARY, tonight)


def _some(*people: Person | None) -> tuple[Person, ...]:
    unique: list[Person] = []
    for person in people:
        if person is not None and person not in unique:
            unique.append(person)
    return tuple(unique)


PRIORITY_ORDER = {"P1": 0, "P2": 1, "P3": 2}


def _incident(incident: Incident, what: str) -> IncidentLine:
    return IncidentLine(
        incident.id,
        incident.service,
        incident.summary,
        str(incident.state),
        str(incident.priority) if incident.priority else None,
        incident.opened_at,
        what,
        incident.informed,
        incident.plan,
        incident.lead,
        incident.acknowledged_by,
    )


def _open(incidents: Sequence[Incident]) -> tuple[IncidentLine, ...]:
    """Open incidents by priority (P1 first, none last), then the oldest first."""
    ranked = sorted(incidents, key=lambda i: (PRIORITY_ORDER.get(str(i.priority), 3), i.opened_at, i.id))
    return tuple(_incident(i, "open") for i in ranked)


def _stretch(incidents: Sequence[Incident], start: datetime, end: datetime) -> tuple[IncidentLine, ...]:
    """What happened in the stretch: deferred ones first (they need the support engineer), then resolved,
    then opened and still open."""
    lines = []
    for incident in incidents:
        if incident.state is IncidentState.DEFERRED:
            what = "deferred"
        elif incident.resolved_at is not None and start <= incident.resolved_at < end:
            what = "resolved"
        else:
            what = "opened"
        lines.append(_incident(incident, what))
    order = {"deferred": 0, "opened": 1, "resolved": 2}
    return tuple(sorted(lines, key=lambda line: (order[line.what], line.opened_at, line.id)))


def _change(change: ChangeRequest, facts: Facts, what: str) -> ChangeLine:
    window = change.window
    return ChangeLine(
        change.id,
        change.title,
        str(change.state),
        window.start if window else None,
        window.end if window else None,
        facts.people(change.assigned),
        change.instructions,
        change.channel,
        what,
        change.monitoring_until,
        change.note,
    )


def _booked(facts: Facts, start: datetime, end: datetime) -> tuple[ChangeLine, ...]:
    """Approved and running changes whose windows overlap [start, end), by start."""
    found = [
        c
        for c in facts.changes
        if c.state in BOOKED and c.window is not None and c.window.start < end and start < c.window.end
    ]
    found.sort(key=lambda c: (c.window.start if c.window else start, c.id))
    return tuple(_change(c, facts, "window") for c in found)


def _monitoring(facts: Facts, at: datetime) -> tuple[ChangeLine, ...]:
    found = [
        c
        for c in facts.changes
        if c.monitoring_until is not None
        and c.monitoring_until > at
        and c.state in (ChangeState.COMPLETED, ChangeState.ROLLED_BACK)
    ]
    return tuple(_change(c, facts, "monitoring") for c in found)


def _finished(facts: Facts, start: datetime, end: datetime) -> tuple[ChangeLine, ...]:
    found = [c for c in facts.changes if c.finished_at is not None and start <= c.finished_at < end]
    return tuple(
        _change(c, facts, "rolled-back" if c.state is ChangeState.ROLLED_BACK else "done") for c in found
    )


def _leave(
    rota: Rota, facts: Facts, start: datetime, end: datetime, engine: CoverEngine
) -> tuple[LeaveLine, ...]:
    """Leave that touches the coming turn."""
    first, last = start.astimezone(engine.timezone).date(), end.astimezone(engine.timezone).date()
    lines = []
    for leave in sorted(rota.leave, key=lambda item: (item.first, item.engineer)):
        if leave.first <= last and first <= leave.last:
            person = facts.people(leave.engineer) or Person(leave.engineer, leave.engineer)
            lines.append(LeaveLine(person, leave.first.isoformat(), leave.last.isoformat(), leave.note))
    return tuple(lines)
