"""The service's settings (pydantic-settings): OPSDESK_* variables over the policy file's `service:` section.

Secrets (tokens, passwords) come from the environment only; the policy file, which lives in version
control, refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from opsdesk.config.field_types import check_pattern
from opsdesk.config.settings import DEFAULT_DATABASE_URL
from opsdesk.domain.errors import PolicyError, PolicyProblem
from opsdesk.domain.incidents.ack_links import LinkSetup

LINK_SECRET_MIN = 32


class DeploymentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPSDESK_", extra="ignore", case_sensitive=False)

    database_url: str = DEFAULT_DATABASE_URL
    open_reads: bool = False
    # Rota changes made as commands go to the database (a layer over the file) instead of the file.
    policy_read_only: bool = False
    outbox_lease_seconds: float = Field(default=60, gt=0, le=3600)
    # The longest a vendor's Retry-After may hold a message back (a page a year late helps nobody).
    outbox_max_retry_after_seconds: float = Field(default=300, ge=1, le=86400)
    # How often a running process looks at the policy file (and the rota changes) for a new version; 0: never.
    policy_reload_seconds: float = Field(default=2, ge=0, le=3600)
    slack_token: SecretStr | None = None
    slack_api_url: str | None = None
    slack_signing_secret: SecretStr | None = None  # verifies the Slack app's requests (X-Slack-Signature)
    slack_app_token: SecretStr | None = None  # xapp-...: `opsdesk slack socket` (Socket Mode)
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "opsdesk@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    webhooks: str | None = None  # name=url,name=url
    webhook_secret: SecretStr | None = None
    # Hosts SNS signing certificates may come from (a regular expression); nothing else is fetched.
    sns_cert_hosts: str = r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$"
    # The port SNS certificates and subscription confirmations are fetched on: Amazon's is 443.
    sns_port: int = Field(default=443, ge=1, le=65535)
    # SNS waits about 15 s for an answer: a certificate fetch gives up well before, and the 503 is retried.
    sns_timeout_seconds: float = Field(default=5, gt=0, le=10)
    ca_file: str | None = None  # extra CA certificates for outgoing HTTPS (SNS certificates, PagerDuty)
    pagerduty_routing_key: SecretStr | None = None  # pages through PagerDuty when a service asks for it
    pagerduty_events_url: str = "https://events.pagerduty.com"
    github_token: SecretStr | None = None  # comments and labels on change-request issues
    github_api_url: str = "https://api.github.com"
    github_webhook_secret: SecretStr | None = None  # verifies X-Hub-Signature-256
    # Pages by SMS and voice call through Twilio: all three set, or neither way is set up.
    twilio_account_sid: str | None = None  # AC...
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None  # the E.164 number pages come from
    twilio_api_url: str = "https://api.twilio.com"  # a region edge, or a local fake in tests
    # Where people and vendors reach this opsdesk (https://opsdesk.example.org): Twilio's webhooks and the
    # acknowledge links in pages are built on it; without it, pages carry no links and calls take no keys.
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$", max_length=300)
    link_secret: SecretStr | None = None  # signs acknowledge links (at least 32 characters)

    @field_validator("link_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < LINK_SECRET_MIN:
            raise ValueError(
                f"a link secret needs at least {LINK_SECRET_MIN} characters: try `openssl rand -hex 32`"
            )
        return value

    @field_validator("sns_cert_hosts")
    @classmethod
    def _a_pattern(cls, value: str) -> str:
        return check_pattern(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)  # the environment wins over the policy file

    def ack_links(self) -> LinkSetup | None:
        """How pages' acknowledge links are made, when the public URL and the secret are both set."""
        if not self.public_url or self.link_secret is None:
            return None
        return LinkSetup(self.public_url, self.link_secret.get_secret_value())

    def webhook_urls(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in (self.webhooks or "").split(",") if "=" in item)
        return {name.strip(): url.strip() for name, url in pairs}


def deployment_settings(from_file: Mapping[str, str], database_url: str | None = None) -> DeploymentSettings:
    """Settings from the policy file's `service:` section and the environment; `database_url` overrides."""
    values: dict[str, Any] = {key.replace("-", "_"): value for key, value in from_file.items()}
    try:
        found = DeploymentSettings(**values)
    except ValidationError as exc:
        problems = [
            PolicyProblem(
                f"OPSDESK_{str(error['loc'][0]).upper()} or service.{str(error['loc'][0]).replace('_', '-')}",
                f"got {error.get('input')!r}: {error['msg'].removeprefix('Value error, ')}",
            )
            for error in exc.errors()
        ]
        raise PolicyError(problems, source="deployment settings") from None
    return found.model_copy(update={"database_url": database_url}) if database_url else found
