"""What an engineer's SMS reply to a page asks: '4 ack', 'ack 4', '#4 a', '4 resolve', or 'ACK' alone (the
one open incident they were paged for); a test page's code ('T4821', 'T4821 ack'); anything else is
answered with what to send. Read safely: only the
start of a long reply is looked at, and control, bidi and other invisible characters count as spaces."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from opsdesk.domain.incidents.model import Action
from opsdesk.domain.incidents.page_test import read_code

READ_LIMIT = 160  # characters of a reply looked at: one SMS; a longer reply is no command
ANSWER_LIMIT = 300  # characters of an answer: two SMS at most
_WORDS = {
    "ack": Action.ACKNOWLEDGE,
    "a": Action.ACKNOWLEDGE,
    "acknowledge": Action.ACKNOWLEDGE,
    "acknowledged": Action.ACKNOWLEDGE,
    "ok": Action.ACKNOWLEDGE,
    "resolve": Action.RESOLVE,
    "resolved": Action.RESOLVE,
    "r": Action.RESOLVE,
    "fixed": Action.RESOLVE,
}
_NUMBER = re.compile(r"^#?([1-9][0-9]{0,17})$")
_SEPARATORS = frozenset(".,:;!?")
HELP = "Reply with the incident's number and ack or resolve, e.g. '4 ack' or '4 resolve'."


@dataclass(frozen=True)
class PhoneReply:
    """A reply read: the action and the incident it names (None: the one open incident paged to the
    sender), or `action` None when it asks nothing opsdesk knows (answer with HELP). `test`: the code of
    the test page it acknowledges (T4821), never an incident."""

    action: Action | None
    incident: int | None = None
    test: str | None = None


def read_reply(body: str) -> PhoneReply:
    """What `body` asks. Words: ack (a, ok) and resolve (r, fixed), in any case; a number, with or without
    '#', before or after the word; or a test page's code, alone or with ack; nothing else."""
    words = _plain(body[: READ_LIMIT + 1]).split()
    if len(body) > READ_LIMIT or "\x00" in body or not 1 <= len(words) <= 2:
        return PhoneReply(None)
    codes = [code for w in words if (code := read_code(w))]
    if codes:  # a test page's code, alone or with an acknowledging word: 'T4821', 'T4821 ack', 'ok t4821'
        rest = [w for w in words if read_code(w) is None]
        if len(codes) == 1 and all(_WORDS.get(w) is Action.ACKNOWLEDGE for w in rest):
            return PhoneReply(Action.ACKNOWLEDGE, test=codes[0])
        return PhoneReply(None)
    actions = [_WORDS[w] for w in words if w in _WORDS]
    numbers = [int(m[1]) for w in words if (m := _NUMBER.match(w))]
    if len(actions) != 1 or len(actions) + len(numbers) != len(words):
        return PhoneReply(None)
    return PhoneReply(actions[0], numbers[0] if numbers else None)


def _plain(text: str) -> str:
    """Lower case, full-width digits as digits, and spaces, invisible characters (bidi overrides,
    zero-width spaces) and a sentence's punctuation ('4: ack.') read as spaces; anything else is kept,
    so that it makes a word opsdesk does not know."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(" " if c.isspace() or c in _SEPARATORS or _invisible(c) else c for c in folded)


def _invisible(c: str) -> bool:
    return unicodedata.category(c) in {"Cc", "Cf"}


def shorten(text: str) -> str:
    """An answer cut to ANSWER_LIMIT characters, ending in '...' when cut."""
    return text if len(text) <= ANSWER_LIMIT else text[: ANSWER_LIMIT - 3] + "..."
