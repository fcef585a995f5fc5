"""Support requests in the database, with their labels, comments and history, inside a unit of work's
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, cast

from sqlalchemy import Connection, Row, Select, Table, delete, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from opsdesk.adapters.db.tables import (
    SupportCommentRecord,
    SupportEntryRecord,
    SupportLabelRecord,
    SupportRequestRecord,
)
from opsdesk.domain.support.model import Comment, Priority, Status, SupportRequest, Triage
from opsdesk.domain.timeline import Source, TimelineEntry

REQUESTS = cast("Table", SupportRequestRecord.__table__)
LABELS = cast("Table", SupportLabelRecord.__table__)
ENTRIES = cast("Table", SupportEntryRecord.__table__)
COMMENTS = cast("Table", SupportCommentRecord.__table__)
COLUMNS = tuple(REQUESTS.columns)
CREATE = {
    name: dialect.insert(REQUESTS)
    .on_conflict_do_nothing(index_elements=["repository", "issue"])
    .returning(*COLUMNS)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class SqlSupportStore:
    """The support store of one unit of work; `get`, `by_issue` and `by_message` lock what they return until it ends."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._create = CREATE[connection.dialect.name]

    def create(self, values: Mapping[str, Any]) -> SupportRequest | None:
        """A new request; None when one for its issue exists (another delivery of the issue made it first:
        the insert waits for that one's transaction, then skips)."""
        row = self.connection.execute(self._create, _columns(values)).first()
        if row is None:
            return None
        labels = tuple(sorted(values.get("labels", ()), key=str.casefold))
        self._label(row.id, labels)
        return request_of(row, labels)

    def get(self, request_id: int) -> SupportRequest | None:
        return self._one(select(*COLUMNS).where(REQUESTS.c.id == request_id))

    def by_issue(self, repository: str, issue: int) -> SupportRequest | None:
        return self._one(
            select(*COLUMNS).where(REQUESTS.c.repository == repository, REQUESTS.c.issue == issue)
        )

    def by_message(self, channel: str, ts: str) -> SupportRequest | None:
        """The request made of the Slack message `ts` in `channel`, if one was."""
        return self._one(
            select(*COLUMNS).where(REQUESTS.c.slack_channel == channel, REQUESTS.c.slack_ts == ts)
        )

    def _one(self, query: Select[Any]) -> SupportRequest | None:
        row = self.connection.execute(query.with_for_update()).first()
        return self._with_labels([row])[0] if row else None

    def update(self, request_id: int, values: Mapping[str, Any]) -> SupportRequest:
        columns = _columns(values)
        query = update(REQUESTS).where(REQUESTS.c.id == request_id)
        row = self.connection.execute(
            (query.values(**columns) if columns else query.values(id=REQUESTS.c.id)).returning(*COLUMNS)
        ).one()
        if "labels" in values:
            self.connection.execute(delete(LABELS).where(LABELS.c.request_id == request_id))
            self._label(request_id, tuple(values["labels"]))
        return self._with_labels([row])[0]

    def _label(self, request_id: int, labels: Iterable[str]) -> None:
        rows = [{"request_id": request_id, "folded": label.casefold(), "label": label} for label in labels]
        if rows:
            self.connection.execute(insert(LABELS), rows)

    def entry(self, request_id: int, entry: TimelineEntry) -> None:
        self.connection.execute(
            insert(ENTRIES).values(
                request_id=request_id,
                at=entry.at,
                actor=entry.actor[:100],
                source=entry.source.value,
                kind=entry.kind[:32],
                message=entry.message,
            )
        )

    def history(self, request_id: int) -> list[TimelineEntry]:
        query = select(ENTRIES).where(ENTRIES.c.request_id == request_id).order_by(ENTRIES.c.id)
        return [
            TimelineEntry(r.at, r.actor, Source(r.source), r.kind, r.message, {})
            for r in self.connection.execute(query)
        ]

    def comment(self, request_id: int, comment: Comment) -> Comment:
        row = self.connection.execute(
            insert(COMMENTS)
            .values(
                request_id=request_id,
                at=comment.at,
                author=comment.author[:100],
                source=comment.source.value,
                text=comment.text,
            )
            .returning(COMMENTS.c.id)
        ).one()
        return Comment(comment.at, comment.author[:100], comment.source, comment.text, row.id)

    def comments(self, request_id: int) -> list[Comment]:
        query = select(COMMENTS).where(COMMENTS.c.request_id == request_id).order_by(COMMENTS.c.id)
        return [
            Comment(r.at, r.author, Source(r.source), r.text, r.id) for r in self.connection.execute(query)
        ]

    def requests(
        self,
        status: Status | None = None,
        *,
        label: str | None = None,
        assignee: str | None = None,
        triage: Triage | None = None,
        limit: int = 100,
    ) -> list[SupportRequest]:
        query = select(*COLUMNS).order_by(REQUESTS.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(REQUESTS.c.status == status.value)
        if triage is not None:
            query = query.where(REQUESTS.c.triage == triage.value)
        if assignee is not None:
            query = query.where(REQUESTS.c.assignee == assignee)
        if label is not None:
            labelled = (LABELS.c.request_id == REQUESTS.c.id) & (LABELS.c.folded == label.strip().casefold())
            query = query.where(exists().where(labelled))
        return self._with_labels(self.connection.execute(query))

    def untriaged(self, limit: int = 200) -> list[SupportRequest]:
        query = (
            select(*COLUMNS)
            .where(REQUESTS.c.triage == Triage.UNTRIAGED.value, REQUESTS.c.status != Status.DONE.value)
            .order_by(REQUESTS.c.created_at, REQUESTS.c.id)
            .limit(limit)
        )
        return self._with_labels(self.connection.execute(query))

    def created_between(self, start: datetime, end: datetime) -> list[SupportRequest]:
        query = (
            select(*COLUMNS)
            .where(REQUESTS.c.created_at >= start, REQUESTS.c.created_at < end)
            .order_by(REQUESTS.c.created_at, REQUESTS.c.id)
        )
        return self._with_labels(self.connection.execute(query))

    def _with_labels(self, rows: Iterable[Row[Any]]) -> list[SupportRequest]:
        """Requests from their rows, each with its labels (one query for all of them)."""
        found = list(rows)
        labels: dict[int, list[str]] = {}
        ids = [r.id for r in found]
        for start in range(0, len(ids), 500):  # a bounded IN list: SQLite limits its parameters
            query = select(LABELS.c.request_id, LABELS.c.label).where(
                LABELS.c.request_id.in_(ids[start : start + 500])
            )
            for request_id, label in self.connection.execute(query):
                labels.setdefault(request_id, []).append(label)
        return [request_of(r, tuple(sorted(labels.get(r.id, ()), key=str.casefold))) for r in found]


def _columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Domain values as column values: enums by value; labels live in their own table."""
    return {
        name: value.value if isinstance(value, Enum) else value
        for name, value in values.items()
        if name != "labels"
    }


def request_of(row: Row[Any], labels: tuple[str, ...]) -> SupportRequest:
    r = row._mapping
    return SupportRequest(
        id=r["id"],
        title=r["title"],
        body=r["body"],
        requester=r["requester"],
        status=Status(r["status"]),
        created_at=r["created_at"],
        triage=Triage(r["triage"]),
        priority=Priority(r["priority"]) if r["priority"] else None,
        reason=r["reason"],
        assignee=r["assignee"],
        labels=labels,
        link=r["link"],
        repository=r["repository"],
        issue=r["issue"],
        triaged_at=r["triaged_at"],
        triaged_by=r["triaged_by"],
        first_response_at=r["first_response_at"],
        done_at=r["done_at"],
        slack_channel=r["slack_channel"],
        slack_thread=r["slack_thread"],
        slack_ts=r["slack_ts"],
    )
