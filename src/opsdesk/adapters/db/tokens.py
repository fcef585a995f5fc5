"""API tokens (random, shown once, stored hashed) and the shared server secret."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Engine, Row, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from opsdesk.adapters.db.tables import SecretRecord, TokenRecord
from opsdesk.domain.access import AccessRole, TokenInfo, token_name_problem
from opsdesk.domain.errors import TokenNameError, TokenNameTakenError

PREFIX = "odk_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()


class SqlTokens:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, name: str, role: AccessRole, now: datetime) -> tuple[TokenInfo, str]:
        """A new token; the plain token is returned here once and never stored."""
        problem = token_name_problem(name)
        if problem is not None:
            raise TokenNameError(f"{name!r}: {problem}")
        token = PREFIX + secrets.token_urlsafe(32)
        try:
            with self.engine.begin() as connection:
                row_id = connection.execute(
                    insert(TokenRecord)
                    .values(
                        name=name,
                        role=role.value,
                        token_hash=token_hash(token),
                        hint=token[-4:],
                        created_at=now,
                    )
                    .returning(TokenRecord.id)
                ).scalar_one()
        except IntegrityError:
            raise TokenNameTakenError(f"a token named {name!r} exists already; choose another name") from None
        return TokenInfo(row_id, name, role, now, None, token[-4:]), token

    def verify(self, token: str) -> TokenInfo | None:
        """The token's details if it exists and is not revoked."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(*TokenRecord.__table__.columns).where(
                    TokenRecord.token_hash == token_hash(token), TokenRecord.revoked_at.is_(None)
                )
            ).first()
        return _info(row) if row else None

    def all(self) -> list[TokenInfo]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(*TokenRecord.__table__.columns).order_by(TokenRecord.id))
            return [_info(row) for row in rows]

    def revoke_id(self, token_id: int, now: datetime) -> TokenInfo | None:
        """Revoke the live token with this number; the token revoked, or None when there is none."""
        with self.engine.begin() as connection:
            return self._revoke(connection, TokenRecord.id == token_id, now)

    def revoke_name(self, name: str, now: datetime) -> TokenInfo | None:
        """Revoke the live token with this exact name; None when there is none. TokenNameError when more
        than one live token has it: the caller must say which, by number."""
        with self.engine.begin() as connection:
            ids = (
                connection.execute(
                    select(TokenRecord.id)
                    .where(TokenRecord.name == name, TokenRecord.revoked_at.is_(None))
                    .order_by(TokenRecord.id)
                )
                .scalars()
                .all()
            )
            if len(ids) > 1:
                numbers = ", ".join(f"#{i}" for i in ids)
                options = " or ".join(f"`--id {i}`" for i in ids)
                raise TokenNameError(
                    f"{len(ids)} live tokens are named {name!r} ({numbers}): revoke the one you mean with {options}"
                )
            return self._revoke(connection, TokenRecord.id == ids[0], now) if ids else None

    def _revoke(self, connection: Connection, which: ColumnElement[bool], now: datetime) -> TokenInfo | None:
        row = connection.execute(
            update(TokenRecord)
            .where(which, TokenRecord.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(*TokenRecord.__table__.columns)
        ).first()
        return _info(row) if row else None

    def feed_key(self) -> bytes:
        """The key that signs calendar-feed URLs (one per deployment, made on first use)."""
        return self.secret("calendar-feeds").encode()

    def feed_generation(self, feed: str) -> str:
        """The generation of a calendar feed's URL: "" until its URL is first revoked."""
        with self.engine.connect() as connection:
            value: str | None = connection.execute(
                select(SecretRecord.value).where(SecretRecord.name == _feed_row(feed))
            ).scalar_one_or_none()
        return value or ""

    def revoke_feed(self, feed: str) -> str:
        """A new generation for one calendar feed: its old URL stops working, every other feed's keeps."""
        generation = secrets.token_hex(16)
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(SecretRecord).values(name=_feed_row(feed), value=generation)
        with self.engine.begin() as connection:
            connection.execute(
                statement.on_conflict_do_update(index_elements=["name"], set_={"value": generation})
            )
        return generation

    def secret(self, name: str) -> str:
        """A server secret shared by every replica, made on first use."""
        candidate = secrets.token_hex(32)
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        with self.engine.begin() as connection:
            connection.execute(
                dialect.insert(SecretRecord)
                .values(name=name, value=candidate)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            value: str = connection.execute(
                select(SecretRecord.value).where(SecretRecord.name == name)
            ).scalar_one()
        return value


def _feed_row(feed: str) -> str:
    """The `secrets` row holding a feed's generation (a hash: engineer ids may be longer than the column)."""
    return "calendar-feed:" + hashlib.sha256(feed.encode("utf-8", errors="replace")).hexdigest()[:40]


def _info(row: Row[object]) -> TokenInfo:
    r = row._mapping
    return TokenInfo(r["id"], r["name"], AccessRole(r["role"]), r["created_at"], r["revoked_at"], r["hint"])
