"""The lines every kind of briefing shares: incidents, changes, alarms, notes, pages, leave, GitHub, missed
briefings, the stretch, lateness and how to acknowledge."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from opsdesk.adapters.briefing.draft import (
    KIND_WORDS,
    Command,
    Item,
    Line,
    Link,
    Outside,
    Part,
    clock,
    day,
    name,
    paragraph,
    some,
    span,
    waited,
    when,
)
from opsdesk.domain.handover.model import (
    AlarmCount,
    Briefing,
    ChangeLine,
    GitHubItem,
    HandoverKind,
    IncidentLine,
    LeaveLine,
    Missed,
    Note,
    PageLine,
    Person,
    PromiseLine,
    RequestLine,
    Timeliness,
)

SUMMARY = 150  # characters of a summary or a title on a phone
TEXT = 300  # of a plan, what was said to whom, a note on a change
NOTE = 2000  # of a handover note: the giver's own words are kept whole
STATE_WORDS = {  # a change request's state as the briefing says it
    "submitted": "submitted, not yet checked",
    "under-review": "awaiting review",
    "needs-info": "waiting for more information",
    "approved": "approved",
    "in-progress": "in progress",
    "completed": "completed",
    "rolled-back": "rolled back",
}


def incident(line: IncidentLine, tz: ZoneInfo) -> Item:
    """ "P1 #41 payments: Card payments failing", then its state, or a deferred one's informed and plan."""
    head: Line = (
        *((Outside(line.priority, 10), " ") if line.priority else ()),
        f"#{line.id} ",
        Outside(line.service, 60),
        ": ",
        Outside(line.summary, SUMMARY),
    )
    if line.state == "deferred":
        details = (
            ("Deferred. Informed: ", Outside(line.informed or "nobody recorded", TEXT)),
            ("Plan: ", Outside(line.plan or "none recorded", TEXT)),
        )
        return Item(head, details)
    status: list[Part] = [f"Opened {when(line.opened_at, tz)}"]
    if line.what == "resolved" or line.state == "resolved":
        status.append("; resolved")
    elif line.acknowledged_by:
        status += ["; acknowledged by ", Outside(line.acknowledged_by, 60)]
    else:
        status.append("; not acknowledged yet")
    if line.lead:
        status += ["; lead ", Outside(line.lead, 60)]
    return Item(head, (tuple(status),))


def change(line: ChangeLine, tz: ZoneInfo) -> Item:
    """A change request by what the briefing says of it: its window, review, monitoring or outcome."""
    head: list[Part] = [f"#{line.id} ", Outside(line.title, SUMMARY), ": "]
    details: tuple[Line, ...] = ()
    if line.what == "window":
        head += [_window(line, tz), ", ", _assigned(line.assigned)]
        if line.state == "in-progress":
            head.append(" (in progress)")
        if line.channel:
            head += [", in ", Outside(line.channel, 80)]
        details = paragraph("Instructions", line.instructions or "", TEXT)
    elif line.what == "review":
        head.append(STATE_WORDS.get(line.state, line.state))
        if line.start is not None:
            head += [", for ", _window(line, tz)]
    elif line.what == "monitoring":
        head.append(STATE_WORDS.get(line.state, line.state))
        if line.monitoring_until is not None:
            head.append(f", watched until {when(line.monitoring_until, tz)}")
        details = paragraph("Note", line.note or "", TEXT)
    else:
        head += ["rolled back" if line.what == "rolled-back" else "done", " by ", _assigned(line.assigned)]
        details = paragraph("Note", line.note or "", TEXT)
    return Item(tuple(head), details)


def _window(line: ChangeLine, tz: ZoneInfo) -> str:
    if line.start is None or line.end is None:
        return "no window yet"
    return span(line.start, line.end, tz)


def _assigned(person: Person | None) -> Part:
    return Outside(person.name, 60) if person is not None else "nobody assigned yet"


def alarm(count: AlarmCount) -> Item:
    """ "payments: 14 alarms (noisiest: card-declined 9, timeout 3)"."""
    head: list[Part] = [Outside(count.service, 60), f": {some(count.count, 'alarm')}"]
    for index, (key, times) in enumerate(count.noisiest[:3]):
        head += [" (noisiest: " if index == 0 else ", ", Outside(key, 80), f" {times}"]
    if count.noisiest:
        head.append(")")
    return Item(tuple(head))


def note(line: Note, tz: ZoneInfo) -> Item:
    return Item((Outside(line.author, 60), f", {when(line.at, tz)}:"), paragraph("", line.text, NOTE))


def page(line: PageLine, tz: ZoneInfo) -> Item:
    """ "#41 to bilal (primary) at Fri 28 May 02:14: acknowledged after 4 min"."""
    answer = (
        f"acknowledged after {waited(line.acknowledged_after)}"
        if line.acknowledged_after is not None
        else "never acknowledged"
    )
    return Item(
        (
            f"#{line.incident} to ",
            Outside(line.engineer, 60),
            " (",
            Outside(line.role, 20),
            f") at {when(line.at, tz)}: {answer}",
        )
    )


def leave(line: LeaveLine, tz: ZoneInfo) -> Item:
    first, last = date.fromisoformat(line.first), date.fromisoformat(line.last)
    days = day(first, tz) if first == last else f"{day(first, tz)} to {day(last, tz)}"
    said: Line = (Outside(line.engineer.name, 60), f": {days}")
    return Item((*said, " (", Outside(line.note, SUMMARY), ")") if line.note.strip() else said)


def github(item: GitHubItem, tz: ZoneInfo) -> Item:
    """ "owner/repo#12 Bump x from 1 to 2", the title linking to GitHub."""
    at = f" ({when(item.at, tz)})" if item.at is not None else ""
    return Item(
        (Outside(item.repository, 100), f"#{item.number} ", Link(Outside(item.title, SUMMARY), item.url), at)
    )


def missed(line: Missed, tz: ZoneInfo) -> Item:
    """The missed briefing, and how to read what it would have said."""
    kind = HandoverKind(line.kind) if line.kind in tuple(HandoverKind) else None
    word = KIND_WORDS[kind] if kind is not None else line.kind
    local = line.at.astimezone(tz)
    which = "" if kind is HandoverKind.HANDOVER else f" --kind {line.kind}"
    return Item(
        (
            f"The {clock(local, tz)} {word} on {day(local, tz)} was missed: opsdesk was down and nothing was "
            "sent; read what it holds with ",
            Command(f"opsdesk handover show --date {local:%Y-%m-%d}{which}"),
        )
    )


def promise(line: PromiseLine, tz: ZoneInfo) -> Item:
    """ "Announcement #3 Database maintenance (#41): next update was due Wed 2 Dec 15:30, from alice"."""
    about = f" (#{line.incident})" if line.incident is not None else ""
    return Item(
        (
            f"Announcement #{line.announcement} ",
            Outside(line.title, SUMMARY),
            f"{about}: the next update was due {when(line.due_at, tz)}, from ",
            Outside(line.author, 60),
        )
    )


REQUEST_WAITS = {  # why a request is listed, beyond waiting for triage
    "late": " (past the triage target)",
    "unanswered": " since it came in, and no engineer has answered (past the first-response target)",
    "overdue": " since it came in, and it is not done (past the target for done)",
}


def request(line: RequestLine, tz: ZoneInfo) -> Item:
    """ "#7 Cannot reach the registry, from team-x: waiting 1 h 20 min of support hours (past the target)"."""
    late = REQUEST_WAITS.get(line.what, "")
    return Item(
        (
            f"#{line.id} ",
            Outside(line.title, SUMMARY),
            ", from ",
            Outside(line.requester, 60),
            f": waiting {waited(line.waited)} of support hours{late}",
        )
    )


def lateness(briefing: Briefing, tz: ZoneInfo) -> tuple[Line, ...]:
    """Said near the top when the briefing did not come at its time."""
    if briefing.timeliness is Timeliness.LATE:
        return ((f"(late: opsdesk was down at {clock(briefing.at, tz)})",),)
    if briefing.timeliness is Timeliness.MISSED:
        return ((f"(missed: opsdesk was down at {clock(briefing.at, tz)}; this was never sent)",),)
    return ()


def stretch(briefing: Briefing, tz: ZoneInfo) -> Line:
    """ "Covers Fri 28 May 16:00 to Tue 1 Jun 09:00 (bank holiday Mon 31 May)"."""
    holidays: list[str] = []
    for cover in briefing.cover:
        said = day(cover.start, tz)
        if cover.holiday and said not in holidays:
            holidays.append(said)
    plural = "s" if len(holidays) > 1 else ""
    extra = f" (bank holiday{plural} {' and '.join(holidays)})" if holidays else ""
    return (f"Covers {span(briefing.start, briefing.end, tz)}{extra}.",)


def on_call_changes(briefing: Briefing, tz: ZoneInfo) -> tuple[Line, ...]:
    """When the on-call pair changes within the stretch: "Bilal and Chen until Mon 31 May 09:00, then Dana
    and Eve"."""
    runs: list[tuple[tuple[Person | None, Person | None], datetime]] = []
    for cover in briefing.cover:
        pair = (cover.primary, cover.secondary)
        if cover.cover == "on-call" and (not runs or runs[-1][0] != pair):
            runs.append((pair, cover.start))
    if len(runs) < 2:
        return ()
    parts = [
        pair_names(*pair) + (f" until {when(runs[i + 1][1], tz)}" if i + 1 < len(runs) else "")
        for i, (pair, _) in enumerate(runs)
    ]
    return (("On call: ", Outside(", then ".join(parts), 600), "."),)


def pair_names(*people: Person | None) -> str:
    """ "Bilal and Chen" (names as the policy gives them: cleaned, but still outside text)."""
    return " and ".join(name(p) for p in people if p is not None) or "nobody"


def acknowledge(briefing: Briefing, handover: int | None) -> tuple[Line, ...]:
    """What to do next: acknowledge (the CLI, or the API), or why there is nothing to do."""
    if not briefing.kind.acknowledged:
        return (("A digest is for reading: nothing to acknowledge.",),)
    if briefing.timeliness is Timeliness.MISSED:
        return (("Never sent, so there is nothing to acknowledge.",),)
    if handover is None:
        return (("A preview, not kept: nothing to acknowledge.",),)
    return (
        (
            "Acknowledge: ",
            Command(f"opsdesk handover ack {handover}"),
            " (or POST ",
            Command(f"/api/v1/handovers/{handover}/ack"),
            ")",
        ),
    )
