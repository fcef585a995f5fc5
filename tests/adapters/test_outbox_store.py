"""The outbox table on SQLite and PostgreSQL: idempotent adds, leases, outcomes, dead rows, UTC."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from opsdesk.adapters.db.engine import HEAD, alembic_head, migrations_current
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.db.tables import OutboxRecord
from opsdesk.domain.outbox import OutboxState, OutgoingMessage

NOW = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def message(key: str) -> OutgoingMessage:
    return OutgoingMessage("log", "#ask", {"text": f"hello {key}"}, key)


def add(store: SqlOutbox, *keys: str, now: datetime = NOW) -> list[bool]:
    with store.engine.begin() as connection:
        return [store.add(connection, message(k), now) for k in keys]


def test_migrations_are_current(db: Engine) -> None:
    assert migrations_current(db)


def test_the_same_idempotency_key_is_stored_once(db: Engine) -> None:
    store = SqlOutbox(db)
    assert add(store, "a", "a", "b") == [True, False, True]
    assert add(store, "a") == [False]
    assert sorted(r.message.idempotency_key for r in store.rows()) == ["a", "b"]


def test_a_rolled_back_change_leaves_no_message(db: Engine) -> None:
    store = SqlOutbox(db)

    def change_that_fails() -> None:
        with db.begin() as connection:
            store.add(connection, message("lost-with-the-change"), NOW)
            raise RuntimeError("the change that caused it failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert store.rows() == []


def test_a_claimed_row_is_held_until_its_lease_runs_out(db: Engine) -> None:
    store = SqlOutbox(db)
    add(store, "a", "b")
    first = store.claim("w1", NOW, 1, LEASE)
    second = store.claim("w2", NOW, 10, LEASE)
    assert [r.message.idempotency_key for r in first] == ["a"]
    assert [r.message.idempotency_key for r in second] == ["b"]
    assert store.claim("w3", NOW + timedelta(seconds=10), 10, LEASE) == []
    # w1 died: after the lease, another worker takes the row, and w1 can no longer mark it
    again = store.claim("w3", NOW + LEASE + timedelta(seconds=1), 10, LEASE)
    assert [r.message.idempotency_key for r in again] == ["a", "b"]
    assert store.delivered(first[0].id, "w1", NOW) is False
    assert store.delivered(first[0].id, "w3", NOW + LEASE) is True
    assert [(r.message.idempotency_key, r.state) for r in store.rows()] == [
        ("b", OutboxState.PENDING),
        ("a", OutboxState.DELIVERED),
    ]


def test_a_failure_is_retried_later_and_parks_as_dead(db: Engine) -> None:
    store = SqlOutbox(db)
    add(store, "a")
    (row,) = store.claim("w1", NOW, 10, LEASE)
    store.failed(row.id, "w1", "HTTP 500 from Slack", NOW + timedelta(minutes=1))
    assert store.claim("w1", NOW + timedelta(seconds=59), 10, LEASE) == []
    (row,) = store.claim("w1", NOW + timedelta(minutes=1), 10, LEASE)
    assert (row.attempts, row.last_error) == (1, "HTTP 500 from Slack")
    store.failed(row.id, "w1", "HTTP 400 invalid_auth", None)
    (dead,) = store.rows(OutboxState.DEAD)
    assert (dead.attempts, dead.last_error) == (2, "HTTP 400 invalid_auth")
    assert store.claim("w1", NOW + timedelta(days=1), 10, LEASE) == []
    assert store.retry(dead.id, NOW + timedelta(days=1)) is True
    assert store.retry(dead.id, NOW) is False
    assert [r.message.idempotency_key for r in store.claim("w1", NOW + timedelta(days=1), 10, LEASE)] == ["a"]


def test_release_gives_rows_back_at_once(db: Engine) -> None:
    store = SqlOutbox(db)
    add(store, "a")
    store.claim("w1", NOW, 10, LEASE)
    store.release("w1")
    assert len(store.claim("w2", NOW, 10, LEASE)) == 1


def test_instants_come_back_as_utc(db: Engine) -> None:
    store = SqlOutbox(db)
    london = datetime(2026, 7, 1, 17, 30, tzinfo=ZoneInfo("Europe/London"))
    add(store, "a", now=london)
    (row,) = store.rows()
    assert row.created_at == datetime(2026, 7, 1, 16, 30, tzinfo=UTC)
    assert row.created_at.utcoffset() == timedelta(0)
    with db.connect() as connection:
        stored = connection.scalar(select(OutboxRecord.created_at))
    assert stored == london
    with pytest.raises(Exception, match="naive datetime"), db.begin() as connection:
        store.add(connection, message("b"), datetime(2026, 7, 1, 17, 30))


def test_concurrent_claims_never_share_a_row(db: Engine) -> None:
    store = SqlOutbox(db)
    add(store, *[f"m{i}" for i in range(60)])
    claimed: dict[str, list[int]] = {}

    def worker(name: str) -> None:
        mine = claimed.setdefault(name, [])
        while rows := store.claim(name, NOW, 5, LEASE):
            mine += [r.id for r in rows]

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = [row_id for ids in claimed.values() for row_id in ids]
    assert len(everything) == 60
    assert len(set(everything)) == 60


def test_a_row_is_taken_to_send_only_while_its_lease_is_held(db: Engine) -> None:
    store = SqlOutbox(db)
    add(store, "a")
    (row,) = store.claim("w1", NOW, 1, LEASE)
    assert not store.take(row.id, "w2", NOW, LEASE)  # not w2's
    assert not store.take(row.id, "w1", NOW + LEASE, LEASE)  # w1's lease has run out
    (again,) = store.claim("w2", NOW + LEASE + timedelta(seconds=1), 1, LEASE)
    assert not store.take(again.id, "w1", NOW + LEASE + timedelta(seconds=1), LEASE)
    assert store.take(again.id, "w2", NOW + LEASE + timedelta(seconds=2), LEASE)
    assert store.claim("w3", NOW + LEASE * 2, 1, LEASE) == []  # taking renewed w2's lease
    assert store.renew(again.id, "w2", NOW + LEASE * 2, LEASE)
    assert store.claim("w3", NOW + LEASE * 2 + timedelta(seconds=29), 1, LEASE) == []
    assert not store.renew(again.id, "w3", NOW, LEASE)


def test_an_attempt_in_doubt_stays_marked_until_it_is_settled(db: Engine) -> None:
    store = SqlOutbox(db)
    add(store, "a")
    (row,) = store.claim("w1", NOW, 1, LEASE)
    assert row.sending_at is None and not row.in_doubt
    assert store.take(row.id, "w1", NOW, LEASE)
    assert store.failed(row.id, "w1", "IncompleteRead", NOW, in_doubt=True)
    (row,) = store.claim("w2", NOW, 1, LEASE)
    assert (row.sending_at, row.in_doubt) == (NOW, True)
    taken = store.take(row.id, "w2", NOW + timedelta(seconds=5), LEASE)
    assert taken is not None and taken.in_doubt_since == NOW  # as the row stands, not as claimed
    (kept,) = store.rows()
    assert kept.sending_at == NOW  # the first attempt in doubt is the one to look back from
    assert store.failed(row.id, "w2", "cannot look", None, in_doubt=True)
    (dead,) = store.rows(OutboxState.DEAD)
    assert dead.sending_at == NOW and not dead.in_doubt  # dead: a person decides
    assert store.retry(dead.id, NOW)
    assert store.rows()[0].sending_at is None
    assert not store.failed(dead.id, "w2", "late", None)  # no longer w2's: nothing recorded


def test_a_vendor_error_holding_nul_is_recorded_on_both_databases(db: Engine) -> None:
    store = SqlOutbox(db)
    add(store, "a")
    (row,) = store.claim("w1", NOW, 1, LEASE)
    assert store.failed(row.id, "w1", "HTTP 500: bad\x00byte", NOW)
    assert store.rows()[0].last_error == "HTTP 500: bad\\0byte"


def test_the_head_every_command_checks_is_alembics(db: Engine) -> None:
    assert alembic_head() == HEAD
    assert migrations_current(db)
    try:
        with db.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0005'")
        assert not migrations_current(db)
    finally:  # the schema is shared by the tests that follow
        with db.begin() as connection:
            connection.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{HEAD}'")
