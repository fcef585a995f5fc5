"""Fetching over HTTPS for AWS SNS (signing certificates, subscription confirmations): HTTPS only, no
redirects, a size limit, and failures sorted into "try again later" and "will not change"."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

import certifi
import httpx

from opsdesk.domain.errors import IntegrationError, VendorUnavailableError


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Outgoing HTTPS trusts the usual CAs (certifi) plus `ca_file` when set (a private CA, or tests')."""
    context = ssl.create_default_context(cafile=certifi.where())
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def https_get(context: ssl.SSLContext, seconds: float, limit: int = 64 * 1024) -> Callable[[str], bytes]:
    """GET over HTTPS only, no redirects, at most `limit` bytes.

    Raises VendorUnavailableError when the host could not be reached, did not answer within `seconds`,
    failed the TLS handshake or answered 5xx or 429: worth trying again. Any other answer but 2xx, or a
    body over `limit`, is an IntegrationError: it will not change.
    """

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
