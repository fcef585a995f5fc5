"""A briefing as a Slack message: Block Kit blocks within Slack's limits, and a `text` line for
notifications and for clients that cannot show blocks.

Slack's limits (https://docs.slack.dev/reference/block-kit/blocks): at most 50 blocks a message, a
section's text at most 3000 characters, a header's plain text at most 150. A long section shows its first
ITEMS items and says how many more there are; every mrkdwn object is `verbatim`, so outside text is not
turned into mentions or channel links, and its backticks cannot open a code span across the layout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from opsdesk.adapters.briefing.draft import (
    ELLIPSIS,
    KIND_WORDS,
    Command,
    Draft,
    Item,
    Line,
    Outside,
    Part,
    Section,
    Who,
    name,
    one_line,
    plain,
)
from opsdesk.adapters.briefing.kinds import draft
from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.notices import HandoverNotice
from opsdesk.domain.people import People

Block = dict[str, Any]
MAX_BLOCKS = 50
SECTION_TEXT = 3000
HEADER_TEXT = 150
FALLBACK_TEXT = 3000
ITEMS = 15  # of one section, on a phone; the rest are counted
ITEM_TEXT = 2400  # of one item and its details (a handover note may be 2000 characters)
SECTION_BLOCKS = 4  # of one section, so that no section crowds out those after it
DETAIL = "      "  # indents the lines under an item
BACKTICK = "\u02cb"  # shown for a backtick in outside text: it looks the same and starts no code span


def briefing_message(notice: HandoverNotice, people: People, extra: Sequence[Block] = ()) -> dict[str, Any]:
    """{"text", "blocks"} for chat.postMessage; `extra` blocks (a button, who acknowledged it) after what
    to do next."""
    found = draft(notice.briefing, notice.handover, notice.timezone)
    return {"text": _fallback(found, people), "blocks": blocks(found, people, extra)}


def blocks(found: Draft, people: People, extra: Sequence[Block] = ()) -> list[Block]:
    """The header, the lines under it, each section, what to do next and `extra`; at most MAX_BLOCKS."""
    head: list[Block] = [_header(one_line(plain(found.headline), HEADER_TEXT))]
    if found.lateness or found.top:
        lines = [f"*{mrkdwn(line, people)}*" for line in found.lateness]
        head.append(_section("\n".join([*lines, *(mrkdwn(line, people) for line in found.top)])))
    head.append({"type": "divider"})
    body = [block for section in found.shown for block in _blocks_of(section, found, people)]
    foot = [{"type": "divider"}, _section(_next(found, people)), *extra, _context(found)]
    room = MAX_BLOCKS - len(head) - len(foot)
    if len(body) > room:
        body = [*body[: room - 1], _section(f"{ELLIPSIS} cut short here{_whole(found)}")]
    return [*head, *body, *foot]


def _blocks_of(section: Section, found: Draft, people: People) -> list[Block]:
    """A section's title and first items as at most SECTION_BLOCKS section blocks of at most SECTION_TEXT
    characters each; the items left out are counted."""
    chunks = [f"*{slack_escape(section.heading)}*"]
    if not section.items:
        chunks[0] += "\n" + slack_escape(section.empty)
    shown = 0
    for item in section.items[:ITEMS]:
        text = _item(item, people, found)
        if len(chunks[-1]) + 1 + len(text) <= SECTION_TEXT:
            chunks[-1] += "\n" + text
        elif len(chunks) < SECTION_BLOCKS:
            chunks.append(text)
        else:
            break
        shown += 1
    if shown < len(section.items):
        more = f"{ELLIPSIS} and {len(section.items) - shown} more{_whole(found)}"
        if len(chunks[-1]) + 1 + len(more) <= SECTION_TEXT:
            chunks[-1] += "\n" + more
        else:
            chunks.append(more)
    return [_section(chunk) for chunk in chunks]


def _item(item: Item, people: People, found: Draft) -> str:
    """An item with its details, cut to ITEM_TEXT characters at a line where it can be."""
    lines = [f"• {mrkdwn(item.line, people)}", *(DETAIL + mrkdwn(d, people) for d in item.details)]
    text = "\n".join(lines)
    if len(text) <= ITEM_TEXT:
        return text
    kept = [_cut(lines[0], ITEM_TEXT // 2)]
    cut = f"{DETAIL}{ELLIPSIS} (cut short{_whole(found)})"
    for line in lines[1:]:
        if sum(len(k) + 1 for k in kept) + len(line) + len(cut) > ITEM_TEXT:
            break
        kept.append(line)
    return "\n".join([*kept, cut])


def _whole(found: Draft) -> str:
    """Where the whole briefing can be read."""
    return f": `opsdesk handover show {found.handover}`" if found.handover is not None else "."


def _next(found: Draft, people: People) -> str:
    """What to do next, after a line naming those who must do it (a mention pings them)."""
    said = [mrkdwn(line, people) for line in found.next]
    if found.addressed:
        names = " and ".join(mrkdwn((Who(p),), people) for p in found.addressed)
        said.insert(0, f"For {names}:")
    return "\n".join(said)


def _context(found: Draft) -> Block:
    word = KIND_WORDS[found.kind]
    record = f"{word} #{found.handover}" if found.handover is not None else f"{word} preview"
    return {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": slack_escape(f"opsdesk {record} · times in {found.timezone.key}"),
                "verbatim": True,
            }
        ],
    }


def _fallback(found: Draft, people: People) -> str:
    """The notification's line: the headline (mentioning the receivers), and lateness."""
    lines = [found.headline, *found.lateness]
    return _cut(" ".join(mrkdwn(line, people) for line in lines), FALLBACK_TEXT)


def mrkdwn(line: Line, people: People) -> str:
    return "".join(_part(part, people) for part in line)


def _part(part: Part, people: People) -> str:
    if isinstance(part, str):
        return slack_escape(part)
    if isinstance(part, Outside):
        return _outside(part)
    if isinstance(part, Who):
        engineer = people.by_id(part.person.id)
        return (
            f"<@{engineer.slack}>"
            if engineer is not None and engineer.slack
            else slack_escape(name(part.person))
        )
    if isinstance(part, Command):
        return f"`{slack_escape(part.text)}`"
    title = _outside(part.title)
    return f"<{slack_escape(part.url)}|{title}>" if _linkable(part.url) else title


def _outside(part: Outside) -> str:
    return slack_escape(part.cleaned()).replace("`", BACKTICK)


def _linkable(url: str) -> bool:
    """A link Slack shows as written: https, with nothing that ends or splits `<url|title>`."""
    return url.startswith("https://") and not any(c in url for c in "|<> \t\r\n") and len(url) < 2000


def _cut(text: str, limit: int) -> str:
    """mrkdwn cut to `limit` characters with an ellipsis, never inside an entity (`&amp;`) or a mention."""
    if len(text) <= limit:
        return text
    kept = text[: limit - 1]
    kept = re.sub(r"(&[a-z]*|<[^>]*)$", "", kept)
    return kept + ELLIPSIS


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}
