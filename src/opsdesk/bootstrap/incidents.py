"""Wiring for incidents: the service over the database, the rota, the policy's services and the channels."""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy import Engine

from opsdesk.adapters.aws.sns import SnsVerifier
from opsdesk.adapters.clock import SystemClock
from opsdesk.adapters.db.incidents import SqlIncidents
from opsdesk.bootstrap import rota as rota_wiring
from opsdesk.bootstrap.storage import channel_names, deployment
from opsdesk.config.deployment import DeploymentSettings
from opsdesk.config.loading import load_policy
from opsdesk.config.settings import Settings
from opsdesk.domain.errors import IntegrationError, VendorUnavailableError
from opsdesk.domain.jobs import Job
from opsdesk.services.clock import Clock
from opsdesk.services.incidents.service import IncidentService
from opsdesk.services.rota import RotaService

logger = logging.getLogger("opsdesk.intake")


def incident_service(
    settings: Settings, engine: Engine, clock: Clock | None = None, rota: RotaService | None = None
) -> IncidentService:
    """Incidents on `engine`; pages go out by the channels this deployment has set up."""
    clock = clock or SystemClock()
    return IncidentService(
        SqlIncidents(engine),
        rota or rota_wiring.rota_service(settings, clock),
        load_policy(settings).services,
        clock,
        channel_names(deployment(settings)),
    )


def tls_context(config: DeploymentSettings) -> ssl.SSLContext:
    """Outgoing HTTPS trusts the usual CAs (certifi) plus `ca-file` when set (a private CA, or tests')."""
    import certifi  # noqa: PLC0415

    context = ssl.create_default_context(cafile=certifi.where())
    if config.ca_file:
        context.load_verify_locations(cafile=config.ca_file)
    return context


def https_get(config: DeploymentSettings, limit: int = 64 * 1024) -> Callable[[str], bytes]:
    """GET over HTTPS only, no redirects, at most `limit` bytes: for SNS certificates and confirmations.

    Raises VendorUnavailableError when the host could not be reached, did not answer within
    `sns-timeout-seconds`, failed the TLS handshake or answered 5xx or 429: worth trying
    again. Any other answer but 2xx, or a body over `limit`, is an IntegrationError: it will not change.
    """
    import httpx  # noqa: PLC0415

    context = tls_context(config)
    seconds = config.sns_timeout_seconds

    def get(url: str) -> bytes:
        if not url.startswith("https://"):
            raise IntegrationError("only https:// addresses are fetched")
        host = urlsplit(url).netloc.rpartition("@")[2]
        try:
            with (
                httpx.Client(verify=context, timeout=seconds, follow_redirects=False) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code >= 500 or response.status_code == 429:
                    raise VendorUnavailableError(f"{host} answered HTTP {response.status_code}")
                if not response.is_success:
                    raise IntegrationError(f"{host} answered HTTP {response.status_code}")
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise IntegrationError(f"{host} answered more than {limit} bytes")
                return body
        except httpx.TimeoutException:
            raise VendorUnavailableError(f"{host} did not answer within {seconds:g} s") from None
        except httpx.TransportError as exc:  # refused, DNS, TLS handshake, a dropped connection
            raise VendorUnavailableError(f"{host} could not be reached ({type(exc).__name__})") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # an unusable address, an undecodable body
            raise IntegrationError(f"{host} could not be read ({type(exc).__name__})") from None

    return get


def sns_verifier(config: DeploymentSettings) -> SnsVerifier:
    return SnsVerifier(re.compile(config.sns_cert_hosts), https_get(config), port=config.sns_port)


def confirm_subscription(config: DeploymentSettings, verifier: SnsVerifier) -> Callable[[Job], None]:
    """The job handler that confirms an SNS subscription by fetching its SubscribeURL (checked again)."""
    get = https_get(config)

    def confirm(job: Job) -> None:
        url = verifier.check_url(job.payload.get("url"), "SubscribeURL")
        get(url)
        logger.info("SNS subscription confirmed", extra={"service": job.payload.get("service")})

    return confirm
