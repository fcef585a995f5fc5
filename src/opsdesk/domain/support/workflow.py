"""The board's rules: which status may follow which, when triage and reopening may happen, who may act,
and what a label is."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from opsdesk.domain.errors import SupportError, SupportNotAllowedError
from opsdesk.domain.people import People
from opsdesk.domain.rota import Engineer
from opsdesk.domain.support.model import (
    LABEL_LIMIT,
    LABELS_LIMIT,
    Priority,
    Status,
    SupportRequest,
    Triage,
)

# Where an accepted request may move from each status. Done leads nowhere: `reopen` is its own act, so a
# request is never quietly taken off the done column (and its time to done is never silently lost).
MOVES: dict[Status, tuple[Status, ...]] = {
    Status.TODO: (Status.IN_PROGRESS, Status.BLOCKED, Status.DONE),
    Status.IN_PROGRESS: (Status.TODO, Status.BLOCKED, Status.FOR_REVIEW, Status.DONE),
    Status.BLOCKED: (Status.TODO, Status.IN_PROGRESS, Status.DONE),
    Status.FOR_REVIEW: (Status.IN_PROGRESS, Status.DONE),
    Status.DONE: (),
}


def listed(names: Iterable[str], last: str = "or") -> str:
    found = list(names)
    return found[0] if len(found) == 1 else f"{', '.join(found[:-1])} {last} {found[-1]}"


def status_of(text: str) -> Status:
    """The status named by `text`; SupportError listing the statuses for any other word."""
    try:
        return Status(text.strip().lower())
    except ValueError:
        raise SupportError(f"unknown status {text[:40]!r}: a request is {listed(Status)}") from None


def priority_of(text: str) -> Priority:
    try:
        return Priority(text.strip().upper())
    except ValueError:
        raise SupportError(f"unknown priority {text[:40]!r}: accept with {listed(Priority)}") from None


def check_move(request: SupportRequest, to: Status) -> None:
    """SupportError saying why `request` may not move to `to`, and what to do instead."""
    ref = request.reference
    if request.status is Status.DONE:
        raise SupportError(
            f"{ref} is done: a done request does not move; reopen it first (`opsdesk support reopen "
            f"{request.id}`), which puts it back in todo"
        )
    if to is request.status:
        raise SupportError(f"{ref} is {to} already")
    if request.triage is not Triage.ACCEPTED:
        raise SupportError(
            f"{ref} is untriaged: triage it first (accept it with a priority, or decline it with a reason)"
        )
    allowed = MOVES[request.status]
    if to not in allowed:
        raise SupportError(f"{ref} is {request.status}: from there it moves to {listed(allowed)}")


def check_triage(request: SupportRequest) -> None:
    """Triage is for a request still on the board (accepted ones may be triaged again: a new priority)."""
    if request.status is Status.DONE:
        raise SupportError(f"{request.reference} is done: reopen it to triage it again")


def check_reopen(request: SupportRequest) -> None:
    if request.status is not Status.DONE:
        raise SupportError(f"{request.reference} is {request.status}: only a done request is reopened")


def engineer(people: People, actor: str, what: str, request: SupportRequest | None = None) -> Engineer:
    """The team engineer acting, or SupportNotAllowedError: triage, moves and assignments are theirs."""
    found = people.find(actor)
    if found is None:
        on = f" {request.reference}" if request is not None else ""
        raise SupportNotAllowedError(
            f"{actor} is not one of the team's engineers (by id, GitHub login, Slack id or email), so "
            f"cannot {what}{on}"
        )
    return found


def may_reopen(people: People, actor: str, request: SupportRequest) -> None:
    """The requester (by any of their names) or a team engineer reopens a request."""
    if people.find(actor) is None and not people.same(actor, request.requester):
        raise SupportNotAllowedError(
            f"only the requester ({request.requester}) or a team engineer can reopen {request.reference}"
        )


def is_first_response(request: SupportRequest, engineer: Engineer | None, people: People) -> bool:
    """Whether a comment by `engineer` (None: not a team engineer) is the request's first response: none
    yet, and a team engineer other than the requester wrote it (an engineer's own request is answered by a
    colleague)."""
    return (
        request.first_response_at is None
        and engineer is not None
        and not people.same(engineer.id, request.requester)
    )


def labels_of(values: Iterable[str], *, cut: bool = False) -> tuple[str, ...]:
    """Labels as kept: stripped, each once (case aside), sorted. A label over LABEL_LIMIT characters, with
    a control character, or more than LABELS_LIMIT of them is refused (or, with `cut`, as GitHub sends
    them, cut to the limits)."""
    found: dict[str, str] = {}
    for value in values:
        label = value.strip()
        if not label:
            continue
        if any(unicodedata.category(c) in {"Cc", "Cf"} for c in label):
            if not cut:
                raise SupportError(f"label {label[:60]!r} holds a control character: write it plainly")
            label = "".join(c for c in label if unicodedata.category(c) not in {"Cc", "Cf"}).strip()
        if len(label) > LABEL_LIMIT:
            if not cut:
                raise SupportError(
                    f"label {label[:60]!r}... is {len(label)} characters; at most {LABEL_LIMIT}"
                )
            label = label[:LABEL_LIMIT]
        if label:
            found.setdefault(label.casefold(), label)
    labels = tuple(sorted(found.values(), key=str.casefold))
    if len(labels) > LABELS_LIMIT:
        if not cut:
            raise SupportError(f"{len(labels)} labels; a request has at most {LABELS_LIMIT}")
        labels = labels[:LABELS_LIMIT]
    return labels
