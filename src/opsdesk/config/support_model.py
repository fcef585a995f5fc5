"""The `support:` part of the policy file: the GitHub label that puts an issue on the support board, the
channel new requests are announced in, and the targets, counted in support hours."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from opsdesk.config.changes_model import CHANNEL
from opsdesk.config.field_types import StrictModel
from opsdesk.domain.support.model import DEFAULT_LABEL, LABEL_LIMIT, SupportPolicy

WEEK_OF_SUPPORT = 5 * 24  # an upper bound for any target, in support hours: far beyond any real one


class SupportModel(StrictModel):
    """User support requests on the board: triaged by the support engineer, answered in support hours."""

    label: str = Field(
        default=DEFAULT_LABEL,
        min_length=1,
        max_length=LABEL_LIMIT,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="the GitHub label that makes an issue a support request (a change-request form never is)",
    )
    channel: str | None = Field(
        default=None,
        pattern=CHANNEL,
        description="the Slack channel new requests are announced in (the changes' ask channel when left out)",
    )
    triage_hours: float = Field(
        default=1,
        alias="triage-hours",
        gt=0,
        le=WEEK_OF_SUPPORT,
        description="support hours from a request's arrival to its triage (accepted or declined)",
    )
    first_response_hours: float = Field(
        default=4,
        alias="first-response-hours",
        gt=0,
        le=WEEK_OF_SUPPORT,
        description="support hours to the first comment by a team engineer other than the requester",
    )
    done_hours: float = Field(
        default=35,
        alias="done-hours",
        gt=0,
        le=WEEK_OF_SUPPORT * 4,
        description="support hours from arrival to done (35: five support days of 09:00-16:00)",
    )

    def to_policy(self, ask_channel: str | None) -> SupportPolicy:
        return SupportPolicy(
            label=self.label.strip(),
            channel=self.channel or ask_channel,
            triage=timedelta(hours=self.triage_hours),
            first_response=timedelta(hours=self.first_response_hours),
            done=timedelta(hours=self.done_hours),
        )
