"""A support request made from a Slack message, in the support store (the fake, SQLite and PostgreSQL):
where it came from kept, the request found again by its exact message; and migration 0014 coming and
going."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, inspect, text

from opsdesk.adapters.db.engine import migrations_current, upgrade
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.support.model import Status, Triage
from opsdesk.services.unit_of_work import UnitOfWorkFactory
from tests.adapters.test_change_migration import migrate
from tests.adapters.test_handover_migration import (
    fresh,  # noqa: F401  (the fixture)
)

AT = datetime(2026, 12, 4, 15, 50, tzinfo=UTC)
THREAD = "1733340000.000050"
COLUMNS = {"slack_channel", "slack_thread", "slack_ts"}


def values(ts: str, **changes: Any) -> dict[str, Any]:
    return {
        "title": "VPN drops",
        "body": "every hour",
        "requester": "UASKER",
        "status": Status.TODO,
        "triage": Triage.UNTRIAGED,
        "created_at": AT,
        "labels": (),
        "link": "https://platform.slack.com/archives/C0ASKPLAT/p1733340000000050",
        "slack_channel": "C0ASKPLAT",
        "slack_thread": THREAD,
        "slack_ts": ts,
    } | changes


def test_two_replies_in_one_thread_are_each_found_by_their_own_message(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        first = uow.support.create(values("1733350000.000100"))
        second = uow.support.create(values("1733350000.000200"))
        uow.commit()
    assert first is not None and second is not None
    assert (first.slack_channel, first.slack_thread, first.slack_ts) == (
        "C0ASKPLAT",
        THREAD,
        "1733350000.000100",
    )
    with units() as uow:
        assert uow.support.by_message("C0ASKPLAT", "1733350000.000100") == first
        assert uow.support.by_message("C0ASKPLAT", "1733350000.000200") == second
        assert uow.support.by_message("C0ASKPLAT", THREAD) is None
        assert uow.support.by_message("C0OTHER01", "1733350000.000100") is None


def test_the_migration_adds_the_columns_and_takes_them_away(fresh: Engine) -> None:  # noqa: F811
    def columns() -> set[str]:
        return COLUMNS & {c["name"] for c in inspect(fresh).get_columns("support_requests")}

    assert columns() == COLUMNS
    migrate(fresh, "downgrade", "0013")
    assert columns() == set()
    assert not migrations_current(fresh)
    with fresh.begin() as connection:  # a request from before: it comes up with no Slack origin
        connection.execute(
            text(
                "INSERT INTO support_requests (title, body, requester, status, triage, created_at) "
                "VALUES ('Old', '', 'pay-dev', 'todo', 'untriaged', :at)"
            ),
            {"at": AT},
        )
    upgrade(fresh)
    assert migrations_current(fresh)
    assert columns() == COLUMNS
    with SqlUnitOfWork(fresh) as uow:
        (old,) = uow.support.requests()
        assert (old.title, old.slack_channel, old.slack_thread, old.slack_ts) == ("Old", None, None, None)
        made = uow.support.create(values("1733350000.000100"))
        uow.commit()
    with SqlUnitOfWork(fresh) as uow:
        assert made is not None
        assert uow.support.by_message("C0ASKPLAT", "1733350000.000100") == made
