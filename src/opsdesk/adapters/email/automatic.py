"""When an incoming message must never be answered (RFC 3834 marks, lists, robots, bounces, reports)."""

from __future__ import annotations

import re
from collections.abc import Callable

from opsdesk.adapters.email.mime_text import HeaderText, one_line

SHOWN = 100  # a header value quoted in a reason
_SUPPRESSED = frozenset({"all", "autoreply", "oof"})
_ROBOTS = frozenset(
    {"mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply"}
)


def is_null(sender: str) -> bool:
    return not sender.strip().strip("<>").strip()


def _localpart(address: str) -> str:
    """The lower-case local part without a +tag ("MAILER-DAEMON" alone counts as one too)."""
    address = address.strip().strip("<>")
    return address.rpartition("@")[0 if "@" in address else 2].split("+")[0].lower()


def _token(value: str) -> str:
    words = re.sub(r"\([^()]*\)", " ", value).split()
    return words[0].lower() if words else ""


def automatic_reason(headers: HeaderText, content_type: str, sender: str, author: str) -> str | None:
    """Why the message must never be answered (RFC 3834, lists, robots, bounces); None: a person wrote it."""
    robot = next((a for a in (sender, author) if _localpart(a) in _ROBOTS), None)
    reasons = (
        _marked_automatic(headers),
        "the null sender (a bounce)" if is_null(sender) else None,
        f"sent by {one_line(robot, SHOWN)}, an automatic sender" if robot else None,
        "a delivery report (multipart/report)" if content_type == "multipart/report" else None,
    )
    return next((reason for reason in reasons if reason), None)


def _marked_automatic(headers: HeaderText) -> str | None:
    for name, marks in _AUTOMATIC_MARKS:
        for value in headers.all(name.lower()):
            if marks(value):
                return f"{name}: {one_line(value, SHOWN) or '(empty)'}"
    return None


# A header, and when its value marks the message automatic. Lists and autoresponders count whatever the value.
_AUTOMATIC_MARKS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("Auto-Submitted", lambda value: _token(value) != "no"),
    ("Precedence", lambda value: _token(value) in {"bulk", "list", "junk", "auto_reply"}),
    ("List-Id", lambda value: True),
    ("List-Unsubscribe", lambda value: True),
    ("X-Auto-Response-Suppress", lambda value: bool(_SUPPRESSED & set(re.split(r"[\s,;]+", value.lower())))),
    ("X-Autoreply", lambda value: True),
    ("X-Autorespond", lambda value: True),
)
