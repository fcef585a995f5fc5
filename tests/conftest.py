"""Shared fixtures: a real cover engine on the built-in policy, with the bank-holiday cache in a temp folder."""

from __future__ import annotations

import os
import re
import shutil
import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import trustme
from hypothesis import HealthCheck, settings
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from opsdesk.adapters.db.engine import make_engine, upgrade
from opsdesk.adapters.db.tables import Base
from opsdesk.bootstrap.cover import cover_engine
from opsdesk.config.policy import default_policy
from opsdesk.config.settings import Settings
from opsdesk.domain.hours import CoverEngine
from tests.fake_github import FakeGitHub
from tests.fake_pagerduty import FakePagerDuty
from tests.fake_slack import FakeSlack
from tests.fake_twilio import FakeTwilio

settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("opsdesk-cache")


@pytest.fixture(scope="session")
def engine(cache_dir: Path) -> CoverEngine:
    """The built-in policy: the written hours, Europe/London, England and Wales bank holidays."""
    settings = Settings(policy_path=Path("absent.yaml"), policy_path_explicit=False, cache_dir=cache_dir)
    return cover_engine(default_policy(), settings)


@pytest.fixture
def workdir(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working folder (no ./opsdesk.yaml) with the shared cache, as a new user has."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPSDESK_CONFIG", raising=False)
    monkeypatch.setenv("OPSDESK_CACHE_DIR", str(cache_dir))
    return tmp_path


# The local server CI provides (trust auth, user root or postgres, database test); never skipped.
POSTGRES_URLS = [
    os.environ.get("OPSDESK_TEST_POSTGRES_URL") or "postgresql+psycopg://root@127.0.0.1:5432/test",
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    errors = []
    for url in POSTGRES_URLS:
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return url
        except SQLAlchemyError as exc:
            errors.append(f"{url}: {str(exc).splitlines()[0]}")
        finally:
            engine.dispose()
    pytest.fail("PostgreSQL is needed for these tests and none answered:\n" + "\n".join(errors))


@contextmanager
def postgres_schema(url: str) -> Iterator[Engine]:
    """A migrated, empty schema of its own on the local PostgreSQL, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    database = make_engine(f"{url}?options=-csearch_path%3D{schema}")
    try:
        upgrade(database)
        yield database
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


# Migrating costs far more than emptying: each database is migrated once per session, and every test
# gets it empty (PostgreSQL: one schema, truncated with its ids restarted; SQLite: a copy of a migrated
# file). A test that needs a schema of its own still has `postgres_schema`.
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "opsdesk.db"
    template = make_engine(f"sqlite:///{path}")
    upgrade(template)
    template.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_session(postgres_url: str) -> Iterator[Engine]:
    with postgres_schema(postgres_url) as database:
        yield database


def emptied(database: Engine) -> Engine:
    """`database` with every table emptied and every id sequence restarted, as freshly migrated."""
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.begin() as connection:
        connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")  # a test left a transaction open
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    return database


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite file."""
    path = tmp_path / "opsdesk.db"
    shutil.copyfile(sqlite_template, path)
    database = make_engine(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def pg_db(postgres_session: Engine) -> Iterator[Engine]:
    """A migrated, empty schema on the local PostgreSQL (never skipped)."""
    database = emptied(postgres_session)
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty database: a SQLite file, and a schema on the local PostgreSQL (never skipped)."""
    database: Engine = request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")
    return database


@pytest.fixture
def fake_slack(httpserver: HTTPServer) -> Iterator[FakeSlack]:
    fake = FakeSlack(httpserver)
    fake.install()
    yield fake
    fake.released.set()


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[HTTPServer, trustme.CA, Path]]:
    """A local HTTPS server with a certificate from a test CA, and that CA's certificate as a file."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost").configure_cert(context)
    ca_file = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = HTTPServer(host="localhost", ssl_context=context)
    server.start()
    yield server, ca, ca_file
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def fake_pagerduty(tls: tuple[HTTPServer, trustme.CA, Path]) -> FakePagerDuty:
    server, _, _ = tls
    fake = FakePagerDuty(server)
    server.expect_request("/v2/enqueue", method="POST").respond_with_handler(fake.handle)
    return fake


@pytest.fixture
def fake_github(httpserver: HTTPServer) -> FakeGitHub:
    fake = FakeGitHub(httpserver)
    httpserver.expect_request(re.compile("^/repos/.*")).respond_with_handler(fake.handle)
    return fake


@pytest.fixture
def fake_twilio(httpserver: HTTPServer) -> Iterator[FakeTwilio]:
    fake = FakeTwilio(httpserver)
    fake.install()
    yield fake
    fake.released.set()
