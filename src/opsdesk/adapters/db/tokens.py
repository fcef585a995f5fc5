"""API tokens (random, shown once, stored hashed) and the shared server secret."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import Engine, Row, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from opsdesk.adapters.db.tables import SecretRecord, TokenRecord
from opsdesk.domain.access import AccessRole, TokenInfo
from opsdesk.domain.errors import DomainError

PREFIX = "odk_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()


class TokenNameTakenError(DomainError):
    """A token with that name exists already."""


class SqlTokens:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, name: str, role: AccessRole, now: datetime) -> tuple[TokenInfo, str]:
        """A new token; the plain token is returned here once and never stored."""
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

    def revoke(self, name_or_id: str, now: datetime) -> bool:
        key = TokenRecord.id == int(name_or_id) if name_or_id.isdigit() else TokenRecord.name == name_or_id
        with self.engine.begin() as connection:
            result = connection.execute(
                update(TokenRecord).where(key, TokenRecord.revoked_at.is_(None)).values(revoked_at=now)
            )
            return result.rowcount == 1

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


def _info(row: Row[object]) -> TokenInfo:
    r = row._mapping
    return TokenInfo(r["id"], r["name"], AccessRole(r["role"]), r["created_at"], r["revoked_at"], r["hint"])
