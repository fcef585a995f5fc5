"""The `changes:` part of the policy file: notice, the longest window, change freezes, the checklist and
how early a change may start."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, Field

from opsdesk.config.field_types import StrictModel
from opsdesk.config.rota_model import Problem
from opsdesk.domain.changes.checklist import (
    DEFAULT_AFTER,
    DEFAULT_BEFORE,
    DEFAULT_DURING,
    Checklist,
    Phase,
    checklist_of,
    item_id,
)
from opsdesk.domain.changes.model import ChangePolicy, Freeze
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.instants import parse_period_bound

CHANNEL = r"^[#@]?[a-z0-9][a-z0-9._-]{0,79}$|^[CG][A-Z0-9]{2,20}$"


def _as_text(value: object) -> object:
    # YAML reads an unquoted 2026-12-21 as a date: take it back as the text that was written.
    return value.isoformat() if isinstance(value, date) else value


When = Annotated[str, BeforeValidator(_as_text), Field(max_length=64)]


def _one_line(value: str) -> str:
    # An item is one line of a list (Slack, GitHub, the terminal): no line breaks, no control characters
    # and no bidirectional controls that would make it read as something other than what it says; the
    # marks U+200E and U+200F stay (right-to-left words need them).
    bad = next(
        (c for c in value if unicodedata.category(c) in {"Cc", "Cf"} and c not in "\u200e\u200f"), None
    )
    if bad is not None:
        raise ValueError(f"holds the control character U+{ord(bad):04X}: write the item on one plain line")
    if not item_id(value):
        raise ValueError("has no letters or digits: say what is to be done")
    return value.strip()


ItemText = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_one_line)]


class ChecklistModel(StrictModel):
    """The items of each phase; a phase left out keeps the team's items, `[]` has none."""

    before: list[ItemText] = Field(
        default=list(DEFAULT_BEFORE), max_length=30, description="all ticked to start"
    )
    during: list[ItemText] = Field(
        default=list(DEFAULT_DURING), max_length=30, description="ticked once started; all to complete"
    )
    after: list[ItemText] = Field(
        default=list(DEFAULT_AFTER), max_length=30, description="ticked once completed, while monitored"
    )

    def to_checklist(self) -> tuple[Checklist, list[Problem]]:
        problems: list[Problem] = []
        seen: dict[str, Phase] = {}
        for phase, labels in (
            (Phase.BEFORE, self.before),
            (Phase.DURING, self.during),
            (Phase.AFTER, self.after),
        ):
            for index, label in enumerate(labels):
                found = item_id(label)
                if found in seen:
                    problems.append(
                        (
                            ("changes", "checklist", str(phase), index),
                            f"{label!r} is listed twice (as {found}, also in {seen[found]}): keep one",
                        )
                    )
                seen.setdefault(found, phase)
        return checklist_of(self.before, self.during, self.after), problems


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
    checklist: ChecklistModel = Field(default_factory=ChecklistModel, description="before, during, after")
    start_tolerance_minutes: float = Field(
        default=15,
        alias="start-tolerance-minutes",
        ge=0,
        le=24 * 60,
        description="how long before its window opens a change may start",
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
        checklist, checklist_problems = self.checklist.to_checklist()
        problems += checklist_problems
        policy = ChangePolicy(
            notice=timedelta(hours=self.notice_hours),
            longest=timedelta(hours=self.longest_window_hours),
            freezes=tuple(freezes),
            ask_channel=self.ask_channel,
            channel=self.channel,
            monitoring=timedelta(hours=self.monitoring_hours),
            checklist=checklist,
            start_tolerance=timedelta(minutes=self.start_tolerance_minutes),
        )
        return policy, problems
