"""The channels this deployment has set up: their names (for the notifier, from the settings alone) and,
for delivery, the vendor clients (imported only when a worker needs them: a command that only writes to
the outbox needs no vendor client). Secrets are never logged."""

from __future__ import annotations

from opsdesk.adapters.log_channel import LogChannel
from opsdesk.config.deployment import DeploymentSettings
from opsdesk.services.delivery import Channel
from opsdesk.services.notifier import Renderer

TWILIO_TIMEOUT_SECONDS = 10.0


def channel_names(config: DeploymentSettings) -> frozenset[str]:
    """The channels this deployment has set up, by name; the use cases choose among them. Nothing is built
    or imported: a command that only writes to the outbox needs no vendor client."""
    wanted = {
        "log": True,
        "slack": bool(config.slack_token),
        "email": bool(config.smtp_host),
        "webhook": bool(config.webhooks and config.webhook_secret),
        "pagerduty": bool(config.pagerduty_routing_key),
        "github": bool(config.github_token),
        "sms": twilio_set_up(config),
        "voice": twilio_set_up(config),
    }
    return frozenset(name for name, present in wanted.items() if present)


def twilio_set_up(config: DeploymentSettings) -> bool:
    return bool(config.twilio_account_sid and config.twilio_auth_token and config.twilio_from)


def channels(config: DeploymentSettings) -> dict[str, Channel]:
    """The channels of `channel_names`, built to deliver (secrets are never logged)."""
    names = channel_names(config)
    found: dict[str, Channel] = {"log": LogChannel()}
    if "slack" in names and config.slack_token:
        from opsdesk.adapters.slack.channel import SlackChannel  # noqa: PLC0415  (slack_sdk: only when used)

        found["slack"] = SlackChannel(config.slack_token.get_secret_value(), config.slack_api_url)
    if "email" in names and config.smtp_host:
        from opsdesk.adapters.email.channel import EmailChannel  # noqa: PLC0415

        found["email"] = EmailChannel(
            config.smtp_host,
            config.smtp_port,
            config.smtp_from,
            username=config.smtp_user,
            password=config.smtp_password.get_secret_value() if config.smtp_password else None,
            starttls=config.smtp_starttls,
        )
    if "webhook" in names and config.webhook_secret:
        from opsdesk.adapters.webhook_channel import WebhookChannel  # noqa: PLC0415

        found["webhook"] = WebhookChannel(
            config.webhook_urls(), config.webhook_secret.get_secret_value().encode()
        )
    if "pagerduty" in names and config.pagerduty_routing_key:
        from opsdesk.adapters.https_fetch import tls_context  # noqa: PLC0415  (httpx: only when used)
        from opsdesk.adapters.pagerduty.channel import PagerDutyChannel  # noqa: PLC0415

        found["pagerduty"] = PagerDutyChannel(
            config.pagerduty_routing_key.get_secret_value(),
            config.pagerduty_events_url,
            tls_context(config.ca_file),
        )
    if "github" in names and config.github_token:
        from opsdesk.adapters.github.channel import GitHubChannel  # noqa: PLC0415
        from opsdesk.adapters.https_fetch import tls_context  # noqa: PLC0415

        found["github"] = GitHubChannel(
            config.github_token.get_secret_value(), config.github_api_url, tls_context(config.ca_file)
        )
    if "sms" in names and config.twilio_account_sid and config.twilio_auth_token and config.twilio_from:
        from opsdesk.adapters.twilio.channel import TwilioSms, TwilioVoice  # noqa: PLC0415  (twilio: when used)

        twilio = (
            config.twilio_account_sid,
            config.twilio_auth_token.get_secret_value(),
            config.twilio_from,
            config.twilio_api_url,
            TWILIO_TIMEOUT_SECONDS,
        )
        found["sms"] = TwilioSms(*twilio, public_url=config.public_url)
        found["voice"] = TwilioVoice(*twilio, public_url=config.public_url)
    return found


def renderers(config: DeploymentSettings) -> dict[str, Renderer]:
    """How each vendor writes a notice (the log keeps the format of the vendor it stands in for)."""
    from opsdesk.adapters.email.render import EmailRenderer  # noqa: PLC0415
    from opsdesk.adapters.github.render import GitHubRenderer  # noqa: PLC0415
    from opsdesk.adapters.pagerduty.render import PagerDutyRenderer  # noqa: PLC0415
    from opsdesk.adapters.slack.render import SlackRenderer  # noqa: PLC0415
    from opsdesk.adapters.twilio.render import SmsRenderer, VoiceRenderer  # noqa: PLC0415
    from opsdesk.adapters.webhook_render import WebhookRenderer  # noqa: PLC0415

    return {
        # The buttons on incident messages only where the Slack app answers them (its signing secret, or
        # its app token for Socket Mode).
        "slack": SlackRenderer(
            buttons=config.slack_signing_secret is not None or config.slack_app_token is not None
        ),
        "email": EmailRenderer(),
        "pagerduty": PagerDutyRenderer(),
        "github": GitHubRenderer(),
        "sms": SmsRenderer(),
        "voice": VoiceRenderer(),
        "webhook": WebhookRenderer(),  # pages to an engineer's webhook (`engineers[].webhook`)
    }
