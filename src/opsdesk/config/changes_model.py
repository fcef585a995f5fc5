"""The `changes:` part of the policy file: notice, the longest window, and change freezes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field

from opsdesk.config.field_types import StrictModel
from opsdesk.config.rota_model import Problem
from opsdesk.domain.changes.model import ChangePolicy, Freeze
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.instants import parse_period_bound

CHANNEL = r"^[#@]?[a-z0-9][a-z0-9._-]{0,79}$|^[CG][A-Z0-9]{2,20}$"


def _as_text(value: object) -> object:
    # YAML reads an unquoted 2026-12-21 as a date: take it back as the text that was written.
    return value.isoformat() if isinstance(value, date) else value


When = Annotated[str, BeforeValidator(_as_text), Field(max_length=64)]


class FreezeModel(StrictModel):
    start: When = Field(alias="from", description="a date (whole days) or an ISO 8601 instant")
    end: When = Field(alias="to", description="a date (that day included) or an instant")
    reason: str = Field(min_length=1, max_length=200)


class ChangesModel(StrictModel):
    """Out-of-hours change requests."""

    notice_hours: float = Field(
        default=48,
        alias="notice-hours",
        ge=0,
        le=24 * 90,
        description="from submission to the window's start",
    )
    longest_window_hours: float = Field(
        default=24, alias="longest-window-hours", gt=0, le=24 * 14, description="the longest change window"
    )
    freezes: list[FreezeModel] = Field(default_factory=list, description="periods in which no change may run")
    ask_channel: str | None = Field(
        default=None, alias="ask-channel", pattern=CHANNEL, description="Slack channel announcements go to"
    )
    channel: str | None = Field(
        default=None,
        pattern=CHANNEL,
        description="the designated Slack channel for changes (a reviewer may name another)",
    )
    monitoring_hours: float = Field(
        default=24,
        alias="monitoring-hours",
        ge=0,
        le=24 * 14,
        description="watched after a change, in the handover",
    )

    def to_policy(self, tz: ZoneInfo) -> tuple[ChangePolicy, list[Problem]]:
        problems: list[Problem] = []
        freezes = []
        for index, model in enumerate(self.freezes):
            try:
                start = parse_period_bound(model.start, tz, end=False)
                end = parse_period_bound(model.end, tz, end=True)
            except InvalidInstantError as exc:
                key = "from" if exc.value == model.start else "to"
                problems.append((("changes", "freezes", index, key), str(exc)))
                continue
            if end <= start:
                problems.append((("changes", "freezes", index, "to"), "the freeze ends before it starts"))
                continue
            freezes.append(Freeze(start, end, model.reason))
        policy = ChangePolicy(
            notice=timedelta(hours=self.notice_hours),
            longest=timedelta(hours=self.longest_window_hours),
            freezes=tuple(freezes),
            ask_channel=self.ask_channel,
            channel=self.channel,
            monitoring=timedelta(hours=self.monitoring_hours),
        )
        return policy, problems
