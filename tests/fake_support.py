"""The support store in memory (as adapters/db/support.py); tests/adapters/test_support_store.py holds it
to the same contract as the SQL store on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from opsdesk.domain.support.model import Comment, Status, SupportRequest, Triage
from opsdesk.domain.timeline import TimelineEntry
from tests.fake_undo import Undo


class Tables(Protocol):
    """What the store keeps in the fake database (tests/fake_units.FakeDatabase)."""

    support: dict[int, SupportRequest]
    support_entries: dict[int, list[TimelineEntry]]
    support_comments: dict[int, list[Comment]]

    def new_id(self, table: str) -> int: ...


def _kept(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the database gives them back: labels sorted (case aside), text columns cut to size."""
    found = dict(values)
    if "labels" in found:
        found["labels"] = tuple(sorted(found["labels"], key=str.casefold))
    for name in ("requester", "assignee", "triaged_by"):
        if isinstance(found.get(name), str):
            found[name] = found[name][:100]
    return found


@dataclass
class FakeSupportStore:
    db: Tables
    undo: Undo

    def create(self, values: Mapping[str, Any]) -> SupportRequest | None:
        repository, issue = values.get("repository"), values.get("issue")
        if repository is not None and issue is not None and self.by_issue(repository, issue) is not None:
            return None
        request = SupportRequest(id=self.db.new_id("support"), **_kept(values))
        self.undo.keep(self.db.support, request.id)
        self.db.support[request.id] = request
        return request

    def get(self, request_id: int) -> SupportRequest | None:
        return self.db.support.get(request_id)

    def by_issue(self, repository: str, issue: int) -> SupportRequest | None:
        found = (r for r in self.db.support.values() if (r.repository, r.issue) == (repository, issue))
        return next(found, None)

    def by_message(self, channel: str, ts: str) -> SupportRequest | None:
        found = (r for r in self.db.support.values() if (r.slack_channel, r.slack_ts) == (channel, ts))
        return next(found, None)

    def update(self, request_id: int, values: Mapping[str, Any]) -> SupportRequest:
        self.undo.keep(self.db.support, request_id)
        updated = self.db.support[request_id] = replace(self.db.support[request_id], **_kept(values))
        return updated

    def entry(self, request_id: int, entry: TimelineEntry) -> None:
        entries = self.db.support_entries.setdefault(request_id, [])
        # The history keeps no data, as its table has no column for it.
        entries.append(replace(entry, actor=entry.actor[:100], kind=entry.kind[:32], data={}, id=None))
        self.undo.appended(entries)

    def history(self, request_id: int) -> list[TimelineEntry]:
        return list(self.db.support_entries.get(request_id, []))

    def comment(self, request_id: int, comment: Comment) -> Comment:
        comments = self.db.support_comments.setdefault(request_id, [])
        kept = replace(comment, author=comment.author[:100], id=self.db.new_id("support_comments"))
        comments.append(kept)
        self.undo.appended(comments)
        return kept

    def comments(self, request_id: int) -> list[Comment]:
        return list(self.db.support_comments.get(request_id, []))

    def requests(
        self,
        status: Status | None = None,
        *,
        label: str | None = None,
        assignee: str | None = None,
        triage: Triage | None = None,
        limit: int = 100,
    ) -> list[SupportRequest]:
        wanted = label.strip().casefold() if label is not None else None
        found = [
            r
            for _, r in sorted(self.db.support.items(), reverse=True)
            if (status is None or r.status is status)
            and (triage is None or r.triage is triage)
            and (assignee is None or r.assignee == assignee)
            and (wanted is None or wanted in {name.casefold() for name in r.labels})
        ]
        return found[:limit]

    def untriaged(self, limit: int = 200) -> list[SupportRequest]:
        found = [
            r
            for r in self.db.support.values()
            if r.triage is Triage.UNTRIAGED and r.status is not Status.DONE
        ]
        return sorted(found, key=lambda r: (r.created_at, r.id))[:limit]

    def created_between(self, start: datetime, end: datetime) -> list[SupportRequest]:
        found = [r for r in self.db.support.values() if start <= r.created_at < end]
        return sorted(found, key=lambda r: (r.created_at, r.id))
