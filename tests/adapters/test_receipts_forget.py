"""Receipts that matter only for a while (a signed request's, against replays inside Slack's five-minute
window) are forgotten once that has passed, on every store alike; other receipts stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opsdesk.services.receipts import FORGET_EVERY, RequestReceipts, _forgets
from opsdesk.services.unit_of_work import UnitOfWorkFactory
from tests.fakes import SteppingClock

NOW = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
PREFIX = "slack:signature:"


def _kept(units: UnitOfWorkFactory, key: str) -> bool:
    with units() as uow:
        return uow.receipts.marked(key) is not None


def test_forget_removes_only_the_old_receipts_under_the_literal_prefix(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        for key, at in (
            (f"{PREFIX}v0=old", NOW - timedelta(minutes=11)),
            (f"{PREFIX}v0=new", NOW - timedelta(minutes=1)),
            ("slack:signatureXv0=old", NOW - timedelta(hours=1)),  # `_` or `%` in a prefix is no wildcard
            ("email:<a@b>", NOW - timedelta(days=30)),
        ):
            assert uow.receipts.receipt(key, at)
        assert uow.receipts.forget("slack:signature_", NOW) == 0
        assert uow.receipts.forget(PREFIX, NOW - timedelta(minutes=10)) == 1
        uow.commit()
    assert not _kept(units, f"{PREFIX}v0=old")
    for key in (f"{PREFIX}v0=new", "slack:signatureXv0=old", "email:<a@b>"):
        assert _kept(units, key)


def test_every_so_often_a_request_forgets_the_expired_receipts_of_its_kind(units: UnitOfWorkFactory) -> None:
    clock = SteppingClock(NOW)
    receipts = RequestReceipts(units, clock)
    lasting = (PREFIX, timedelta(minutes=10))
    assert receipts.first(f"{PREFIX}v0=first", expiring=lasting)
    assert not receipts.first(f"{PREFIX}v0=first", expiring=lasting)  # a replay, while it matters
    clock.instant = NOW + timedelta(minutes=11)
    forgetting = next(f"{PREFIX}v0={n}" for n in range(10_000) if _forgets(f"{PREFIX}v0={n}"))
    keeping = next(f"{PREFIX}v0={n}" for n in range(10_000) if not _forgets(f"{PREFIX}v0={n}"))
    assert receipts.first(keeping, expiring=lasting)
    assert _kept(units, f"{PREFIX}v0=first")  # most requests leave the table alone
    assert receipts.first(forgetting, expiring=lasting)
    assert not _kept(units, f"{PREFIX}v0=first")
    assert _kept(units, keeping) and _kept(units, forgetting)
    share = sum(_forgets(f"{PREFIX}v0={n:064x}") for n in range(64_000)) / 64_000
    assert abs(share - 1 / FORGET_EVERY) < 0.005
