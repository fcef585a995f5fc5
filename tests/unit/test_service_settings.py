"""Service settings: the policy file's `service:` section, OPSDESK_* variables over it, secrets env-only."""

from __future__ import annotations

import pytest

from opsdesk.config.deployment import deployment_settings
from opsdesk.domain.errors import PolicyError
from tests.builders import policy_from_yaml

FILE = """
service:
  open-reads: true
  outbox-lease-seconds: 90
  smtp-host: mail.example.org
  webhooks: {ops: "https://hooks.example.org/ops", audit: "https://audit.example.org/in"}
"""


def test_the_file_sets_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "OPSDESK_OPEN_READS",
        "OPSDESK_OUTBOX_LEASE_SECONDS",
        "OPSDESK_DATABASE_URL",
        "OPSDESK_SMTP_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    config = deployment_settings(policy_from_yaml(FILE).service)
    assert (config.open_reads, config.outbox_lease_seconds, config.smtp_host) == (
        True,
        90,
        "mail.example.org",
    )
    assert config.webhook_urls() == {
        "ops": "https://hooks.example.org/ops",
        "audit": "https://audit.example.org/in",
    }
    assert config.database_url == "sqlite:///opsdesk.db"


def test_the_environment_wins_and_holds_the_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDESK_OPEN_READS", "false")
    monkeypatch.setenv("OPSDESK_SLACK_TOKEN", "xoxb-from-the-environment")
    config = deployment_settings(policy_from_yaml(FILE).service)
    assert config.open_reads is False
    assert config.slack_token is not None
    assert config.slack_token.get_secret_value() == "xoxb-from-the-environment"
    assert "xoxb" not in repr(config)  # secrets never print
    assert deployment_settings({}, "sqlite:///other.db").database_url == "sqlite:///other.db"


def test_a_secret_in_the_file_is_refused() -> None:
    with pytest.raises(PolicyError, match="unknown key 'slack-token'"):
        policy_from_yaml("service:\n  slack-token: xoxb-leaked\n")
