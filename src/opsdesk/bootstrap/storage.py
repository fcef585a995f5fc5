"""Wiring for storage and delivery: the database, the outbox and the channels."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import Engine

from opsdesk.adapters.clock import SystemClock
from opsdesk.adapters.db.engine import check_reachable, make_engine, migrations_current, upgrade
from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.log_channel import LogChannel
from opsdesk.config.deployment import DeploymentSettings, deployment_settings
from opsdesk.config.loading import load_policy
from opsdesk.config.settings import Settings
from opsdesk.domain.errors import IntegrationError
from opsdesk.domain.outbox import RetryPolicy
from opsdesk.services.clock import Clock
from opsdesk.services.delivery import Channel, Deliverer
from opsdesk.services.jobs import Handler, JobRunner


def deployment(settings: Settings) -> DeploymentSettings:
    """OPSDESK_* variables over the policy file's `service:` section (pydantic-settings)."""
    return deployment_settings(load_policy(settings).service, settings.database_url)


def database(settings: Settings, *, migrate: bool = False) -> Engine:
    """The engine, checked reachable; with `migrate`, brought up to the newest schema."""
    engine = make_engine(deployment(settings).database_url)
    check_reachable(engine)
    if migrate:
        upgrade(engine)
    elif not migrations_current(engine):
        raise IntegrationError(
            f"the database {engine.url.render_as_string(hide_password=True)} is not up to date: "
            "run `opsdesk db upgrade`"
        )
    return engine


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
    }
    return frozenset(name for name, present in wanted.items() if present)


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
        from opsdesk.adapters.pagerduty.channel import PagerDutyChannel  # noqa: PLC0415
        from opsdesk.bootstrap.incidents import tls_context  # noqa: PLC0415

        found["pagerduty"] = PagerDutyChannel(
            config.pagerduty_routing_key.get_secret_value(), config.pagerduty_events_url, tls_context(config)
        )
    if "github" in names and config.github_token:
        from opsdesk.adapters.github.channel import GitHubChannel  # noqa: PLC0415
        from opsdesk.bootstrap.incidents import tls_context  # noqa: PLC0415

        found["github"] = GitHubChannel(
            config.github_token.get_secret_value(), config.github_api_url, tls_context(config)
        )
    return found


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def deliverer(
    engine: Engine, config: DeploymentSettings, clock: Clock | None = None, owner: str | None = None
) -> Deliverer:
    lease = timedelta(seconds=config.outbox_lease_seconds)
    policy = RetryPolicy(max_retry_after=timedelta(seconds=config.outbox_max_retry_after_seconds))
    return Deliverer(
        SqlOutbox(engine),
        channels(config),
        clock or SystemClock(),
        owner or worker_name(),
        policy=policy,
        lease=lease,
    )


def outbox_store(engine: Engine) -> SqlOutbox:
    return SqlOutbox(engine)


def clock() -> Clock:
    return SystemClock()


def job_runner(
    engine: Engine, settings: Settings, clock: Clock | None = None, owner: str | None = None
) -> JobRunner:
    """Due jobs, by kind: incident pages and escalations."""
    from opsdesk.bootstrap import incidents as wiring  # noqa: PLC0415  (it imports this module)
    from opsdesk.bootstrap.changes import change_workflow  # noqa: PLC0415
    from opsdesk.services.changes.workflow import REMINDER_JOB  # noqa: PLC0415
    from opsdesk.services.incidents.service import CONFIRM_JOB, END_JOB, HANDBACK_JOB, PAGE_JOB  # noqa: PLC0415

    clock = clock or SystemClock()
    incidents = wiring.incident_service(settings, engine, clock)
    config = deployment(settings)
    handlers: dict[str, Handler] = {
        PAGE_JOB: incidents.run_job,
        END_JOB: incidents.run_job,
        HANDBACK_JOB: incidents.run_hand_back,
        REMINDER_JOB: change_workflow(settings, engine, clock, incidents.rota).remind,
        CONFIRM_JOB: wiring.confirm_subscription(config, wiring.sns_verifier(config)),
    }
    return JobRunner(SqlJobs(engine), handlers, clock, owner or worker_name())
