"""Routing an alarm by the cover at its moment, naming who really acts (the team's process, as code)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from opsdesk.domain.hours import Cover, CoverAt
from opsdesk.domain.incidents.escalation import FinalTier
from opsdesk.domain.incidents.model import RoutingMode
from opsdesk.domain.rota import EngineerId, Holding


@dataclass(frozen=True)
class Routing:
    """What an alarm does when it arrives: post to the channel (naming someone), page now or later."""

    post_to_channel: bool
    name: EngineerId | None  # the engineer the channel post names (in support hours, the support engineer)
    page_at: datetime | None  # when the escalation starts; None: it never pages
    reason: str  # who acts, and what to do next: for the timeline and, as a sentence, the channel post
    paged: Holding | None = None  # who the first page goes to at `page_at`, as the rota stands
    final: FinalTier | None = None  # nobody holds a step at `page_at`: the final tier is paged then

    def first_paged(self) -> tuple[tuple[EngineerId, ...], str]:
        """Who the first page goes to at `page_at`, and as what role (nobody: empty)."""
        if self.paged is not None and self.paged.engineer is not None:
            return (self.paged.engineer,), str(self.paged.role)
        if self.final is not None:
            return self.final.engineers, self.final.role
        return (), ""


@dataclass(frozen=True)
class HeldPage:
    """An incident's first page, held until cover starts: when, and whom it goes to (none: nobody holds a
    step then and there is no final tier)."""

    at: datetime
    engineers: tuple[EngineerId, ...]
    role: str

    def said(self, when: str) -> str:
        """What the timeline and `incident show` say of it, `when` being `at` as people read it."""
        if not self.engineers:
            return (
                f"held for cover: the escalation starts at {when}, but nobody holds a step of it then; add "
                "an override to the rota before then"
            )
        named = " and ".join(f"{engineer} ({self.role})" for engineer in self.engineers)
        verb = "is" if len(self.engineers) == 1 else "are"
        return f"held for cover: {named} {verb} paged at {when} unless it is resolved first"


# Who holds each step of the escalation at an instant, in step order (the service asks the rota).
Holders = Callable[[datetime], Sequence[Holding]]


def route_alarm(  # noqa: PLR0911  (one answer per case of the team's process)
    mode: RoutingMode,
    cover: CoverAt,
    support_engineer: EngineerId | None,
    next_cover: Cover | None = None,
    *,
    holders: Holders,
    final: FinalTier | None = None,
) -> Routing:
    """Routing by the cover at the moment of the alarm, as the team's process says, naming who is really
    paged: a step nobody holds (leave, an empty rota) is passed over, as the escalation will.

    `next_cover` is the cover that starts at `cover.until` (with hours where the night ends straight in
    support hours, nobody is paged: the support engineer sees the channel then). When nobody holds any
    step, the escalation's `final` tier is paged instead, if it has one."""
    if cover.cover is Cover.SUPPORT:
        if support_engineer is None:
            return Routing(
                True,
                None,
                None,
                "support hours, but nobody holds support now: whoever sees this should pick it up, and add "
                "a support override to the rota; nobody is paged",
            )
        return Routing(
            True,
            support_engineer,
            None,
            f"support hours: for the support engineer ({support_engineer}) to pick up; nobody is paged",
        )
    if mode is RoutingMode.NOTIFY:
        return Routing(
            True,
            None,
            None,
            "nobody is paged: the service is notify-only, so whoever watches its channel picks this up",
        )
    if cover.cover is Cover.ON_CALL:
        paged, passed = _first_held(holders(cover.at))
        if paged is None and final is not None:
            return Routing(
                True,
                None,
                cover.at,
                f"on-call hours: the final tier, {final.named}, is paged now, as {passed}",
                final=final,
            )
        if paged is None:
            return Routing(
                True,
                None,
                cover.at,
                f"nobody is paged: it is on-call hours, but {passed}; call someone on the team and add an "
                "override to the rota",
            )
        return Routing(True, None, cover.at, f"on-call hours: {_named(paged)} is paged now{passed}", paged)
    if cover.until is None:
        return Routing(
            True,
            None,
            None,
            "nobody is paged: there is no cover now and none ahead; whoever sees this should pick it up",
        )
    if next_cover is Cover.SUPPORT:
        return Routing(
            True,
            None,
            None,
            "nobody is paged: there is no cover now; the support engineer picks this up from the channel "
            "when support hours start",
        )
    paged, passed = _first_held(holders(cover.until))
    if paged is None and final is not None:
        return Routing(
            True,
            None,
            cover.until,
            f"no cover now: the final tier, {final.named}, is paged when cover starts, as {passed} then, "
            "unless it is resolved first",
            final=final,
        )
    if paged is None:
        return Routing(
            True,
            None,
            cover.until,
            f"no cover now, and nobody to page when cover starts: {passed} then; add an override to the "
            "rota, or pick this up from the channel",
        )
    return Routing(
        True,
        None,
        cover.until,
        f"no cover now: {_named(paged)} is paged when cover starts{passed}, unless it is resolved first",
        paged,
    )


def _first_held(holdings: Sequence[Holding]) -> tuple[Holding | None, str]:
    """The first step someone holds, and why the steps before it were passed over (", as alice (primary) is
    on leave"); with nobody at all, why for every step ("alice (primary) is on leave and nobody holds
    secondary")."""
    passed: list[str] = []
    for held in holdings:
        if held.engineer is not None:
            return held, f", as {' and '.join(passed)}" if passed else ""
        why = (
            f"{held.leave.engineer} ({held.role}) is on leave" if held.leave else f"nobody holds {held.role}"
        )
        if why not in passed:
            passed.append(why)
    return None, " and ".join(passed) or "the escalation has no steps"


def _named(held: Holding) -> str:
    return f"{held.engineer} ({held.role})"
