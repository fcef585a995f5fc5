"""Who may acknowledge a briefing, and what follows when nobody does."""

from __future__ import annotations

from datetime import datetime

from opsdesk.domain.errors import HandoverError, HandoverNotAllowedError
from opsdesk.domain.handover.model import HandoverPolicy, HandoverRecord, Timeliness


def name(record: HandoverRecord) -> str:
    """How messages name a record: `the handover #3`."""
    return f"the {record.kind} #{record.id}"


def check_acknowledge(record: HandoverRecord, engineer: str) -> None:
    """HandoverError unless `engineer` may acknowledge `record` now (a receiver, and not done already)."""
    if not record.kind.acknowledged:
        raise HandoverError(f"{name(record)} is for reading only: a digest is not acknowledged")
    if record.briefing.timeliness is Timeliness.MISSED:
        raise HandoverError(
            f"{name(record)} was missed (opsdesk was down) and never sent: there is nothing to acknowledge"
        )
    done = record.acknowledgement
    if done is not None:
        raise HandoverError(
            f"{name(record)} was acknowledged already, by {done.by} at {done.at.isoformat()} "
            f"(from {done.via}); nothing changed"
        )
    receivers = [p.id for p in record.briefing.receivers]
    if engineer not in receivers:
        who = " or ".join(receivers) or "nobody (no receiver held the role)"
        raise HandoverNotAllowedError(
            f"only its receivers acknowledge {name(record)}: {who}; {engineer} is not one of them"
        )


def reminder_due(record: HandoverRecord, policy: HandoverPolicy) -> datetime:
    """When the receivers are reminded if nobody has acknowledged."""
    return record.made_at + policy.acknowledge_within


def giver_told_due(record: HandoverRecord, policy: HandoverPolicy) -> datetime:
    """When the giver (the support engineer of a handover) is told nobody acknowledged."""
    return reminder_due(record, policy) + policy.tell_support_after
