"""The `email:` part of the policy file: the critical-incident address opsdesk listens on (SMTP), whom it
takes mail from, the relay it trusts, the limits, and the reply."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from pydantic import Field, field_validator

from opsdesk.config.changes_model import CHANNEL
from opsdesk.config.field_types import StrictModel
from opsdesk.config.rota_model import Problem
from opsdesk.domain.incidents.email import EmailPolicy

ADDRESS = r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,253}$"
DOMAIN = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
MB = 1024 * 1024


class EmailModel(StrictModel):
    """Critical-incident email: out of support hours, a team hit by a platform failure writes to the on-call
    address; opsdesk opens an incident, pages by cover, and answers the sender."""

    enabled: bool = Field(default=False, description="opsdesk serve starts the SMTP listener")
    service: str | None = Field(
        default=None, description="the service (under `services:`) whose incidents email opens"
    )
    addresses: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="the recipients accepted (the published on-call address); any other is refused",
    )
    sender_domains: list[str] = Field(
        default_factory=list,
        alias="sender-domains",
        max_length=500,
        description="mail is taken only from these domains (and their subdomains)",
    )
    host: str = Field(default="127.0.0.1", description="the address the listener binds")
    port: int = Field(default=2525, ge=0, le=65535, description="the port the listener binds (0: any free)")
    max_size_mb: float = Field(
        default=10, alias="max-size-mb", gt=0, le=100, description="a larger message is refused (552)"
    )
    keep_raw_kb: int = Field(
        default=1024, alias="keep-raw-kb", ge=0, le=10 * 1024, description="the raw message kept for audit"
    )
    attachment_limit_mb: float = Field(
        default=5,
        alias="attachment-limit-mb",
        gt=0,
        le=100,
        description="a larger attachment is listed as cut",
    )
    replies_per_hour: int = Field(
        default=5, alias="replies-per-hour", ge=0, le=1000, description="replies to one sender in an hour"
    )
    trusted_relays: list[str] = Field(
        default_factory=list,
        alias="trusted-relays",
        max_length=50,
        description="IP networks of the mail relay in front of opsdesk; when set, mail from elsewhere is refused",
    )
    authserv_id: str | None = Field(
        default=None,
        alias="authserv-id",
        pattern=DOMAIN,
        description="the relay's name in its Authentication-Results header; that header decides DMARC",
    )
    require_dmarc_pass: bool = Field(
        default=False, alias="require-dmarc-pass", description="refuse mail the relay did not see pass DMARC"
    )
    certificate: str | None = Field(default=None, description="a PEM certificate for STARTTLS")
    private_key: str | None = Field(default=None, alias="private-key", description="its PEM private key")
    support_channel: str | None = Field(
        default=None,
        alias="support-channel",
        pattern=CHANNEL,
        description="named in the reply in support hours (default: changes.ask-channel)",
    )

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not re.fullmatch(ADDRESS, v.strip())]
        if bad:
            raise ValueError(f"{bad[0]!r} is not an email address (write it as name@example.gov.uk)")
        return [v.strip().lower() for v in values]

    @field_validator("sender_domains")
    @classmethod
    def _domains(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not re.fullmatch(DOMAIN, v.strip().lstrip("@"))]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a domain (write it as example.gov.uk, without @)")
        return [v.strip().lstrip("@").lower() for v in values]

    @field_validator("trusted_relays")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                ipaddress.ip_network(value.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{value!r} is not an IP address or network (e.g. 10.0.0.0/24)") from None
        return [v.strip() for v in values]

    def to_policy(
        self, base_dir: Path, services: set[str], ask_channel: str | None
    ) -> tuple[EmailPolicy, list[Problem]]:
        problems: list[Problem] = []
        where = ("email",)
        if self.enabled and not self.service:
            problems.append(
                ((*where, "service"), "name the service (under `services:`) email opens incidents on")
            )
        if self.service and self.service not in services:
            known = ", ".join(sorted(services)) or "none yet: add one under `services:`"
            problems.append(((*where, "service"), f"no service {self.service!r}; the services are: {known}"))
        if self.enabled and not self.addresses:
            problems.append(((*where, "addresses"), "list the address(es) mail is accepted for"))
        if self.enabled and not self.sender_domains:
            problems.append(((*where, "sender-domains"), "list the domains mail is accepted from"))
        if bool(self.certificate) != bool(self.private_key):
            problems.append(((*where, "certificate"), "STARTTLS needs both `certificate` and `private-key`"))
        if self.require_dmarc_pass and not self.authserv_id:
            problems.append(((*where, "authserv-id"), "require-dmarc-pass needs the relay's authserv-id"))
        policy = EmailPolicy(
            enabled=self.enabled,
            service=self.service,
            addresses=tuple(self.addresses),
            sender_domains=tuple(self.sender_domains),
            host=self.host,
            port=self.port,
            max_bytes=int(self.max_size_mb * MB),
            raw_bytes=self.keep_raw_kb * 1024,
            attachment_bytes=int(self.attachment_limit_mb * MB),
            replies_per_hour=self.replies_per_hour,
            trusted_relays=tuple(self.trusted_relays),
            authserv_id=self.authserv_id.lower() if self.authserv_id else None,
            require_dmarc_pass=self.require_dmarc_pass,
            certificate=str(base_dir / self.certificate) if self.certificate else None,
            private_key=str(base_dir / self.private_key) if self.private_key else None,
            support_channel=self.support_channel or ask_channel,
        )
        return policy, problems
