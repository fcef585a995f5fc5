"""Text from people and other systems: required fields, limits, and Slack's control characters."""

from __future__ import annotations

from opsdesk.domain.errors import DomainError

TEXT_LIMIT = 4000  # characters of a note, a plan, a reason, instructions


def required_text(
    value: str | None, name: str, limit: int = TEXT_LIMIT, error: type[DomainError] = DomainError
) -> str:
    """`value` stripped; `error` naming the field when it is empty or longer than `limit`."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise error(f"{name} is needed and must not be empty")
    if len(cleaned) > limit:
        raise error(f"{name} is {len(cleaned)} characters; at most {limit}")
    return cleaned


def optional_text(
    value: str | None, name: str, limit: int = TEXT_LIMIT, error: type[DomainError] = DomainError
) -> str | None:
    return required_text(value, name, limit, error) if value and value.strip() else None


def slack_escape(text: str) -> str:
    """Slack's three control characters escaped, so outside text cannot ping @channel or hide a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
