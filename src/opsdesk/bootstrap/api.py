"""Wiring for the HTTP API: the services it serves, the token store, the calendar-feed key."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine

from opsdesk.adapters.aws.sns import SnsVerifier
from opsdesk.adapters.clock import SystemClock
from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.db.tokens import SqlTokens, token_hash
from opsdesk.bootstrap import rota as rota_wiring
from opsdesk.bootstrap.changes import change_workflow
from opsdesk.bootstrap.incidents import incident_service, sns_verifier
from opsdesk.bootstrap.storage import database, deployment
from opsdesk.config.settings import Settings
from opsdesk.domain.access import TokenInfo
from opsdesk.services.changes.workflow import ChangeWorkflow
from opsdesk.services.clock import Clock
from opsdesk.services.incidents.service import IncidentService
from opsdesk.services.rota import RotaService

TOKEN_CACHE_SECONDS = 5.0  # a revoked token stops working within this long on every replica


@dataclass
class TokenCache:
    """Token look-ups without a database query per request; misses and revocations expire quickly."""

    tokens: SqlTokens
    ttl: float = TOKEN_CACHE_SECONDS
    _seen: dict[str, tuple[TokenInfo | None, float]] = field(default_factory=dict)

    def cached(self, token: str) -> tuple[bool, TokenInfo | None]:
        """(True, answer) from the cache, or (False, None) when the database must be asked (`verify`)."""
        hit = self._seen.get(token_hash(token))
        if hit is not None and hit[1] > time.monotonic():
            return True, hit[0]
        return False, None

    def verify(self, token: str) -> TokenInfo | None:
        key = token_hash(token)
        now = time.monotonic()
        hit = self._seen.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        info = self.tokens.verify(token)
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[key] = (info, now + self.ttl)
        return info


@dataclass
class ApiContext:
    settings: Settings
    engine: Engine
    rota: RotaService
    tokens: SqlTokens
    token_cache: TokenCache
    outbox: SqlOutbox
    jobs: SqlJobs
    clock: Clock
    calendar_key: bytes
    incidents: IncidentService
    sns: SnsVerifier
    changes: ChangeWorkflow
    open_reads: bool = False

    def feed_secret(self, feed: str) -> str:
        """The secret a calendar feed's URL carries (calendar apps cannot send headers)."""
        return hmac.new(self.calendar_key, f"calendar:{feed}".encode(), hashlib.sha256).hexdigest()[:32]


def api_context(
    settings: Settings, *, migrate: bool = True, open_reads: bool | None = None, clock: Clock | None = None
) -> ApiContext:
    engine = database(settings, migrate=migrate)
    tokens = SqlTokens(engine)
    clock = clock or SystemClock()
    rota = rota_wiring.rota_service(settings, clock)
    config = deployment(settings)
    return ApiContext(
        settings=settings,
        engine=engine,
        rota=rota,
        tokens=tokens,
        token_cache=TokenCache(tokens),
        outbox=SqlOutbox(engine),
        jobs=SqlJobs(engine),
        clock=clock,
        calendar_key=tokens.secret("calendar-feeds").encode(),
        incidents=incident_service(settings, engine, clock, rota),
        sns=sns_verifier(config),
        changes=change_workflow(settings, engine, clock, rota),
        open_reads=config.open_reads if open_reads is None else open_reads,
    )
