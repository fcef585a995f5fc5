"""The database engine: SQLite (WAL, one writer with BEGIN IMMEDIATE) or PostgreSQL, and its migrations."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, SQLAlchemyError

from opsdesk.domain.errors import IntegrationError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration's revision (a test keeps it Alembic's head): every command checks the database is
# up to date, and reading one row costs far less than loading Alembic and its scripts (~0.2 s).
HEAD = "0014"


def make_engine(url: str, schema: str | None = None) -> Engine:
    """An engine for `url`; `schema` (PostgreSQL only) keeps every table in that schema, as tests do."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise IntegrationError(
            f"OPSDESK_DATABASE_URL {url!r} is not a database URL; expected e.g. "
            "sqlite:///opsdesk.db or postgresql+psycopg://user@host:5432/name"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise IntegrationError(
            f"{parsed.get_backend_name()!r} databases are not supported: use SQLite or PostgreSQL"
        )
    connect_args: dict[str, Any] = {"connect_timeout": 5}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    # hide_parameters: a failed statement's error (logged) never carries the values (a message, a token).
    engine = create_engine(parsed, connect_args=connect_args, hide_parameters=True)
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _ping_if_idle(engine))
    return engine


PING_AFTER = 1.0  # seconds a pooled connection may sit unused before it is pinged as it is taken


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info["checked_in"] = time.monotonic()


def _ping_if_idle(engine: Engine) -> Any:
    """SQLAlchemy's pre-ping, only for a connection that sat unused for PING_AFTER seconds or more: a
    server restarted since is found before a statement fails on it, and a storm's transactions (each
    taking a connection just given back) do not pay a round trip each for it."""

    def ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("checked_in", 0.0) < PING_AFTER:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception:  # any failure: the pool takes a new connection instead
            alive = False
        if not alive:
            raise DisconnectionError("the pooled connection was lost; connecting again")

    return ping


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


BUSY_SECONDS = 30  # how long a transaction waits for SQLite's one write lock before it fails
FIRST_WAIT, LONGEST_WAIT = 0.0005, 0.005  # seconds between tries for it: doubling from, up to


def _sqlite_begin(connection: Any) -> None:
    """One writer at a time: take the write lock when the transaction starts, not halfway through it.

    Tried every 0.5 to 5 ms rather than by SQLite's busy handler, which sleeps 1, 2, 5, ... up to 100 ms
    a try: with several processes writing (a storm's triggers, pages and posts), its long sleeps were
    most of the slowest pages' wait while the lock was free again within a millisecond."""
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        deadline, wait = time.monotonic() + BUSY_SECONDS, FIRST_WAIT
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    break
            time.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the last try: its failure told as any other
    finally:
        raw.execute("PRAGMA busy_timeout=30000")


def _alembic_config() -> Any:
    from alembic.config import Config  # noqa: PLC0415  (Alembic: only to migrate)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (Alembic is loaded only when one is missing)."""
    try:
        if migrations_current(engine):
            return
    except SQLAlchemyError as exc:
        raise IntegrationError(f"cannot migrate {safe_url(engine)}: {_first_line(exc)}") from None
    from alembic import command  # noqa: PLC0415  (Alembic: only to migrate)

    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise IntegrationError(f"cannot migrate {safe_url(engine)}: {_first_line(exc)}") from None


def migrations_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration (False when it was never migrated)."""
    with engine.connect() as connection:
        try:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:  # no such table: never migrated
            return False
    return found == HEAD


def alembic_head() -> str | None:
    """The newest migration as Alembic reads the scripts (tests compare it with HEAD)."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415  (Alembic: only here)

    head: str | None = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    return head


def check_reachable(engine: Engine) -> None:
    """One clear line (which database, what failed) when the database cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        raise IntegrationError(f"cannot reach the database {safe_url(engine)}: {_first_line(exc)}") from None


def safe_url(engine: Engine) -> str:
    """The URL without its password, for messages and logs."""
    return engine.url.render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
