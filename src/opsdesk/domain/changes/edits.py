"""What an edit changed in a change request's substance: its title and the form's four sections.

Substance is compared without regard to whitespace (spaces, line breaks, CRLF): an edit that only
reflows the text changes nothing a reviewer approved, so it keeps an approval; any other edit of the
title or a section withdraws it.
"""

from __future__ import annotations

from collections.abc import Callable

from opsdesk.domain.changes.model import FIELDS, Problem, RequestText

TITLE = "the title"
TEXT = "the text"  # a body that is not the form's: compared whole


def substance_changed(
    before_title: str,
    before_body: str,
    after_title: str,
    after_body: str,
    read: Callable[[str], RequestText | Problem],
) -> list[str]:
    """What changed in substance, in the form's order (`the title`, then section labels); empty when
    only whitespace did. `read` reads a request's text into its sections."""
    changed = [TITLE] if _words(before_title) != _words(after_title) else []
    before, after = read(before_body), read(after_body)
    if isinstance(before, Problem) and isinstance(after, Problem):
        return changed + ([TEXT] if _words(before_body) != _words(after_body) else [])
    old = {} if isinstance(before, Problem) else before.answers
    new = {} if isinstance(after, Problem) else after.answers
    return changed + [
        label for field_id, label in FIELDS if _words(old.get(field_id)) != _words(new.get(field_id))
    ]


def _words(text: str | None) -> str | None:
    return " ".join(text.split()) if text is not None else None
