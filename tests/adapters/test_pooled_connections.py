"""PostgreSQL's pooled connections: one that sat unused is pinged as it is taken, so a server that
dropped it (a restart, an idle timeout) costs a new connection, not a failed request or page."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from opsdesk.adapters.db import engine as engines


def test_a_connection_the_server_dropped_is_replaced_before_use(pg_db: Engine) -> None:
    with pg_db.connect() as connection:
        dropped = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    other = engines.make_engine(pg_db.url.render_as_string(hide_password=False))
    with other.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(dropped)})").scalar()
    other.dispose()
    time.sleep(engines.PING_AFTER + 0.1)  # it sat unused: pinged as it is taken
    with pg_db.connect() as connection:
        now = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    assert now != dropped  # a new connection, and the statement ran
