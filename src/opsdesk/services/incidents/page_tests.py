"""Test pages (`opsdesk page test`): a page that says nothing is wrong, sent through the outbox by each of an
engineer's methods, and acknowledged back by an SMS reply naming its code, the key 1 pressed in its call,
or its link in Slack or email, each method once. A test page never touches an incident: everything about
it is kept as receipts under its code (domain/incidents/page_test.py) and read back with the outbox's rows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from opsdesk.domain.errors import NotFoundError
from opsdesk.domain.incidents.ack_links import LINK_LIFETIME, AckClaim, page_nonce, sign
from opsdesk.domain.incidents.page_test import (
    ANSWERS_BACK,
    BANNER,
    TEST_CYCLE,
    acked_receipt,
    by_receipt,
    claim_receipt,
    code_of,
    method_step,
    number_of,
    reach,
    test_stem,
    to_receipt,
)
from opsdesk.domain.notices import Page
from opsdesk.domain.outbox import OutboxRow, OutboxState
from opsdesk.domain.rota import METHODS, Engineer
from opsdesk.services.incidents.context import IncidentContext
from opsdesk.services.unit_of_work import UnitOfWork

CODE_TRIES = 50  # random codes tried before giving up: 10,000 codes, a few used a day at most
TEST_ROLE = "test"


class UnknownEngineerError(NotFoundError):
    """A test page for an engineer the policy does not name."""


class PageTestError(NotFoundError):
    """No test page has this code (or every code is taken)."""


class OutboxRows(Protocol):
    def by_key(self, key: str) -> OutboxRow | None: ...


class AckOutcome(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    ALREADY = "already"  # acknowledged by this method before
    UNKNOWN = "unknown"  # no test page with this code went by this method
    NOT_YOURS = "not-yours"  # it went to another engineer


@dataclass(frozen=True)
class PageTest:
    """A test page sent: its code, to whom, the methods it went by, those left out (and why), and which of
    its methods can be acknowledged back from this deployment."""

    code: str
    engineer: Engineer
    methods: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]
    answerable: tuple[str, ...]


@dataclass(frozen=True)
class MethodStatus:
    """One method of a test page: its message's state (pending, delivered, failed), the last error, and
    when it was acknowledged."""

    method: str
    state: str
    error: str | None
    acknowledged_at: datetime | None
    answerable: bool
    attempts: int = 0


@dataclass(frozen=True)
class PageTestStatus:
    code: str
    engineer: str
    methods: tuple[MethodStatus, ...]

    @property
    def done(self) -> bool:
        """Every method delivered and every method that can answer back acknowledged."""
        return all(
            m.state == "delivered" and (m.acknowledged_at is not None or not m.answerable)
            for m in self.methods
        )

    @property
    def settled(self) -> bool:
        """Nothing more can change by waiting: every method acknowledged, failed, or delivered where it
        cannot answer back."""
        return all(
            m.state == "failed" or (m.state == "delivered" and (m.acknowledged_at or not m.answerable))
            for m in self.methods
        )


@dataclass
class PageTests:
    """Starting a test page and reading how it fares. `webhooks`: opsdesk's public address is set, so
    Twilio's webhooks (an SMS reply, a key pressed) can reach it."""

    incidents: IncidentContext
    rows: OutboxRows
    webhooks: bool = False

    def engineer(self, engineer_id: str) -> Engineer:
        found = next((e for e in self.incidents.rota.rota.engineers if e.id == engineer_id), None)
        if found is None:
            known = ", ".join(e.id for e in self.incidents.rota.rota.engineers) or "none"
            raise UnknownEngineerError(f"no engineer {engineer_id!r}; the engineers are: {known}")
        return found

    def start(self, engineer_id: str) -> PageTest:
        """Send a test page to the engineer by each method set up here that reaches them (none sent when
        none does); the methods left out are named with what to set."""
        engineer = self.engineer(engineer_id)
        found = reach(engineer, self.incidents.notifier.channels)
        now = self.incidents.clock.now()
        with self.incidents.transaction() as uow:
            code = _claim_code(uow, now)
            uow.receipts.receipt(to_receipt(code, engineer.id), now)
            for method in found.methods:
                uow.receipts.receipt(by_receipt(code, method), now)
            if found.methods:
                self.incidents.notifier.send(uow.outbox, self._page(engineer, code, found.methods, now), now)
        answerable = tuple(m for m in found.methods if self.answers_back(m))
        return PageTest(code, engineer, found.methods, found.skipped, answerable)

    def answers_back(self, method: str) -> bool:
        """Whether a test page by `method` can be acknowledged back here."""
        if method in ("sms", "voice"):
            return self.webhooks
        return method in ANSWERS_BACK and self.incidents.links is not None

    def status(self, code: str) -> PageTestStatus:
        """How each method of test page `code` fares: its message's state and when it was acknowledged."""
        with self.incidents.transaction() as uow:
            if uow.receipts.marked(claim_receipt(code)) is None:
                raise PageTestError(f"no test page {code}: `opsdesk page test --engineer ID` starts one")
            engineer = next(
                (
                    e.id
                    for e in self.incidents.rota.rota.engineers
                    if uow.receipts.marked(to_receipt(code, e.id))
                ),
                "?",
            )
            methods = [m for m in METHODS if uow.receipts.marked(by_receipt(code, m)) is not None]
            acked = {m: uow.receipts.marked(acked_receipt(code, m)) for m in methods}
        shown = []
        for method in methods:
            row = self.rows.by_key(f"{test_stem(code)}:{method}")
            state, error, attempts = "pending", None, 0
            if row is not None:
                state = {OutboxState.DELIVERED: "delivered", OutboxState.DEAD: "failed"}.get(
                    row.state, "pending"
                )
                error, attempts = row.last_error, row.attempts
            shown.append(
                MethodStatus(method, state, error, acked[method], self.answers_back(method), attempts)
            )
        return PageTestStatus(code, engineer, tuple(shown))

    def _page(self, engineer: Engineer, code: str, methods: tuple[str, ...], now: datetime) -> Page:
        links = {m: self._link(engineer, code, m, now) for m in ("slack", "email") if m in methods}
        email_link = links.get("email", "")
        how = (
            f"Acknowledge it (once, within 24 hours): {email_link}"
            if email_link
            else "This deployment has no acknowledge links (OPSDESK_PUBLIC_URL and OPSDESK_LINK_SECRET)."
        )
        text = f"{BANNER}\nThis checks that opsdesk's pages reach {engineer.name} (code {code}).\n{how}"
        return Page(
            engineer.id,
            TEST_ROLE,
            number_of(code),
            "opsdesk",
            f"{BANNER} Code {code}.",
            TEST_CYCLE,
            TEST_CYCLE,
            methods,
            test_stem(code),
            f"[opsdesk] TEST PAGE {code}: nothing is wrong",
            text,
            ack_url=links.get("slack", ""),
            test=code,
        )

    def _link(self, engineer: Engineer, code: str, method: str, now: datetime) -> str:
        """The signed link that acknowledges the test page by `method` ("" without links set up)."""
        setup = self.incidents.links
        if setup is None:
            return ""
        nonce = page_nonce(setup.secret, f"{test_stem(code)}:{method}:{engineer.id}")
        claim = AckClaim(
            number_of(code), engineer.id, TEST_CYCLE, method_step(method), now + LINK_LIFETIME, nonce
        )
        return setup.url(sign(setup.secret, claim))


def _claim_code(uow: UnitOfWork, now: datetime) -> str:
    for _ in range(CODE_TRIES):
        code = code_of(secrets.randbelow(10_000))
        if uow.receipts.receipt(claim_receipt(code), now):
            return code
    raise PageTestError("no free test page code: try again")


def take_ack(
    uow: UnitOfWork, code: str, engineer: str, method: str, now: datetime
) -> tuple[AckOutcome, datetime | None]:
    """Acknowledge test page `code` by `method` as `engineer`, once; what happened and when it was
    acknowledged. Changes nothing unless it went to that engineer by that method."""
    if (
        uow.receipts.marked(claim_receipt(code)) is None
        or uow.receipts.marked(by_receipt(code, method)) is None
    ):
        return AckOutcome.UNKNOWN, None
    if uow.receipts.marked(to_receipt(code, engineer)) is None:
        return AckOutcome.NOT_YOURS, None
    key = acked_receipt(code, method)
    if not uow.receipts.receipt(key, now):
        return AckOutcome.ALREADY, uow.receipts.marked(key)
    return AckOutcome.ACKNOWLEDGED, now


def acked_at(uow: UnitOfWork, code: str, method: str) -> datetime | None:
    return uow.receipts.marked(acked_receipt(code, method))
