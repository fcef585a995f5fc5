"""The policy file's schema (pydantic models): validation at the edge, and the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, ConfigDict, Field, field_validator, model_validator

from opsdesk.config.announcements_model import AnnouncementsModel
from opsdesk.config.ask_model import AskModel
from opsdesk.config.changes_model import ChangesModel
from opsdesk.config.defaults import (
    DEFAULT_DIVISION,
    DEFAULT_HOURS,
    DEFAULT_TIMEZONE,
    DEFAULT_WORKING_DAYS,
    WEEKDAY_NAMES,
    windows_from_text,
)
from opsdesk.config.email_model import EmailModel
from opsdesk.config.field_types import Day, StrictModel, Weekday, check_pattern
from opsdesk.config.handover_model import HandoverModel
from opsdesk.config.policy import BankHolidaySettings, Policy
from opsdesk.config.rota_model import (
    EngineerModel,
    LeaveModel,
    OverrideModel,
    Problem,
    RotaModel,
    build_rota,
)
from opsdesk.config.services_model import ServiceModel, build_services
from opsdesk.config.support_model import SupportModel
from opsdesk.domain.bank_holidays import Division
from opsdesk.domain.hours import Cover, DayKind, HoursPolicy, LocalWindow, overlapping_pairs

WINDOW_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$"


def _check_window(text: str) -> str:
    LocalWindow.parse(text, Cover.SUPPORT)  # raises ValueError with what is expected
    return text


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder's name, or a name too long
        raise ValueError("not a known IANA time zone; expected a name such as Europe/London or UTC") from None
    return name


WindowText = Annotated[
    str, AfterValidator(_check_window), Field(pattern=WINDOW_PATTERN, examples=["09:00-16:00"])
]
TimezoneText = Annotated[str, AfterValidator(_check_timezone)]


class DayHours(StrictModel):
    """The windows of one kind of day, per cover. Time in no window has no cover."""

    support: list[WindowText] = Field(default_factory=list, description="support (in-hours) windows")
    on_call: list[WindowText] = Field(default_factory=list, alias="on-call", description="on-call windows")

    @model_validator(mode="after")
    def _no_overlap(self) -> DayHours:
        pairs = overlapping_pairs(self.windows())
        if pairs:
            first, second = pairs[0]
            raise ValueError(f"{first} overlaps {second}; the windows of one day must not overlap")
        return self

    def windows(self) -> tuple[LocalWindow, ...]:
        return windows_from_text({Cover.SUPPORT: self.support, Cover.ON_CALL: self.on_call})


def _default_day(kind: DayKind) -> DayHours:
    return DayHours.model_validate(DEFAULT_HOURS[kind])


class Hours(StrictModel):
    """Hours per kind of day. A bank holiday is a weekday listed as one; it usually takes weekend hours."""

    working_day: DayHours = Field(alias="working-day")
    weekend: DayHours
    bank_holiday: DayHours = Field(alias="bank-holiday")


class ExtraDay(StrictModel):
    date: Day
    name: str = Field(min_length=1, max_length=200)


class BankHolidays(StrictModel):
    division: Division = Field(
        default=DEFAULT_DIVISION, description="the UK division whose bank holidays apply"
    )
    file: str | None = Field(
        default=None,
        description="a file in GOV.UK's bank-holidays JSON format, authoritative for every year it holds; "
        "a relative path is read from the policy file's folder",
    )
    extra: list[ExtraDay] = Field(default_factory=list, description="one-off bank holidays")
    removed: list[Day] = Field(default_factory=list, description="days that are not bank holidays")

    @model_validator(mode="after")
    def _extra_not_removed(self) -> BankHolidays:
        both = sorted({e.date for e in self.extra} & set(self.removed))
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise ValueError(f"{listed} is both an extra and a removed day; keep it in one list")
        return self


class ServiceSection(StrictModel):
    """Deployment settings that may live in the file; secrets (tokens, passwords) come from OPSDESK_* only."""

    database_url: str | None = Field(default=None, alias="database-url", max_length=500)
    open_reads: bool | None = Field(default=None, alias="open-reads", description="reads without a token")
    policy_read_only: bool | None = Field(
        default=None,
        alias="policy-read-only",
        description="keep rota changes (swaps, overrides, leave) in the database, not this file",
    )
    outbox_lease_seconds: float | None = Field(default=None, alias="outbox-lease-seconds", gt=0, le=3600)
    policy_reload_seconds: float | None = Field(
        default=None,
        alias="policy-reload-seconds",
        ge=0,
        le=3600,
        description="how often to look for a new policy",
    )
    slack_api_url: str | None = Field(default=None, alias="slack-api-url", max_length=500)
    smtp_host: str | None = Field(default=None, alias="smtp-host", max_length=255)
    smtp_port: int | None = Field(default=None, alias="smtp-port", ge=1, le=65535)
    smtp_from: str | None = Field(default=None, alias="smtp-from", max_length=255)
    smtp_starttls: bool | None = Field(default=None, alias="smtp-starttls")
    webhooks: dict[str, str] | None = Field(default=None, description="webhook name: URL")
    public_url: str | None = Field(
        default=None,
        alias="public-url",
        max_length=300,
        description="where people and Twilio reach this opsdesk (https://opsdesk.example.org)",
    )
    sns_cert_hosts: str | None = Field(
        default=None,
        alias="sns-cert-hosts",
        max_length=300,
        description="regex of hosts SNS certificates come from",
    )
    sns_port: int | None = Field(
        default=None, alias="sns-port", ge=1, le=65535, description="the port SNS addresses must use (443)"
    )
    sns_timeout_seconds: float | None = Field(
        default=None,
        alias="sns-timeout-seconds",
        gt=0,
        le=10,
        description="how long a fetch of an SNS certificate may take (5)",
    )
    ca_file: str | None = Field(
        default=None, alias="ca-file", max_length=500, description="extra CA certificates for outgoing HTTPS"
    )
    pagerduty_events_url: str | None = Field(
        default=None, alias="pagerduty-events-url", max_length=500, pattern=r"^https://"
    )
    github_api_url: str | None = Field(
        default=None, alias="github-api-url", max_length=500, pattern=r"^https?://"
    )

    @field_validator("sns_cert_hosts")
    @classmethod
    def _a_pattern(cls, value: str | None) -> str | None:
        return None if value is None else check_pattern(value)

    def as_text(self) -> dict[str, str]:
        values = self.model_dump(by_alias=True, exclude_none=True)
        if "webhooks" in values:
            values["webhooks"] = ",".join(f"{name}={url}" for name, url in values["webhooks"].items())
        return {
            key: str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in values.items()
        }


class PolicyModel(StrictModel):
    """opsdesk's policy file (opsdesk.yaml)."""

    model_config = ConfigDict(title="opsdesk policy")

    timezone: TimezoneText = Field(
        default=DEFAULT_TIMEZONE, description="IANA time zone in which the hours are read"
    )
    working_days: list[Weekday] = Field(
        default_factory=lambda: cast("list[Weekday]", list(DEFAULT_WORKING_DAYS)),
        alias="working-days",
        min_length=1,
    )
    hours: Hours = Field(
        default_factory=lambda: Hours.model_validate(
            {kind.value: _default_day(kind).model_dump(by_alias=True) for kind in DayKind}
        )
    )
    bank_holidays: BankHolidays = Field(default_factory=BankHolidays, alias="bank-holidays")
    engineers: list[EngineerModel] = Field(default_factory=list, description="the team")
    rota: RotaModel = Field(default_factory=RotaModel)
    leave: list[LeaveModel] = Field(default_factory=list)
    service: ServiceSection = Field(default_factory=ServiceSection, description="settings of opsdesk serve")
    overrides: list[OverrideModel] = Field(
        default_factory=list, description="an engineer takes a role for a period; later entries win"
    )
    services: list[ServiceModel] = Field(
        default_factory=list, description="alarm sources: routing, channel, escalation, integration keys"
    )
    changes: ChangesModel = Field(default_factory=ChangesModel, description="out-of-hours change requests")
    handover: HandoverModel = Field(
        default_factory=HandoverModel, description="the handover, hand-back, turn change and daily digest"
    )
    support: SupportModel = Field(
        default_factory=SupportModel, description="the support board: user requests, triage and targets"
    )
    announcements: AnnouncementsModel = Field(
        default_factory=AnnouncementsModel,
        description="scheduled work, maintenance and incident updates: channels, mention budget, reminders",
    )
    email: EmailModel = Field(
        default_factory=EmailModel,
        description="critical-incident email: the SMTP listener, accepted senders, the trusted relay, replies",
    )
    ask: AskModel = Field(
        default_factory=AskModel,
        description="the ask channel: questions followed up in support hours, answered out of hours",
    )

    @field_validator("working_days")
    @classmethod
    def _no_repeats(cls, days: list[Weekday]) -> list[Weekday]:
        repeated = sorted({d for d in days if days.count(d) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} is listed more than once")
        return days

    def to_policy(self, source: str, base_dir: Path) -> tuple[Policy, list[Problem]]:
        """The policy, and the problems only the whole file shows (duplicate ids, overlapping leave...)."""
        hours = HoursPolicy(
            timezone=ZoneInfo(self.timezone),
            working_day=self.hours.working_day.windows(),
            weekend=self.hours.weekend.windows(),
            bank_holiday=self.hours.bank_holiday.windows(),
            working_weekdays=frozenset(WEEKDAY_NAMES.index(day) for day in self.working_days),
        )
        holidays = self.bank_holidays
        rota, problems = build_rota(self.engineers, self.rota, self.leave, self.overrides, hours.timezone)
        services, service_problems = build_services(self.services, self.engineers)
        problems += service_problems
        changes, change_problems = self.changes.to_policy(hours.timezone)
        problems += change_problems
        announcements, announcement_problems = self.announcements.to_policy(changes.ask_channel)
        problems += announcement_problems
        email, email_problems = self.email.to_policy(base_dir, {s.id for s in services}, changes.ask_channel)
        problems += email_problems
        policy = Policy(
            hours=hours,
            bank_holidays=BankHolidaySettings(
                division=holidays.division,
                file=(base_dir / holidays.file) if holidays.file else None,
                extra={extra.date: extra.name for extra in holidays.extra},
                removed=frozenset(holidays.removed),
            ),
            source=source,
            rota=rota,
            service=self.service.as_text(),
            services=services,
            changes=changes,
            handover=self.handover.to_policy(changes.ask_channel),
            support=self.support.to_policy(changes.ask_channel),
            announcements=announcements,
            email=email,
            ask=self.ask.to_policy(changes.ask_channel),
        )
        return policy, problems


def json_schema() -> dict[str, Any]:
    schema = PolicyModel.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
