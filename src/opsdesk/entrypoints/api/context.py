"""What the HTTP API serves from: the application for the policy in force (every use case; replaced when
the policy changes, bootstrap/live.py), and the API's own parts (the token cache, the calendar-feed key,
whether reads are open)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsdesk.adapters.db.tokens import SqlTokens, token_hash
from opsdesk.bootstrap import Application, bootstrap
from opsdesk.bootstrap.live import LivePolicy
from opsdesk.config.settings import Settings
from opsdesk.domain.access import TokenInfo, feed_secret
from opsdesk.services.clock import Clock

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy import Engine

    from opsdesk.adapters.aws.sns import SnsVerifier
    from opsdesk.adapters.db.jobs import SqlJobs
    from opsdesk.adapters.db.outbox import SqlOutbox
    from opsdesk.services.changes.workflow import ChangeWorkflow
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
    live: LivePolicy
    token_cache: TokenCache
    calendar_key: bytes
    open_reads: bool = False

    @property
    def app(self) -> Application:
        """The application for the policy in force now: read it per request, never keep it."""
        return self.live.app

    @property
    def tz(self) -> ZoneInfo:
        """The team's time zone (the policy's)."""
        return self.app.cover.timezone

    def policy_changed(self) -> None:
        """Look at the policy again now, after this process wrote a rota change: the next request (the
        caller's own included) is answered by the changed rota."""
        self.live.check(wait=True)

    def feed_secret(self, feed: str) -> str:
        """The secret a calendar feed's URL carries now (calendar apps cannot send headers); a database
        read, so a revoked URL stops working at once on every replica."""
        return feed_secret(self.calendar_key, feed, self.tokens.feed_generation(feed))

    # The application's parts the routes use, by name.
    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def clock(self) -> Clock:
        return self.app.clock

    @property
    def engine(self) -> Engine:
        return self.app.engine

    @property
    def rota(self) -> RotaService:
        return self.app.rota

    @property
    def incidents(self) -> IncidentService:
        return self.app.incidents

    @property
    def changes(self) -> ChangeWorkflow:
        return self.app.changes

    @property
    def tokens(self) -> SqlTokens:
        return self.app.tokens

    @property
    def outbox(self) -> SqlOutbox:
        return self.app.outbox

    @property
    def jobs(self) -> SqlJobs:
        return self.app.job_store

    @property
    def sns(self) -> SnsVerifier:
        return self.app.sns


def api_context(
    settings: Settings | Application,
    *,
    migrate: bool = True,
    open_reads: bool | None = None,
    clock: Clock | None = None,
    watch: bool = False,
) -> ApiContext:
    """The API's context over the application for `settings` (or the application given), its policy
    watched for changes when `watch` (as `serve` does) unless `policy-reload-seconds` is 0; unwatched, it
    changes only when told (`policy_changed`)."""
    app = settings if isinstance(settings, Application) else bootstrap(settings, clock=clock, migrate=migrate)
    tokens = app.tokens
    live = LivePolicy(app)
    if watch and app.deployment.policy_reload_seconds > 0:
        live.watch(app.deployment.policy_reload_seconds)
    return ApiContext(
        live,
        TokenCache(tokens),
        tokens.feed_key(),
        app.deployment.open_reads if open_reads is None else open_reads,
    )
