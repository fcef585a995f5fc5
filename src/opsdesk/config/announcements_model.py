"""The `announcements:` part of the policy file: the update and ask channels, the mention budget, the
reminders before scheduled work, and how long a promised update may be late before it is overdue."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field, field_validator

from opsdesk.config.changes_model import CHANNEL
from opsdesk.config.field_types import StrictModel
from opsdesk.config.rota_model import Problem
from opsdesk.domain.announcements.model import AnnouncementPolicy
from opsdesk.domain.incidents.model import Priority

Hours = Annotated[float, Field(gt=0, le=24 * 30)]


class AnnouncementsModel(StrictModel):
    """Broadcasts (scheduled work, maintenance, incident updates): posted to the update channel and
    forwarded to the ask channel, with `@channel` and `@here` used sparingly."""

    update_channel: str | None = Field(
        default=None,
        alias="update-channel",
        pattern=CHANNEL,
        description="the Slack channel announcements are posted to (left out: opsdesk's log keeps them)",
    )
    ask_channel: str | None = Field(
        default=None,
        alias="ask-channel",
        pattern=CHANNEL,
        description="the Slack channel each announcement is forwarded to (default: changes.ask-channel)",
    )
    channel_mention_for: list[Priority] = Field(
        default_factory=lambda: [Priority.P1],
        alias="channel-mention-for",
        max_length=3,
        description="@channel only on an incident update on an incident of these priorities ([]: never)",
    )
    here_per_week: int = Field(
        default=2,
        alias="here-per-week",
        ge=0,
        le=100,
        description="@here at most this many times a week, Monday to Sunday in the team's time (0: never)",
    )
    reminders_before_hours: list[Hours] = Field(
        default_factory=lambda: [24.0, 1.0],
        alias="reminders-before-hours",
        max_length=10,
        description="scheduled work announced in advance is reminded of this many hours before it starts",
    )
    update_grace_minutes: float = Field(
        default=10,
        alias="update-grace-minutes",
        ge=0,
        le=24 * 60,
        description="a promised update later than its time by more than this is overdue",
    )

    @field_validator("channel_mention_for", "reminders_before_hours")
    @classmethod
    def _no_repeats(cls, values: list[object]) -> list[object]:
        repeated = sorted({str(v) for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} is listed more than once")
        return values

    def to_policy(self, ask_channel: str | None) -> tuple[AnnouncementPolicy, list[Problem]]:
        problems: list[Problem] = []
        ask = self.ask_channel or ask_channel
        if self.update_channel is not None and self.update_channel == ask:
            where = "ask-channel" if self.ask_channel else "ask-channel (from changes.ask-channel)"
            problems.append(
                (
                    ("announcements", "update-channel"),
                    f"{self.update_channel} is also the {where}: an announcement is forwarded from the "
                    "update channel to the ask channel, so name two channels",
                )
            )
        policy = AnnouncementPolicy(
            update_channel=self.update_channel,
            ask_channel=ask,
            channel_for=tuple(str(p) for p in self.channel_mention_for),
            here_per_week=self.here_per_week,
            reminders=tuple(sorted((timedelta(hours=h) for h in self.reminders_before_hours), reverse=True)),
            grace=timedelta(minutes=self.update_grace_minutes),
        )
        return policy, problems
