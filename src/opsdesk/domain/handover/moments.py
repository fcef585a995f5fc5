"""When briefings are due, derived from the cover and the rota's turn (never a hard-coded 16:00).

- a handover at the end of each support window, covering until support hours next start;
- a hand-back and a digest at the start of each support window, the hand-back covering the stretch since
  support hours last ended;
- a turn change at the start of each weekly on-call turn, covering that turn.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from opsdesk.domain.handover.model import HandoverKind, HandoverPolicy, Moment
from opsdesk.domain.hours import Cover, CoverEngine, CoverWindow
from opsdesk.domain.rota import TurnPattern

# How far to look for the support window before or after a stretch: Christmas and a bank-holiday
# weekend are far shorter; a policy with no support window at all has no handovers.
REACH = timedelta(days=21)


def support_windows(engine: CoverEngine, start: datetime, end: datetime) -> list[CoverWindow]:
    """The whole support windows that overlap [start - REACH, end + REACH) (none clipped at the edges)."""
    windows = engine.windows(start - REACH, end + REACH)
    inner = windows[1:-1]  # the first and the last may be clipped
    return [w for w in inner if w.cover is Cover.SUPPORT]


def moments(
    engine: CoverEngine, turn: TurnPattern, policy: HandoverPolicy, start: datetime, end: datetime
) -> list[Moment]:
    """Every moment due in [start, end), in time order (a hand-back before the digest of the same instant)."""
    found: list[Moment] = []
    support = support_windows(engine, start, end)
    for before, window, after in zip([None, *support[:-1]], support, [*support[1:], None], strict=True):
        if after is not None and start <= window.end < end:
            found.append(Moment(HandoverKind.HANDOVER, window.end, window.end, after.start))
        if before is not None and start <= window.start < end:
            found.append(Moment(HandoverKind.HAND_BACK, window.start, before.end, window.start))
            if policy.digest:
                found.append(Moment(HandoverKind.DIGEST, window.start, window.start, window.end))
    if policy.turn_change:
        tz = engine.timezone
        week = turn.week_at(start, tz)
        while (at := turn.start(week, tz)) < end:
            if at >= start:
                found.append(Moment(HandoverKind.TURN_CHANGE, at, at, turn.end(week, tz)))
            week += timedelta(days=7)
    order = list(HandoverKind)
    return sorted(found, key=lambda m: (m.at, order.index(m.kind)))


def handover_for(engine: CoverEngine, policy: HandoverPolicy, at: datetime) -> Moment | None:
    """The handover made at the end of the support window at or before `at`: during a support window, the
    one its end will make; outside one, the one whose stretch holds `at`. None without support windows."""
    support = support_windows(engine, at, at)
    for window, after in pairwise(support):
        if window.start <= at < after.start:
            return Moment(HandoverKind.HANDOVER, window.end, window.end, after.start)
    return None
