"""What an engineer saw when they opened a request's Triage or Assign form: the triage (or assignee) as a
short version carried by the form, and the refusal of a submission made on a view no longer true (someone
else triaged or assigned it since), naming who did what."""

from __future__ import annotations

import hashlib
import json

from opsdesk.domain.errors import SupportError
from opsdesk.domain.support.model import SupportRequest, Triage

SEEN_LIMIT = 64  # characters of a version: far more than one is


def _version(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=True, default=str).encode()).hexdigest()[:16]


def triage_seen(request: SupportRequest) -> str:
    """The request's triage as a version: the decision, priority, reason, and the first triage."""
    return _version(request.triage, request.priority, request.reason, request.triaged_at, request.triaged_by)


def assignee_seen(request: SupportRequest) -> str:
    return _version(request.assignee)


def triage_changed(request: SupportRequest, seen: str | None, by: str | None) -> SupportError:
    """The error refusing a triage made on a view of the request that is no longer true (`seen`, from
    triage_seen, differs from its triage now; None: not known): who triaged it since (`by`: the latest to
    triage it), and what to do."""
    ref, who = request.reference, by or "someone"
    if seen is None:
        return SupportError(
            f"this form does not say how {ref} was triaged when you opened it: close it and press Triage again"
        )
    if request.triage is Triage.ACCEPTED:
        return SupportError(
            f"{who} accepted {ref} as {request.priority} since you opened this form: close it, or press "
            "Triage again to change it"
        )
    if request.triage is Triage.DECLINED:
        return SupportError(
            f"{who} declined {ref} since you opened this form ({(request.reason or '')[:200]}): close it; "
            f"to triage it again, reopen it first (`opsdesk support reopen {request.id}`)"
        )
    return SupportError(
        f"{ref} was triaged and reopened since you opened this form: close it and press Triage again"
    )


def assignee_changed(request: SupportRequest, seen: str | None, by: str | None) -> SupportError:
    """The error refusing an assignment made on a view no longer true (`seen`, from assignee_seen,
    differs from the assignee now): who assigned it since (`by`: the latest to), and what to do."""
    ref = request.reference
    if seen is None:
        return SupportError(
            f"this form does not say who {ref} was assigned to when you opened it: close it and press "
            "Assign again"
        )
    if request.assignee is None:
        return SupportError(
            f"{ref} was unassigned since you opened this form: close it and press Assign again"
        )
    return SupportError(
        f"{by or 'someone'} assigned {ref} to {request.assignee} since you opened this form: close it, or "
        "press Assign again to change it"
    )
