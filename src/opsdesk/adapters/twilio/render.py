"""How a page reads as an SMS (at most two segments) and as a voice call's spoken text.

Two SMS segments hold 306 GSM-7 characters (each of ^{}\\[~]|€ counts twice); one character outside GSM-7
makes the whole message UCS-2, and two segments then hold 134 UTF-16 units. The summary is cut to fit,
never the incident number or how to acknowledge. Replies are not read yet: the text names the command.
"""

from __future__ import annotations

from typing import Any

from opsdesk.domain.notices import Notice, Page
from opsdesk.domain.people import People

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")  # an escape and the character: two septets each
GSM_LIMIT = 306  # two concatenated segments of 153
UCS2_LIMIT = 134  # two concatenated segments of 67
SPOKEN_SUMMARY_LIMIT = 300  # characters of the summary read out: a call is not the place for more
CUT = "..."


def is_gsm(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def sms_length(text: str) -> int:
    """The length that counts against the limit: septets for GSM-7, UTF-16 units for UCS-2."""
    if is_gsm(text):
        return sum(2 if c in GSM_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def sms_limit(text: str) -> int:
    return GSM_LIMIT if is_gsm(text) else UCS2_LIMIT


def fit(head: str, summary: str, tail: str) -> str:
    """head + summary + tail within two segments, the summary cut (with "...") when it must be."""
    whole = head + summary + tail
    if sms_length(whole) <= sms_limit(whole):
        return whole
    limit = sms_limit(whole)
    for end in range(len(summary) - 1, -1, -1):
        candidate = head + summary[:end].rstrip() + CUT + tail
        if sms_length(candidate) <= limit:
            return candidate
    return head + CUT + tail


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _page(notice: Notice, kind: str) -> Page:
    if not isinstance(notice, Page):
        raise TypeError(f"{kind} takes pages only, not {type(notice).__name__}")
    return notice


class SmsRenderer:
    def render(self, notice: Notice, people: People) -> dict[str, Any]:
        page = _page(notice, "SMS")
        priority = f"{page.priority} " if page.priority else ""
        head = f"PAGE #{page.incident} {priority}{page.service}: "
        tail = f"\nYou: {page.engineer} ({page.role}). Ack: opsdesk incident ack {page.incident}"
        return {"body": fit(head, _one_line(page.summary), tail)}


class VoiceRenderer:
    def render(self, notice: Notice, people: People) -> dict[str, Any]:
        page = _page(notice, "A voice call")
        person = people.by_id(page.engineer)
        name = person.name if person is not None else page.engineer
        priority = f", priority {page.priority}" if page.priority else ""
        summary = _one_line(page.summary)
        if len(summary) > SPOKEN_SUMMARY_LIMIT:  # cut at a word: read out, "..." is only a pause
            summary = summary[: SPOKEN_SUMMARY_LIMIT + 1].rsplit(" ", 1)[0]
        summary = summary.rstrip(" .")
        say = (
            f"This is opsdesk paging {name}, {page.role}. Incident {page.incident}{priority}, "
            f"on {page.service}: {summary}. To acknowledge, run: opsdesk incident ack {page.incident}."
        )
        return {"say": say}
