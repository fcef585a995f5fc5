"""Which page an outbox message belongs to: each page's outbox key names its incident, cycle and step, the
engineer's notification rule (when it came from one) and the method, so a vendor's answer about one message
(a Twilio status callback, a reply) finds its page again without any other table.

Key: page:<incident>:c<cycle>s<step>[:r<rule>]:<method>, e.g. page:4:c1s1:r2:voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opsdesk.domain.incidents.escalation import step_key
from opsdesk.domain.rota import MAX_AFTER_MINUTES, MAX_RULES, METHODS, NotifyRule

__all__ = [
    "MAX_AFTER_MINUTES",
    "MAX_RULES",
    "METHODS",
    "NotifyRule",
    "PageRef",
    "page_stem",
    "parse_page_key",
    "rule_job_key",
]
_KEY = re.compile(
    r"^page:(?P<incident>[1-9][0-9]{0,17}):c(?P<cycle>[1-9][0-9]{0,3})s(?P<step>[1-9][0-9]{0,3})"
    r"(?::r(?P<rule>[1-9][0-9]{0,2}))?:(?P<method>[a-z]{2,12})$"
)


@dataclass(frozen=True)
class PageRef:
    """One message of one page: the incident, the escalation's (cycle, step), the engineer's rule (0 when
    the page went by the service's paging ways), and the method it went by."""

    incident: int
    cycle: int
    step: int
    rule: int
    method: str

    @property
    def stem(self) -> str:
        return page_stem(self.incident, self.cycle, self.step, self.rule)

    @property
    def key(self) -> str:
        return f"{self.stem}:{self.method}"


def page_stem(incident: int, cycle: int, step: int, rule: int = 0) -> str:
    """The key of a page's messages without the method (the notifier adds each method's name)."""
    stem = f"page:{incident}:{step_key(cycle, step)}"
    return f"{stem}:r{rule}" if rule else stem


def parse_page_key(key: str) -> PageRef | None:
    """The page an outbox key belongs to, or None when it is no page's key."""
    found = _KEY.match(key)
    if found is None:
        return None
    rule = found["rule"]
    return PageRef(
        int(found["incident"]),
        int(found["cycle"]),
        int(found["step"]),
        int(rule) if rule else 0,
        found["method"],
    )


def rule_job_key(incident: int, cycle: int, step: int, rule: int) -> str:
    """The key of the job that sends an engineer's later rule (rule 2 on): one job per rule and page."""
    return f"incident:{incident}:page:{step_key(cycle, step)}:r{rule}"
