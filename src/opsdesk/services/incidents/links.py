"""Following a page's signed acknowledge link: looking at it (what a GET shows, acting on nothing: chat
unfurlers and mail scanners fetch links) and acknowledging through it (a POST), as the engineer the link
names, once: the link's nonce is taken in as a receipt in the same unit of work as the acknowledgement.

A test page's link (its claim's cycle 0) acknowledges the test page by the method it came by (Slack,
email), once, and touches no incident.

Every answer says what happened and what to do next; none says why a token is not valid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from opsdesk.domain.errors import IncidentError, UnknownIncidentError
from opsdesk.domain.incidents.ack_links import AckClaim, LinkError, read
from opsdesk.domain.incidents.model import Action, Incident, IncidentState
from opsdesk.domain.incidents.page_test import MAX_CODE, by_receipt, code_of, step_method, to_receipt
from opsdesk.domain.timeline import Actor, Source
from opsdesk.services.incidents.actions import ActionSteps
from opsdesk.services.incidents.page_tests import AckOutcome, acked_at, take_ack


class LinkState(StrEnum):
    READY = "ready"  # a GET: the link would acknowledge
    ACKNOWLEDGED = "acknowledged"  # a POST: it did
    USED = "used"  # this link acknowledged before
    EXPIRED = "expired"
    DONE = "done"  # someone acknowledged, deferred or resolved the incident: nothing to do
    INVALID = "invalid"  # not a link of this opsdesk (garbage, changed, another secret, links not set up)


@dataclass(frozen=True)
class LinkAnswer:
    state: LinkState
    claim: AckClaim | None = None
    incident: Incident | None = None
    used_at: datetime | None = None  # USED: when the link acknowledged
    test: str = ""  # a test page's link: its code (T4821); `incident` is None
    method: str = ""  # and the method it came by (slack, email)


def look_at_link(incidents: ActionSteps, token: str) -> LinkAnswer:
    """What the link would do now; changes nothing."""
    claim = _claim(incidents, token)
    if claim is None:
        return LinkAnswer(LinkState.INVALID)
    if claim.test:
        return _test_link(incidents, claim, act=False)
    with incidents.uow() as uow:
        incident = uow.incidents.get(claim.incident)
        used_at = uow.receipts.marked(claim.receipt)
    return _answer(incidents, claim, incident, used_at, LinkState.READY)


def acknowledge_by_link(incidents: ActionSteps, token: str) -> LinkAnswer:
    """Acknowledge as the link's engineer, once; what happened (never an exception for a bad link)."""
    claim = _claim(incidents, token)
    if claim is None:
        return LinkAnswer(LinkState.INVALID)
    if claim.test:
        return _test_link(incidents, claim, act=True)
    if claim.expired(incidents.clock.now()):
        return look_at_link(incidents, token)  # used, done by someone, or expired: saying which
    actor = Actor(claim.engineer, Source.LINK)
    try:
        done = incidents.act_from_message(claim.incident, Action.ACKNOWLEDGE, actor, claim.receipt, None)
    except UnknownIncidentError:
        return LinkAnswer(LinkState.INVALID)
    except IncidentError:
        done = None  # acknowledged or resolved meanwhile: the answer below says by whom
    if done is not None:
        return LinkAnswer(LinkState.ACKNOWLEDGED, claim, done)
    return look_at_link(incidents, token)


def _test_link(incidents: ActionSteps, claim: AckClaim, *, act: bool) -> LinkAnswer:
    """A test page's link looked at (`act` False) or followed: acknowledged by its method, once."""
    method = step_method(claim.step)
    if method is None or claim.incident > MAX_CODE:
        return LinkAnswer(LinkState.INVALID)
    code, now = code_of(claim.incident), incidents.clock.now()
    with incidents.transaction() as uow:
        sent = uow.receipts.marked(by_receipt(code, method)) and uow.receipts.marked(
            to_receipt(code, claim.engineer)
        )
        used_at = acked_at(uow, code, method)
        state = LinkState.READY
        if not sent:
            state = LinkState.INVALID
        elif used_at is not None:
            state = LinkState.USED
        elif claim.expired(now):
            state = LinkState.EXPIRED
        elif act:
            done, used_at = take_ack(uow, code, claim.engineer, method, now)
            state = LinkState.ACKNOWLEDGED if done is AckOutcome.ACKNOWLEDGED else LinkState.USED
    if state is LinkState.INVALID:
        return LinkAnswer(state)
    return LinkAnswer(state, claim, used_at=used_at, test=code, method=method)


def _claim(incidents: ActionSteps, token: str) -> AckClaim | None:
    if incidents.links is None:
        return None
    try:
        return read(incidents.links.secret, token)
    except LinkError:
        return None


def _answer(
    incidents: ActionSteps,
    claim: AckClaim,
    incident: Incident | None,
    used_at: datetime | None,
    otherwise: LinkState,
) -> LinkAnswer:
    if incident is None:
        return LinkAnswer(LinkState.INVALID)
    if used_at is not None:
        return LinkAnswer(LinkState.USED, claim, incident, used_at)
    if incident.state is not IncidentState.TRIGGERED:
        return LinkAnswer(LinkState.DONE, claim, incident)
    if claim.expired(incidents.clock.now()):
        return LinkAnswer(LinkState.EXPIRED, claim, incident)
    return LinkAnswer(otherwise, claim, incident)
