"""How a page reads as an SMS (at most two segments) and as a voice call's spoken text.

Two SMS segments hold 306 GSM-7 characters (each of ^{}\\[~]|€ counts twice); one character outside GSM-7
makes the whole message UCS-2, and two segments then hold 134 UTF-16 units. The summary is cut to fit,
never the incident number or how to acknowledge (a reply naming the incident, or the link when it fits).
Control, bidi-override and zero-width characters never reach a message or a call.
"""

from __future__ import annotations

from typing import Any

from opsdesk.domain.incidents.page_test import BANNER
from opsdesk.domain.notices import Notice, Page
from opsdesk.domain.page_content import clean
from opsdesk.domain.people import People

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")  # an escape and the character: two septets each
GSM = GSM_BASIC | GSM_EXTENDED
GSM_LIMIT = 306  # two concatenated segments of 153
UCS2_LIMIT = 134  # two concatenated segments of 67
SPOKEN_SUMMARY_LIMIT = 300  # characters of the summary read out: a call is not the place for more
CUT = "..."
SUMMARY_KEPT = 40  # characters of the summary kept before the link, who else and details get room
SUMMARY_LOOKED_AT = 4000  # a longer summary is cut before it is looked at: rendering stays bounded


def is_gsm(text: str) -> bool:
    return GSM.issuperset(text)


def sms_length(text: str) -> int:
    """The length that counts against the limit: septets for GSM-7, UTF-16 units for UCS-2."""
    if is_gsm(text):
        return len(text) + sum(text.count(c) for c in GSM_EXTENDED)
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
    """One clean line: no control, bidi or zero-width characters; bounded however long the text."""
    return clean(text, SUMMARY_LOOKED_AT)


def _page(notice: Notice, kind: str) -> Page:
    if not isinstance(notice, Page):
        raise TypeError(f"{kind} takes pages only, not {type(notice).__name__}")
    return notice


def _fits(text: str, summary: str) -> bool:
    """Whether `text` (made with part of `summary`) fits, counted as the whole summary makes it count."""
    limit = sms_limit(text + summary)
    return sms_length(text) <= limit


class SmsRenderer:
    def render(self, notice: Notice, people: People) -> dict[str, Any]:
        """Most important first: the number, priority, severity and service, the summary, how to reply;
        then, each only if it still fits with some of the summary, the link, who else is on call and the
        first details. The summary is cut first; the number and how to acknowledge never are."""
        page = _page(notice, "SMS")
        if page.test:
            return {"body": f"{BANNER} Reply {page.test} to this text to acknowledge it."}
        words = " ".join(_one_line(w) for w in (page.priority, page.severity) if _one_line(w))
        service = _one_line(page.service_name or page.service)[:40]
        head = f"PAGE #{page.incident} {words} {service}: ".replace("  ", " ")
        summary = _one_line(page.summary)[: GSM_LIMIT + 1]  # never more than two segments hold
        tail = f"\nReply {page.incident} ack / {page.incident} resolve"
        least = summary[:SUMMARY_KEPT]
        extras = []
        if page.ack_url:
            extras.append(f"\n{page.ack_url}")
        if page.others:
            extras.append("\nAlso: " + _one_line(", ".join(page.others))[:60])
        extras.append(f"\nYou: {_one_line(page.role)[:20]}, cycle {page.cycle} step {page.step}")
        if page.source:
            extras.append(f"\nFrom: {_one_line(page.source)[:40]}")
        extras.extend(f"\n{_one_line(k)[:20]}: {_one_line(v)[:60]}" for k, v in page.details[:3])
        for extra in extras:
            if _fits(head + least + tail + extra, summary):
                tail += extra
        return {"body": fit(head, summary, tail)}


class VoiceRenderer:
    def render(self, notice: Notice, people: People) -> dict[str, Any]:
        page = _page(notice, "A voice call")
        person = people.by_id(page.engineer)
        name = _one_line(person.name if person is not None else page.engineer)
        if page.test:
            say = f"{BANNER} This call checks that opsdesk's pages reach {name}."
            return {"say": say, "unattended": f"To acknowledge, reply {page.test} to the text."}
        priority = f", priority {_one_line(page.priority)}" if page.priority else ""
        severity = f", {_one_line(page.severity)}" if page.severity else ""
        summary = _one_line(page.summary)
        if len(summary) > SPOKEN_SUMMARY_LIMIT:  # cut at a word: read out, "..." is only a pause
            summary = summary[: SPOKEN_SUMMARY_LIMIT + 1].rsplit(" ", 1)[0]
        summary = summary.rstrip(" .")
        service = _one_line(page.service_name or page.service)[:100]
        others = f" Also on call: {_one_line(', '.join(page.others))[:200]}." if page.others else ""
        say = (
            f"This is opsdesk paging {name}, {_one_line(page.role)}. Incident {page.incident}{priority}"
            f"{severity}, on {service}: {summary}.{others}"
        )
        # The call adds how to acknowledge: "press 1" where it can take a key (opsdesk's public address is
        # set), else `unattended`.
        unattended = f"To acknowledge, reply {page.incident} ack to the text, or run: opsdesk incident ack {page.incident}."
        return {"say": say, "unattended": unattended}
