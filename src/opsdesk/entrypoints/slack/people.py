"""Who is who in Slack: a Slack user id is an engineer of the team only through the policy's
`engineers[].slack`; anyone else is refused what needs an engineer, and told how to be added."""

from __future__ import annotations

from typing import Any

from opsdesk.domain.people import People
from opsdesk.domain.rota import Engineer

NOT_ON_ROTA = (
    "You are not on the team's rota in opsdesk: ask an admin to add your Slack id under engineers[].slack"
)


def slack_user(body: dict[str, Any]) -> str:
    """The Slack user id a request comes from: a block action's `user.id`, a slash command's `user_id`."""
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or "")


def engineer_of(people: People, body: dict[str, Any]) -> Engineer | None:
    """The engineer who sent the request, by their Slack id alone (never by a name they could choose)."""
    return people.by_slack(slack_user(body))
