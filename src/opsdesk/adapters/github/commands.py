"""Commands written in a comment on a request's issue: `/approve @engineer` with instructions on the lines
below, or `/reject reason`."""

from __future__ import annotations

import re

from opsdesk.domain.changes.model import ReviewCommand

COMMAND = re.compile(r"^/(approve|reject)\b[ \t]*(.*)", re.DOTALL)


def read_command(text: str) -> ReviewCommand | None:
    """The command at a comment's start; None for any other comment."""
    match = COMMAND.match(text.strip())
    if match is None:
        return None
    verb, rest = match.group(1), match.group(2).strip()
    if verb == "reject":
        return ReviewCommand(verb, "", rest)
    first, _, remainder = rest.partition("\n")
    word, _, tail = first.strip().partition(" ")
    return ReviewCommand(verb, word, (tail.strip() + "\n" + remainder.strip()).strip())
