"""Text from people and other systems: required fields, limits, the NUL character, and the Unicode controls
that would make text read differently from what it says.

NUL (U+0000) cannot be stored (PostgreSQL refuses it in text) and no person means one. Text a person
gives opsdesk (API bodies, files given to the CLI, notes, titles) holding one is refused, naming the
field; text from another system (alarms, GitHub deliveries) has each NUL replaced with U+FFFD, so an
alarm is never lost over it.
"""

from __future__ import annotations

from typing import Any, overload

from opsdesk.domain.errors import DomainError

TEXT_LIMIT = 4000  # characters of a note, a plan, a reason, instructions
REPLACEMENT = "\ufffd"  # shown where opsdesk took out a character it will not pass on
NUL = "\x00"

# Unicode's bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder the
# text after them as it is shown, so an alarm or a title can read as something other than what it says
# ("Trojan Source"). The marks U+200E and U+200F stay: they only settle the direction of the punctuation
# beside them, cannot reorder a word, and names written right to left need them.
BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_BIDI = dict.fromkeys(BIDI_CONTROLS, REPLACEMENT)


def required_text(
    value: str | None, name: str, limit: int = TEXT_LIMIT, error: type[DomainError] = DomainError
) -> str:
    """`value` stripped; `error` naming the field when it is empty, longer than `limit` or holds a NUL."""
    cleaned = (value or "").strip()
    if NUL in cleaned:
        raise error(nul_problem(name))
    if not cleaned:
        raise error(f"{name} is needed and must not be empty")
    if len(cleaned) > limit:
        raise error(f"{name} is {len(cleaned)} characters; at most {limit}")
    return cleaned


def optional_text(
    value: str | None, name: str, limit: int = TEXT_LIMIT, error: type[DomainError] = DomainError
) -> str | None:
    return required_text(value, name, limit, error) if value and value.strip() else None


def nul_problem(name: str) -> str:
    """What to tell a person whose `name` holds a NUL."""
    return f"{name} holds a NUL character (U+0000), which opsdesk cannot store: remove it"


@overload
def without_nul(value: str) -> str: ...
@overload
def without_nul(value: dict[str, Any]) -> dict[str, Any]: ...
@overload
def without_nul(value: object) -> object: ...
def without_nul(value: object) -> object:
    """A value from another system (a string, or JSON: objects, arrays, strings) with every NUL in its
    strings and keys replaced by REPLACEMENT; anything else as it is."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


def without_bidi(text: str) -> str:
    """Bidirectional controls replaced (REPLACEMENT), so text cannot reorder what a reader sees."""
    return text.translate(_BIDI)


def labelled(name: str, ident: str) -> str:
    """A person or a service as shown in a list or a message: "Alice (alice)", or the id alone when the
    name is the id."""
    return f"{name} ({ident})" if name != ident else ident
