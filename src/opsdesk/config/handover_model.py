"""The `handover:` part of the policy file: the team's channel, when an unacknowledged handover is chased,
how late a briefing may still be made, and the repositories the daily digest looks at."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field

from opsdesk.config.changes_model import CHANNEL
from opsdesk.config.field_types import StrictModel
from opsdesk.domain.handover.model import NOTE_LIMIT, HandoverPolicy

REPOSITORY = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"


class HandoverModel(StrictModel):
    """The daily rhythm: the handover at the end of each support window, the hand-back and the digest at the
    start of each, and the weekly turn change."""

    channel: str | None = Field(
        default=None,
        pattern=CHANNEL,
        description="the team's Slack channel for briefings (the changes' ask channel when left out)",
    )
    acknowledge_minutes: float = Field(
        default=30,
        alias="acknowledge-minutes",
        gt=0,
        le=24 * 60,
        description="unacknowledged this long after it is sent, the receivers are reminded",
    )
    tell_giver_minutes: float = Field(
        default=30,
        alias="tell-giver-minutes",
        gt=0,
        le=24 * 60,
        description="after the reminder, still unacknowledged: the one who handed over is told",
    )
    late_limit_minutes: float = Field(
        default=120,
        alias="late-limit-minutes",
        ge=0,
        le=7 * 24 * 60,
        description="a briefing opsdesk was down for is sent late up to this long; later, recorded as missed",
    )
    direct: bool = Field(default=True, description="also send each receiver a direct message (or email)")
    turn_change: bool = Field(default=True, alias="turn-change", description="brief the incoming pair weekly")
    digest: bool = Field(default=True, description="the daily digest at the start of each support window")
    repositories: list[Annotated[str, Field(pattern=REPOSITORY, max_length=140)]] = Field(
        default_factory=list,
        max_length=50,
        description="owner/name of GitHub repositories whose Dependabot pull requests and failed runs the "
        "digest lists",
    )
    note_limit: int = Field(
        default=NOTE_LIMIT, alias="note-limit", ge=10, le=20_000, description="characters of one note"
    )

    def to_policy(self, ask_channel: str | None) -> HandoverPolicy:
        return HandoverPolicy(
            channel=self.channel or ask_channel,
            acknowledge_within=timedelta(minutes=self.acknowledge_minutes),
            tell_support_after=timedelta(minutes=self.tell_giver_minutes),
            late_limit=timedelta(minutes=self.late_limit_minutes),
            direct=self.direct,
            turn_change=self.turn_change,
            digest=self.digest,
            repositories=tuple(self.repositories),
            note_limit=self.note_limit,
        )
