"""Text from people and other systems: required fields, limits, Slack's control characters, and the
Unicode controls that would make text read differently from what it says."""

from __future__ import annotations

from opsdesk.domain.errors import DomainError

TEXT_LIMIT = 4000  # characters of a note, a plan, a reason, instructions
REPLACEMENT = "\ufffd"  # shown where opsdesk took out a character it will not pass on

# Unicode's bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder the
# text after them as it is shown, so an alarm or a title can read as something other than what it says
# ("Trojan Source"). The marks U+200E and U+200F stay: they only settle the direction of the punctuation
# beside them, cannot reorder a word, and names written right to left need them.
BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_SLACK_UNSAFE = dict.fromkeys(BIDI_CONTROLS, REPLACEMENT)


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
    """Slack's three control characters escaped, so outside text cannot ping @channel or hide a link, and
    bidirectional controls replaced (REPLACEMENT), so it cannot reorder what a reader sees."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.translate(_SLACK_UNSAFE)
