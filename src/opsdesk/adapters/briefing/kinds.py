"""Each kind of briefing as a draft: the line a tired reader needs first (who it is for, what waits),
the stretch said plainly, the sections in the order they matter, then what to do next."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from opsdesk.adapters.briefing import sections as said
from opsdesk.adapters.briefing.draft import (
    Draft,
    Item,
    Line,
    Outside,
    Part,
    Section,
    Who,
    day,
    name,
    plural,
    some,
)
from opsdesk.domain.handover.model import Briefing, HandoverKind, IncidentLine, Person

OVERNIGHT = timedelta(hours=20)  # a stretch this short is "tonight"
FRIDAY = 4


def draft(briefing: Briefing, handover: int | None, tz: ZoneInfo) -> Draft:
    """The draft of `briefing`, kept as record `handover` (None: a preview), with times shown in `tz`."""
    build = {
        HandoverKind.HANDOVER: _handover,
        HandoverKind.HAND_BACK: _hand_back,
        HandoverKind.TURN_CHANGE: _turn_change,
        HandoverKind.DIGEST: _digest,
    }[briefing.kind]
    headline, top, sections = build(briefing, tz)
    addressed = briefing.receivers if briefing.kind.acknowledged else ()
    return Draft(
        briefing.kind,
        headline,
        said.lateness(briefing, tz),
        top,
        sections,
        said.acknowledge(briefing, handover),
        handover,
        tz,
        addressed,
    )


Built = tuple[Line, tuple[Line, ...], tuple[Section, ...]]


def _receivers(briefing: Briefing) -> Line:
    """ "Bilal (primary) and Chen (secondary)", each a mention where Slack knows them."""
    parts: list[Part] = []
    for person, role in ((briefing.primary, "primary"), (briefing.secondary, "secondary")):
        if person is not None:
            parts += [" and " if parts else "", Who(person), f" ({role})"]
    return tuple(parts) if parts else ("nobody (no engineer holds the on-call roles)",)


def _tonight(briefing: Briefing, tz: ZoneInfo) -> str:
    """How the stretch is said in a count: "tonight", "this weekend", or "by Tue 1 Jun"."""
    if briefing.end - briefing.start <= OVERNIGHT:
        return "tonight"
    if briefing.start.astimezone(tz).weekday() == FRIDAY:
        return "this weekend"
    return f"by {day(briefing.end, tz)}"


def _from(givers: tuple[Person, ...]) -> Line:
    return ("From ", Outside(said.pair_names(*givers), 130), ". ") if givers else ()


def _open(briefing: Briefing, tz: ZoneInfo, title: str = "Open incidents") -> Section:
    items = tuple(said.incident(i, tz) for i in briefing.incidents)
    return Section(title, items, "No open incidents.")


def _changes(briefing: Briefing, tz: ZoneInfo, what: str, title: str, empty: str) -> Section:
    return Section(title, tuple(said.change(c, tz) for c in briefing.changes if c.what == what), empty)


def _handover(briefing: Briefing, tz: ZoneInfo) -> Built:
    tonight = _tonight(briefing, tz)
    booked = sum(1 for c in briefing.changes if c.what == "window")
    counts = f": {some(len(briefing.incidents), 'open incident')}, {some(booked, 'change')} {tonight}"
    headline: Line = ("Handover to ", *_receivers(briefing), counts)
    stretch = said.stretch(briefing, tz)
    top = ((*_from(briefing.giver), *stretch), *said.on_call_changes(briefing, tz))
    total = sum(a.count for a in briefing.alarms)
    alarms = sorted(briefing.alarms, key=lambda a: (-a.count, a.service))
    sections = (
        _open(briefing, tz),
        _changes(briefing, tz, "window", f"Changes {tonight}", f"No changes {tonight}."),
        _changes(briefing, tz, "monitoring", "Changes still watched", ""),
        Section(
            f"Alarms in the last 24 hours ({total})" if total else "Alarms in the last 24 hours",
            tuple(said.alarm(a) for a in alarms),
            "No alarms in the last 24 hours.",
            count=False,
        ),
        Section("Notes", tuple(said.note(n, tz) for n in briefing.notes), "No notes."),
        *_waiting(briefing, tz),
    )
    return headline, top, sections


def _waiting(briefing: Briefing, tz: ZoneInfo) -> tuple[Section, ...]:
    """Promised updates now overdue, and support requests nobody has triaged (left out when none)."""
    return (
        Section("Overdue updates", tuple(said.promise(p, tz) for p in briefing.promises)),
        Section(
            "Support requests to triage",
            tuple(said.request(r, tz) for r in briefing.requests if r.what in ("untriaged", "late")),
        ),
        Section(
            "Support requests past their targets",
            tuple(said.request(r, tz) for r in briefing.requests if r.what in ("unanswered", "overdue")),
        ),
    )


def _hand_back(briefing: Briefing, tz: ZoneInfo) -> Built:
    by_what = {w: [i for i in briefing.incidents if i.what == w] for w in ("deferred", "opened", "resolved")}
    headline: Line = ("Hand-back to ", *_support(briefing), *_from_pair(briefing), ": ", _night(briefing))
    top: tuple[Line, ...] = (said.stretch(briefing, tz),)
    incidents: tuple[Section, ...]
    if briefing.incidents:
        incidents = (
            Section("Deferred: yours now", _items(by_what["deferred"], tz), "Nothing was deferred."),
            Section("Opened and still open", _items(by_what["opened"], tz)),
            Section("Resolved", _items(by_what["resolved"], tz)),
        )
    else:
        incidents = (Section("Incidents", (), "No incidents in this stretch."),)
    finished = tuple(said.change(c, tz) for c in briefing.changes if c.what in ("done", "rolled-back"))
    sections = (
        *incidents,
        Section("Pages", tuple(said.page(p, tz) for p in briefing.pages), "No pages."),
        Section("Changes carried out", finished, "No changes were carried out."),
    )
    return headline, top, sections


def _night(briefing: Briefing) -> str:
    """ "1 deferred incident for you, 1 still open, 2 resolved, 3 pages (1 never acknowledged)"."""
    count = {w: sum(1 for i in briefing.incidents if i.what == w) for w in ("deferred", "opened", "resolved")}
    words = [plural(count["deferred"], "deferred incident") + " for you"] if count["deferred"] else []
    words += [f"{count['opened']} still open"] if count["opened"] else []
    words += [f"{count['resolved']} resolved"] if count["resolved"] else []
    words += [] if briefing.incidents else ["no incidents"]
    never = sum(1 for p in briefing.pages if p.acknowledged_after is None)
    words.append(some(len(briefing.pages), "page") + (f" ({never} never acknowledged)" if never else ""))
    rolled_back = sum(1 for c in briefing.changes if c.what == "rolled-back")
    words += [plural(rolled_back, "change") + " rolled back"] if rolled_back else []
    return ", ".join(words)


def _items(lines: list[IncidentLine], tz: ZoneInfo) -> tuple[Item, ...]:
    return tuple(said.incident(i, tz) for i in lines)


def _support(briefing: Briefing) -> Line:
    """The hand-back's receiver: the support engineer (the briefing holds them as primary)."""
    return (Who(briefing.primary),) if briefing.primary is not None else ("nobody on support",)


def _from_pair(briefing: Briefing) -> Line:
    return (" from ", Outside(said.pair_names(*briefing.giver), 130)) if briefing.giver else ()


def _turn_change(briefing: Briefing, tz: ZoneInfo) -> Built:
    booked = sum(1 for c in briefing.changes if c.what == "window")
    outgoing = said.pair_names(*briefing.giver)
    counts = f": {some(len(briefing.incidents), 'open incident')}, {some(booked, 'change')} this week"
    headline: Line = ("Turn change: ", Outside(outgoing, 130), " → ", *_receivers(briefing), counts)
    top = (said.stretch(briefing, tz), *said.on_call_changes(briefing, tz))
    sections = (
        _open(briefing, tz, "Still open"),
        _changes(briefing, tz, "window", "Changes this week", "No changes booked this week."),
        Section(
            "Leave in the coming week",
            tuple(said.leave(v, tz) for v in briefing.leave),
            "Nobody is on leave this week.",
        ),
    )
    return headline, top, sections


def _digest(briefing: Briefing, tz: ZoneInfo) -> Built:
    on_call = " and ".join(
        f"{name(p)} ({role})"
        for p, role in ((briefing.primary, "primary"), (briefing.secondary, "secondary"))
        if p is not None
    )
    words = [
        f"{name(briefing.support, 'nobody')} on support",
        f"{on_call or 'nobody'} on call tonight",
        some(len(briefing.incidents), "open incident"),
    ]
    if briefing.missed:
        words.append(plural(len(briefing.missed), "briefing") + " missed")
    headline: Line = (f"Digest, {day(briefing.at, tz)}: ", Outside("; ".join(words), 300))
    sections = (
        Section("Missed briefings", tuple(said.missed(m, tz) for m in briefing.missed)),
        _open(briefing, tz),
        _changes(briefing, tz, "review", "Awaiting review", "No change requests await review."),
        _changes(briefing, tz, "window", "Changes in the next 48 hours", "No changes in the next 48 hours."),
        *_waiting(briefing, tz),
        *_github(briefing, tz),
    )
    return headline, (), sections


GITHUB_STATES = {"not-set-up": "GitHub is not set up.", "failed": "GitHub could not be read."}


def _github(briefing: Briefing, tz: ZoneInfo) -> tuple[Section, ...]:
    section = briefing.github
    if section is None:
        return ()
    if section.state != "ok":
        message = section.message.strip() or GITHUB_STATES.get(section.state, section.state)
        return (Section("GitHub", (Item((Outside(message, 300),)),), count=False),)
    return (
        Section(
            "Dependabot pull requests",
            tuple(said.github(i, tz) for i in section.pull_requests),
            "No open Dependabot pull requests.",
        ),
        Section(
            "Failed runs in the last day",
            tuple(said.github(i, tz) for i in section.failed_runs),
            "No failed runs.",
        ),
    )
