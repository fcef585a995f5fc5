"""The `ask:` part of the policy file: the ask channel (by its Slack id), how long a question may wait for
the team's answer before the support engineer is reminded (in support hours), and what opsdesk says out of
hours about raising a critical incident."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from opsdesk.config.changes_model import CHANNEL
from opsdesk.config.field_types import StrictModel
from opsdesk.domain.asks import DEFAULT_OUT_OF_HOURS_TEXT, AskPolicy

WEEK_OF_SUPPORT_MINUTES = 5 * 24 * 60  # far beyond any real wait


class AskModel(StrictModel):
    """Questions in the ask channel: followed up in support hours, answered out of hours."""

    enabled: bool = Field(default=True, description="follow questions up and answer them out of hours")
    channel: str | None = Field(
        default=None,
        pattern=CHANNEL,
        description="the ask channel's Slack id (C0123ABCD; Slack's events name channels by id only); "
        "default: changes.ask-channel",
    )
    remind_after_minutes: int = Field(
        default=30,
        alias="remind-after-minutes",
        ge=1,
        le=WEEK_OF_SUPPORT_MINUTES,
        description="whole minutes of support hours a question may wait for the team's answer in its thread "
        "(out of hours: counted from when support resumes)",
    )
    out_of_hours_text: str = Field(
        default=DEFAULT_OUT_OF_HOURS_TEXT,
        alias="out-of-hours-text",
        min_length=1,
        max_length=1000,
        pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]+$",
        description="said first out of hours, before when support resumes: how to raise a critical incident "
        "(followed by 'Otherwise, support resumes ...')",
    )

    topic: bool = Field(
        default=False,
        description="set the ask channel's topic to the support engineer as each support period starts "
        "(the app needs channels:manage and to be in the channel)",
    )

    def to_policy(self, ask_channel: str | None) -> AskPolicy:
        return AskPolicy(
            enabled=self.enabled,
            channel=self.channel or ask_channel,
            remind_after=timedelta(minutes=self.remind_after_minutes),
            out_of_hours_text=self.out_of_hours_text.strip(),
            topic=self.topic,
        )
