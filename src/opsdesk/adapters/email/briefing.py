"""A briefing as plain text: an email's subject and body, and what `opsdesk handover show` prints.

The body stands on its own (it starts with the subject's line), lists every item (a terminal or an inbox
has room for them all), and holds no control character from outside text, so a terminal shows it as it is.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from opsdesk.adapters.briefing.draft import Draft, Section, one_line, plain
from opsdesk.adapters.briefing.kinds import draft
from opsdesk.domain.handover.model import Briefing
from opsdesk.domain.notices import HandoverNotice

SUBJECT_LIMIT = 150
INDENT = "  "


def briefing_text(
    notice_or_briefing: HandoverNotice | Briefing, handover_id: int | None = None, tz: ZoneInfo | None = None
) -> tuple[str, str]:
    """(subject, body). A notice brings its record's id and time zone; a briefing alone (a preview) needs
    `tz`, and says there is nothing to acknowledge unless `handover_id` is given."""
    if isinstance(notice_or_briefing, HandoverNotice):
        briefing = notice_or_briefing.briefing
        handover_id = notice_or_briefing.handover if handover_id is None else handover_id
        tz = tz or notice_or_briefing.timezone
    else:
        briefing = notice_or_briefing
    if tz is None:
        raise ValueError("a briefing's text needs the time zone its times are shown in")
    return text_of(draft(briefing, handover_id, tz))


def text_of(found: Draft) -> tuple[str, str]:
    headline = plain(found.headline)
    lines = [headline, *(plain(line) for line in (*found.lateness, *found.top))]
    for section in found.shown:
        lines += ["", *_section(section)]
    lines += ["", *(plain(line) for line in found.next)]
    return one_line(headline, SUBJECT_LIMIT), "\n".join(lines) + "\n"


def _section(section: Section) -> list[str]:
    if not section.items:
        return [section.heading, f"{INDENT}{section.empty}"]
    lines = [section.heading]
    for item in section.items:
        lines.append(f"{INDENT}- {plain(item.line)}")
        lines += [f"{INDENT * 3}{plain(detail)}" for detail in item.details]
    return lines
