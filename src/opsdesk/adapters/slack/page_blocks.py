"""A page in Slack as Block Kit: the headline (number, priority, severity, service, summary), the facts as
fields (source, whom and which step, who else is on call), the alarm's first links and details, how to
acknowledge (the signed link when there is one, the command always), and the incident's buttons where the
Slack app answers them. Everything from outside is escaped; links are Slack links only when they are
plain http(s) URLs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opsdesk.adapters.slack.incident_blocks import BUTTONS, _button
from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.incidents.page_test import BANNER
from opsdesk.domain.notices import Page

SECTION_LIMIT = 3000  # the longest text a section block takes
FIELD_LIMIT = 2000  # the longest text a field takes
HEADLINE_SUMMARY = 1000
UNSAFE_IN_LINK = frozenset('<>|" \t\r\n')


def page_message(page: Page, actions: Iterable[str]) -> dict[str, Any]:
    """The page's blocks and its `text` (what a notification shows): the headline."""
    if page.test:
        return test_page_message(page)
    words = " ".join(w for w in (page.priority, page.severity) if w)
    service = page.service_name or page.service
    headline = f"PAGE #{page.incident} {words} {service}: ".replace("  ", " ")
    summary = page.summary if len(page.summary) <= HEADLINE_SUMMARY else page.summary[:HEADLINE_SUMMARY] + "…"
    text = slack_escape(headline + summary)
    blocks: list[dict[str, Any]] = [_section(f"*{slack_escape(headline.strip())}* {slack_escape(summary)}")]
    fields = [
        f"*You*\n{slack_escape(page.engineer)} ({slack_escape(page.role)}), cycle {page.cycle} step {page.step}"
    ]
    if page.source:
        fields.append(f"*Source*\n{slack_escape(page.source)}")
    if page.others:
        fields.append("*Also on call*\n" + slack_escape(", ".join(page.others)))
    blocks.append({"type": "section", "fields": [_text(f[:FIELD_LIMIT]) for f in fields]})
    links = [f"<{url}|{slack_escape(title)}>" for title, url in page.links if _linkable(url)]
    if links:
        blocks.append(_section("*Links:* " + " · ".join(links)))
    if page.details:
        lines = [f"*{slack_escape(k)}*: {slack_escape(v)}" for k, v in page.details]
        blocks.append(_section("\n".join(lines)))
    how = f"run `opsdesk incident ack {page.incident}`"
    if page.ack_url and _linkable(page.ack_url):
        how = f"<{page.ack_url}|Acknowledge by link> (once, within 24 hours), or {how}"
    blocks.append(_section(f"*To acknowledge:* {how}"))
    elements = [_button(action, page.incident) for action in actions if action in BUTTONS]
    if elements:
        blocks.append({"type": "actions", "block_id": f"incident:{page.incident}", "elements": elements})
    return {"text": text, "blocks": blocks}


def test_page_message(page: Page) -> dict[str, Any]:
    """A test page: says first that nothing is wrong, then how to acknowledge it (its link); no buttons."""
    text = f"{BANNER} Code {page.test}."
    blocks = [
        _section(f"*{BANNER}*\nThis checks that opsdesk's pages reach you in Slack (code {page.test}).")
    ]
    if page.ack_url and _linkable(page.ack_url):
        how = f"<{page.ack_url}|Acknowledge this test page> (once, within 24 hours)."
    else:
        how = "this deployment has no acknowledge links (OPSDESK_PUBLIC_URL and OPSDESK_LINK_SECRET)."
    blocks.append(_section(f"*To acknowledge:* {how}"))
    return {"text": text, "blocks": blocks}


def _linkable(url: str) -> bool:
    return url.startswith(("https://", "http://")) and len(url) <= 1000 and not (set(url) & UNSAFE_IN_LINK)


def _text(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _section(text: str) -> dict[str, Any]:
    shown = text if len(text) <= SECTION_LIMIT else text[: SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": _text(shown)}
