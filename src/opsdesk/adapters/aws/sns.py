"""Amazon SNS over HTTPS, carrying CloudWatch alarms: signatures verified before anything is believed.

https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html: the string to sign is
the message's fields in a fixed order, signed with SHA1withRSA (SignatureVersion 1) or SHA256withRSA (2)
by the certificate at SigningCertURL. The certificate is fetched only over HTTPS from a host the settings
allow (Amazon's SNS hosts by default) on port 443, then cached.

A message that cannot be verified *now* (the certificate host unreachable, slow or failing) raises
VendorUnavailableError, answered 503 so that SNS delivers it again: SNS does not retry a 4xx, and an
alarm refused in an egress blip would be lost. SignatureError (403) is kept for messages that are not
provably from SNS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from opsdesk.domain.errors import IntegrationError, VendorUnavailableError
from opsdesk.domain.incidents.model import DEDUP_KEY_LIMIT, SUMMARY_LIMIT, Alarm
from opsdesk.domain.jobs import Job
from opsdesk.services.incidents.context import CONFIRM_JOB

logger = logging.getLogger("opsdesk.intake")

NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
SUBSCRIPTION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
CACHE_LIMIT = 100


class SignatureError(Exception):
    """The message is not provably from SNS: refuse it (403) and store nothing."""


@dataclass
class SnsVerifier:
    """Checks SNS signatures; `fetch(url)` returns a certificate's PEM bytes (HTTPS, trusted CAs), and
    raises VendorUnavailableError when it could not for now, IntegrationError when the host refused."""

    allowed_hosts: re.Pattern[str]
    fetch: Callable[[str], bytes]
    port: int = 443
    _certificates: dict[str, x509.Certificate] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check_url(self, url: object, what: str) -> str:
        """`url` if it is HTTPS on an allowed SNS host and port, without a user; SignatureError otherwise."""
        if not isinstance(url, str):
            raise SignatureError(f"{what} is missing")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", ...
            bad = "has an invalid port" if "port" in str(exc).casefold() else "is not an address"
            raise SignatureError(f"{what} {bad}") from None
        if parts.scheme != "https" or not parts.hostname or not self.allowed_hosts.match(parts.hostname):
            raise SignatureError(f"{what} is not an HTTPS address on an allowed SNS host")
        if (port or 443) != self.port:
            raise SignatureError(f"{what} is not on port {self.port}, as SNS's addresses are")
        if parts.username is not None or parts.password is not None:
            raise SignatureError(f"{what} must not carry a user name or password")
        return url

    def verify(self, message: dict[str, Any]) -> None:
        version = message.get("SignatureVersion")
        algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}.get(str(version))  # noqa: S303  (SNS's v1)
        if algorithm is None:
            raise SignatureError("SignatureVersion must be 1 or 2")
        kind = message.get("Type")
        if kind not in TYPES:
            raise SignatureError(f"Type must be one of {', '.join(TYPES)}")
        url = self.check_url(message.get("SigningCertURL"), "SigningCertURL")
        if not urlsplit(url).path.endswith(".pem"):
            raise SignatureError("SigningCertURL must name a .pem certificate")
        try:
            signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
        except (binascii.Error, ValueError):
            raise SignatureError("Signature is not base64") from None
        names = NOTIFICATION_FIELDS if kind == "Notification" else SUBSCRIPTION_FIELDS
        text = "".join(
            f"{name}\n{message[name]}\n" for name in names if isinstance(message.get(name), str)
        ).encode()
        key = self._certificate(url).public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise SignatureError("the signing certificate does not hold an RSA key")
        try:
            key.verify(signature, text, padding.PKCS1v15(), algorithm)
        except InvalidSignature:
            raise SignatureError("the signature does not match the message") from None

    def _certificate(self, url: str) -> x509.Certificate:
        with self._lock:
            cached = self._certificates.get(url)
        if cached is not None:
            return cached
        try:
            pem = self.fetch(url)
        except VendorUnavailableError as exc:  # not the sender's fault: SNS retries a 5xx
            raise VendorUnavailableError(
                f"the signing certificate could not be fetched: {exc}", exc.retry_after
            ) from None
        except IntegrationError as exc:
            raise SignatureError(f"the signing certificate could not be fetched: {exc}") from None
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise SignatureError("SigningCertURL does not hold a PEM certificate") from None
        with self._lock:
            if len(self._certificates) >= CACHE_LIMIT:
                self._certificates.clear()
            self._certificates[url] = certificate
        return certificate


@dataclass(frozen=True)
class AlarmChange:
    """A CloudWatch alarm's new state: ALARM triggers, OK resolves, INSUFFICIENT_DATA is only noted."""

    state: str
    dedup_key: str
    summary: str
    details: dict[str, Any]

    def alarm(self, service: str) -> Alarm:
        return Alarm(service, self.dedup_key, self.summary, "cloudwatch", "critical", self.details)


def read_alarm(body: object) -> AlarmChange | str:
    """The CloudWatch alarm in an SNS Message (its JSON, read by the caller), or what is wrong with it."""
    if not isinstance(body, dict):
        return "the SNS Message is not a CloudWatch alarm (not an object)"
    name, state = body.get("AlarmName"), body.get("NewStateValue")
    if not isinstance(name, str) or not name:
        return "the CloudWatch alarm has no AlarmName"
    if state not in ("ALARM", "OK", "INSUFFICIENT_DATA"):
        return "the CloudWatch alarm's NewStateValue must be ALARM, OK or INSUFFICIENT_DATA"
    arn = body.get("AlarmArn")
    key = arn if isinstance(arn, str) and arn else name
    if len(key) > DEDUP_KEY_LIMIT:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    reason = body.get("NewStateReason")
    summary = f"{name}: {reason}" if isinstance(reason, str) and reason else name
    details = {
        k: body[k]
        for k in (
            "AlarmName",
            "AlarmDescription",
            "AWSAccountId",
            "Region",
            "AlarmArn",
            "NewStateReason",
            "StateChangeTime",
            "Trigger",
        )
        if k in body
    }
    return AlarmChange(str(state), key, summary[:SUMMARY_LIMIT], details)


@dataclass(frozen=True)
class SubscriptionConfirmer:
    """Confirms an SNS subscription by fetching its SubscribeURL (checked again) in a job, so the answer
    to SNS never waits on Amazon."""

    verifier: SnsVerifier
    fetch: Callable[[str], bytes]

    def jobs(self) -> Mapping[str, Callable[[Job], None]]:
        return {CONFIRM_JOB: self.confirm}

    def confirm(self, job: Job) -> None:
        url = self.verifier.check_url(job.payload.get("url"), "SubscribeURL")
        self.fetch(url)
        logger.info("SNS subscription confirmed", extra={"service": job.payload.get("service")})
