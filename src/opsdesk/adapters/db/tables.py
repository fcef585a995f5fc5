"""The tables (SQLAlchemy 2 declarative models). Migrations in migrations/versions create them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from opsdesk.adapters.db.types import UtcDateTime

ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite auto-increments INTEGER PRIMARY KEY only


class Base(DeclarativeBase):
    pass


class OutboxRecord(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    destination: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When a worker handed the message to its vendor; left set when that attempt's outcome is unknown.
    sending_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The key of the message this one follows: not claimed until that one is delivered.
    after_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # What the vendor called the message once delivered (Slack: channel and ts), for one that follows it.
    reference: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)


class JobRecord(Base):
    """Timed work: every replica may schedule a job; the unique key keeps it to one row."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class TokenRecord(Base):
    """API tokens, stored as SHA-256 hashes: the token itself is shown once, when created."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SecretRecord(Base):
    """Server secrets shared by every replica (e.g. the key that signs calendar-feed URLs)."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class IncidentRecord(Base):
    """An incident. `open_key` is "service/dedup key" while it is open and NULL once resolved: unique, so
    two replicas taking the same alarm at once open one incident, and a resolved key can open a new one."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_opened", "opened_at"),
        Index("ix_incidents_state", "state"),
        Index("ix_incidents_resolved", "resolved_at"),  # the hand-back: incidents resolved overnight
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(64))
    dedup_key: Mapped[str] = mapped_column(String(255))
    open_key: Mapped[str | None] = mapped_column(String(330), unique=True, nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(1024))
    source: Mapped[str] = mapped_column(String(255))
    severity: Mapped[str] = mapped_column(String(16))
    cover: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(2), nullable=True)
    lead: Mapped[str | None] = mapped_column(String(100), nullable=True)
    scribe: Mapped[str | None] = mapped_column(String(100), nullable=True)
    alert_count: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict[str, object]] = mapped_column(JSON)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    deferred_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    informed: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan: Mapped[str | None] = mapped_column(Text, nullable=True)


class IncidentEntryRecord(Base):
    """The timeline: every change to an incident, who made it, from where, and when."""

    __tablename__ = "incident_entries"
    __table_args__ = (
        Index("ix_incident_entries_incident", "incident_id", "id"),
        # The timeline's default view leaves out joined alerts (a storm may hold hundreds of thousands).
        Index(
            "ix_incident_entries_not_alerts",
            "incident_id",
            "id",
            postgresql_where=text("kind <> 'alert'"),
            sqlite_where=text("kind <> 'alert'"),
        ),
        # A briefing counts the alerts of the last day and lists its pages: each read walks its own kind's
        # entries by time. The alerts' index holds all the count reads (the kind too: SQLite reads a column
        # a query names from the table unless the index holds it), so a storm is counted in the index.
        Index(
            "ix_incident_entries_alerts_at",
            "at",
            "incident_id",
            "kind",
            postgresql_where=text("kind = 'alert'"),
            sqlite_where=text("kind = 'alert'"),
        ),
        Index(
            "ix_incident_entries_pages_at",
            "at",
            postgresql_where=text("kind = 'paged'"),
            sqlite_where=text("kind = 'paged'"),
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ID, ForeignKey("incidents.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, object]] = mapped_column(JSON)


class ReceiptRecord(Base):
    """Deliveries already taken in (e.g. an SNS MessageId), so a vendor's retry is not counted twice."""

    __tablename__ = "intake_receipts"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChangeRecord(Base):
    """An out-of-hours change request; from a GitHub issue (repository, issue) or the API and CLI."""

    __tablename__ = "change_requests"
    __table_args__ = (
        Index("ix_change_requests_issue", "repository", "issue", unique=True),
        Index("ix_change_requests_state", "state"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    requester: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    window_end: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    problems: Mapped[list[object]] = mapped_column(JSON)
    assigned: Mapped[str | None] = mapped_column(String(100), nullable=True)
    instructions: Mapped[str | None] = mapped_column(Text, nullable=True)
    channel: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # The items ticked: [{"item": id, "by": who, "at": ISO 8601 UTC}], in the order ticked.
    checklist: Mapped[list[object]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    monitoring_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    repository: Mapped[str | None] = mapped_column(String(140), nullable=True)
    issue: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ChangeEntryRecord(Base):
    """A change request's history: every transition and edit, who and when."""

    __tablename__ = "change_entries"
    __table_args__ = (Index("ix_change_entries_change", "change_id", "id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    change_id: Mapped[int] = mapped_column(ID, ForeignKey("change_requests.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)


class RotaChangeRecord(Base):
    """Swaps, overrides and leave made as commands: the record of who proposed and who consented, and
    the layer in force over a read-only policy file (state `layered`)."""

    __tablename__ = "rota_changes"
    __table_args__ = (Index("ix_rota_changes_state", "state"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    entries: Mapped[dict[str, object]] = mapped_column(JSON)  # {"overrides": [...], "leave": [...]}
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    partner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    accepted_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    folded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class BriefingRecord(Base):
    """A handover (of any kind): a briefing made and kept. `key` (kind and UTC moment) is unique, so of two replicas making the same
    moment one keeps it; the briefing is its JSON document, with what the reads filter on as columns."""

    __tablename__ = "handovers"
    __table_args__ = (Index("ix_handovers_at", "at", "kind"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    stretch_start: Mapped[datetime] = mapped_column(UtcDateTime)
    stretch_end: Mapped[datetime] = mapped_column(UtcDateTime)
    timeliness: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, object]] = mapped_column(JSON)
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_via: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class HandoverNoteRecord(Base):
    """What the support engineer wrote for the next handover."""

    __tablename__ = "handover_notes"
    __table_args__ = (Index("ix_handover_notes_at", "at"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)


class SupportRequestRecord(Base):
    """A user support request on the board; from a GitHub issue (repository, issue), a Slack message (its
    channel, its thread's root and its own ts) or the API and CLI."""

    __tablename__ = "support_requests"
    __table_args__ = (
        Index("ix_support_requests_issue", "repository", "issue", unique=True),
        Index("ix_support_requests_status", "status", "triage"),
        Index("ix_support_requests_created", "created_at"),
        Index("ix_support_requests_slack", "slack_channel", "slack_ts", unique=True),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    requester: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    triage: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(2), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(100), nullable=True)
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    repository: Mapped[str | None] = mapped_column(String(140), nullable=True)
    issue: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    triaged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    triaged_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    slack_channel: Mapped[str | None] = mapped_column(String(40), nullable=True)
    slack_thread: Mapped[str | None] = mapped_column(String(32), nullable=True)
    slack_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)


class SupportLabelRecord(Base):
    """A request's labels, one row each (`folded`: the label case-folded, what a filter matches)."""

    __tablename__ = "support_labels"
    __table_args__ = (Index("ix_support_labels_folded", "folded", "request_id"),)

    request_id: Mapped[int] = mapped_column(ID, ForeignKey("support_requests.id"), primary_key=True)
    folded: Mapped[str] = mapped_column(String(200), primary_key=True)
    label: Mapped[str] = mapped_column(String(50))


class SupportEntryRecord(Base):
    """A support request's history: created, triaged, assigned, moved, reopened, commented; who and when."""

    __tablename__ = "support_entries"
    __table_args__ = (Index("ix_support_entries_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ID, ForeignKey("support_requests.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)


class SupportCommentRecord(Base):
    """A comment on a support request (from opsdesk, or from the request's GitHub issue)."""

    __tablename__ = "support_comments"
    __table_args__ = (Index("ix_support_comments_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ID, ForeignKey("support_requests.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    author: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)


class AnnouncementRecord(Base):
    """An announcement: what was said, by whom, where it went, the mention it used, the next update it
    promised (and what became of it), and the reminders before its work starts."""

    __tablename__ = "announcements"
    __table_args__ = (
        Index("ix_announcements_at", "at"),
        Index("ix_announcements_mention", "mention", "at"),  # the week's @here, counted
        Index("ix_announcements_incident", "incident_id", "id"),
        Index("ix_announcements_change", "change_id", "id"),
        # Promises not kept yet: kept by the next announcement on their subject, listed when overdue.
        Index(
            "ix_announcements_open_promises",
            "overdue_from",
            postgresql_where=text("kept_at IS NULL AND next_update IS NOT NULL"),
            sqlite_where=text("kept_at IS NULL AND next_update IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    incident_id: Mapped[int | None] = mapped_column(ID, ForeignKey("incidents.id"), nullable=True)
    change_id: Mapped[int | None] = mapped_column(ID, ForeignKey("change_requests.id"), nullable=True)
    priority: Mapped[str | None] = mapped_column(String(2), nullable=True)
    mention: Mapped[str | None] = mapped_column(String(8), nullable=True)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_update: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    overdue_from: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    kept_by: Mapped[int | None] = mapped_column(ID, nullable=True)
    kept_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    update_channel: Mapped[str | None] = mapped_column(String(100), nullable=True)
    ask_channel: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # [{"before": seconds, "at": ISO 8601 UTC, "sent_at": ISO 8601 UTC or null}], earliest first.
    reminders: Mapped[list[object]] = mapped_column(JSON)


class IncidentEmailRecord(Base):
    """A critical-incident email taken in: once by Message-ID, the incident it opened or joined, the raw
    message (cut) for audit, and the reply sent. `reply_to_key` is `reply_to` in lower case, so the replies
    to one address are counted through an index on SQLite and PostgreSQL alike."""

    __tablename__ = "incident_emails"
    __table_args__ = (
        Index("ix_incident_emails_incident", "incident_id", "received_at"),
        Index("ix_incident_emails_reply_id", "reply_id"),  # a message in the thread of a reply sent
        Index("ix_incident_emails_reply_to", "reply_to_key", "received_at"),  # the replies of the last hour
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ID, ForeignKey("incidents.id"), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(100), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_size: Mapped[int] = mapped_column(BigInteger)
    reply_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reply_to: Mapped[str | None] = mapped_column(Text, nullable=True)
    reply_to_key: Mapped[str | None] = mapped_column(String(320), nullable=True)
    silent: Mapped[str | None] = mapped_column(Text, nullable=True)


class AskThreadRecord(Base):
    """A question's thread in the ask channel: who asked when, and what opsdesk did about it (each once)."""

    __tablename__ = "ask_threads"
    __table_args__ = (UniqueConstraint("channel", "thread_ts", name="uq_ask_threads_thread"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(40))
    thread_ts: Mapped[str] = mapped_column(String(32))
    asked_by: Mapped[str] = mapped_column(String(40))
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    out_of_hours_answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
