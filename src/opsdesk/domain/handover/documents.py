"""A briefing as a JSON document (what is kept, what `--json` and the API show) and back.

Engineers are `{"id", "name"}`; instants are ISO 8601 with the offset of the team's time zone; durations
are whole seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from opsdesk.domain.handover.model import (
    AlarmCount,
    Briefing,
    ChangeLine,
    CoverSpan,
    GitHubItem,
    GitHubSection,
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
from opsdesk.domain.rota import EngineerId

Document = dict[str, Any]


def _when(at: datetime | None, tz: ZoneInfo) -> str | None:
    return at.astimezone(tz).isoformat() if at is not None else None


def _person(person: Person | None) -> Document | None:
    return {"id": person.id, "name": person.name} if person is not None else None


def document(briefing: Briefing, tz: ZoneInfo) -> Document:
    b = briefing
    return {
        "kind": str(b.kind),
        "at": _when(b.at, tz),
        "timeliness": str(b.timeliness),
        "from": _person(b.giver[0]) if b.giver else None,
        "givers": [_person(p) for p in b.giver],
        "to": {"primary": _person(b.primary), "secondary": _person(b.secondary)},
        "support": _person(b.support),
        "stretch": {"start": _when(b.start, tz), "end": _when(b.end, tz)},
        "cover": [
            {
                "start": _when(s.start, tz),
                "end": _when(s.end, tz),
                "cover": s.cover,
                "primary": _person(s.primary),
                "secondary": _person(s.secondary),
                "holiday": s.holiday,
            }
            for s in b.cover
        ],
        "incidents": [
            {
                "id": i.id,
                "service": i.service,
                "summary": i.summary,
                "state": i.state,
                "priority": i.priority,
                "opened_at": _when(i.opened_at, tz),
                "what": i.what,
                "informed": i.informed,
                "plan": i.plan,
                "lead": i.lead,
                "acknowledged_by": i.acknowledged_by,
            }
            for i in b.incidents
        ],
        "changes": [
            {
                "id": c.id,
                "title": c.title,
                "state": c.state,
                "start": _when(c.start, tz),
                "end": _when(c.end, tz),
                "assigned": _person(c.assigned),
                "instructions": c.instructions,
                "channel": c.channel,
                "what": c.what,
                "monitoring_until": _when(c.monitoring_until, tz),
                "note": c.note,
            }
            for c in b.changes
        ],
        "alarms": [
            {
                "service": a.service,
                "count": a.count,
                "noisiest": [{"key": k, "count": n} for k, n in a.noisiest],
            }
            for a in b.alarms
        ],
        "pages": [
            {
                "incident": p.incident,
                "engineer": p.engineer,
                "role": p.role,
                "at": _when(p.at, tz),
                "acknowledged_after_seconds": (
                    int(p.acknowledged_after.total_seconds()) if p.acknowledged_after is not None else None
                ),
            }
            for p in b.pages
        ],
        "notes": [{"id": n.id, "at": _when(n.at, tz), "author": n.author, "text": n.text} for n in b.notes],
        "leave": [
            {
                "engineer": _person(leave.engineer),
                "first": leave.first,
                "last": leave.last,
                "note": leave.note,
            }
            for leave in b.leave
        ],
        "github": _github(b.github, tz),
        "missed": [{"kind": m.kind, "at": _when(m.at, tz)} for m in b.missed],
        "promises": [
            {
                "announcement": p.announcement,
                "title": p.title,
                "author": p.author,
                "due_at": _when(p.due_at, tz),
                "incident": p.incident,
            }
            for p in b.promises
        ],
        "requests": [
            {
                "id": r.id,
                "title": r.title,
                "requester": r.requester,
                "created_at": _when(r.created_at, tz),
                "waited_seconds": int(r.waited.total_seconds()),
                "what": r.what,
            }
            for r in b.requests
        ],
    }


def _github(section: GitHubSection | None, tz: ZoneInfo) -> Document | None:
    if section is None:
        return None

    def items(found: tuple[GitHubItem, ...]) -> list[Document]:
        return [
            {
                "repository": i.repository,
                "number": i.number,
                "title": i.title,
                "url": i.url,
                "at": _when(i.at, tz),
            }
            for i in found
        ]

    return {
        "state": section.state,
        "message": section.message,
        "pull_requests": items(section.pull_requests),
        "failed_runs": items(section.failed_runs),
    }


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _required(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _who(value: Document | None) -> Person | None:
    return Person(EngineerId(str(value["id"])), str(value["name"])) if value else None


def briefing(doc: Document) -> Briefing:
    """The briefing a kept document holds (the inverse of `document`)."""
    github = doc.get("github")
    return Briefing(
        kind=HandoverKind(doc["kind"]),
        at=_required(doc["at"]),
        start=_required(doc["stretch"]["start"]),
        end=_required(doc["stretch"]["end"]),
        giver=tuple(p for p in (_who(v) for v in doc["givers"]) if p is not None),
        primary=_who(doc["to"]["primary"]),
        secondary=_who(doc["to"]["secondary"]),
        support=_who(doc.get("support")),
        timeliness=Timeliness(doc.get("timeliness", "on-time")),
        cover=tuple(
            CoverSpan(
                _required(s["start"]),
                _required(s["end"]),
                s["cover"],
                _who(s["primary"]),
                _who(s["secondary"]),
                s.get("holiday"),
            )
            for s in doc["cover"]
        ),
        incidents=tuple(
            IncidentLine(
                i["id"],
                i["service"],
                i["summary"],
                i["state"],
                i["priority"],
                _required(i["opened_at"]),
                i["what"],
                i["informed"],
                i["plan"],
                i["lead"],
                i["acknowledged_by"],
            )
            for i in doc["incidents"]
        ),
        changes=tuple(
            ChangeLine(
                c["id"],
                c["title"],
                c["state"],
                _instant(c["start"]),
                _instant(c["end"]),
                _who(c["assigned"]),
                c["instructions"],
                c["channel"],
                c["what"],
                _instant(c["monitoring_until"]),
                c["note"],
            )
            for c in doc["changes"]
        ),
        alarms=tuple(
            AlarmCount(a["service"], a["count"], tuple((n["key"], n["count"]) for n in a["noisiest"]))
            for a in doc["alarms"]
        ),
        pages=tuple(
            PageLine(
                p["incident"],
                p["engineer"],
                p["role"],
                _required(p["at"]),
                None
                if p["acknowledged_after_seconds"] is None
                else timedelta(seconds=p["acknowledged_after_seconds"]),
            )
            for p in doc["pages"]
        ),
        notes=tuple(Note(n["id"], _required(n["at"]), n["author"], n["text"]) for n in doc["notes"]),
        leave=tuple(
            LeaveLine(_who(v["engineer"]) or Person(EngineerId("?"), "?"), v["first"], v["last"], v["note"])
            for v in doc["leave"]
        ),
        github=None
        if github is None
        else GitHubSection(
            github["state"],
            github["message"],
            tuple(_item(i) for i in github["pull_requests"]),
            tuple(_item(i) for i in github["failed_runs"]),
        ),
        missed=tuple(Missed(m["kind"], _required(m["at"])) for m in doc["missed"]),
        promises=tuple(
            PromiseLine(p["announcement"], p["title"], p["author"], _required(p["due_at"]), p["incident"])
            for p in doc.get("promises", [])  # kept before promises were
        ),
        requests=tuple(
            RequestLine(
                r["id"],
                r["title"],
                r["requester"],
                _required(r["created_at"]),
                timedelta(seconds=r["waited_seconds"]),
                r["what"],
            )
            for r in doc.get("requests", [])
        ),
    )


def _item(doc: Document) -> GitHubItem:
    return GitHubItem(doc["repository"], doc["number"], doc["title"], doc["url"], _instant(doc["at"]))
