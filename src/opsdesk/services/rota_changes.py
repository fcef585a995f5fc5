"""Rota changes checked before they are written: every rule over the period they touch (refusing only what
they make worse), the overrides' own checks, unknown engineers, the text they carry; and their JSON shape."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from opsdesk.domain.errors import RotaChangeError
from opsdesk.domain.hours import Cover, CoverEngine
from opsdesk.domain.instants import parse_instant, span_text
from opsdesk.domain.rota import EngineerId, Leave, Override, Role, Rota
from opsdesk.domain.rota_changes import (
    ChangeState,
    RotaChange,
    affected_period,
    duty_period,
    holder,
    made_worse,
    with_entries,
)
from opsdesk.domain.rota_check import check_rota
from opsdesk.services.rota import OnDuty, RotaService, override_problems
from opsdesk.services.text import BIDI_CONTROLS, NUL, nul_problem

TEXT_LIMIT = 200  # the policy file's limit for an override's reason and a leave's note


def entry_text(value: str | None, name: str) -> str:
    """A reason or note fit for the policy file: one line, no NUL or reordering controls, 200 at most."""
    text = (value or "").strip()
    if NUL in text:
        raise RotaChangeError(nul_problem(name))
    if any(ord(c) in BIDI_CONTROLS for c in text):
        raise RotaChangeError(
            f"{name} holds a Unicode bidirectional control (U+202A-U+202E, U+2066-U+2069), which can make "
            "text read differently from what it says: remove it"
        )
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise RotaChangeError(f"{name} holds a control character (a line break, a tab): keep it to one line")
    if len(text) > TEXT_LIMIT:
        raise RotaChangeError(f"{name} is {len(text)} characters; at most {TEXT_LIMIT}")
    return text


def known(rota: Rota, engineer: str, name: str) -> EngineerId:
    """`engineer` as an id of the policy's engineers, or a refusal listing them."""
    if rota.engineer(EngineerId(engineer)) is None:
        names = ", ".join(e.id for e in rota.engineers) or "none"
        shown = engineer if len(engineer) <= 64 else engineer[:64] + "..."
        raise RotaChangeError(f"{name} {shown!r} is not in engineers (known: {names})")
    return EngineerId(engineer)


def swap_overrides(
    rota: Rota,
    tz: ZoneInfo,
    *,
    proposer: EngineerId,
    partner: EngineerId,
    role: Role,
    day: date,
    back: date | None,
    reason: str,
) -> tuple[Override, ...]:
    """The overrides a swap makes: `partner` takes the proposer's `role` for the turn (or support day)
    holding `day`; with `back`, the proposer takes the partner's turn (or day) holding `back` in return."""
    if proposer == partner:
        raise RotaChangeError("a swap needs two engineers: name the other one with --with")
    note = f"swap {proposer}/{partner}" + (f": {reason}" if reason else "")
    start, end = duty_period(rota, role, day, tz)
    _holds(rota, role, proposer, start=start, tz=tz, verb="give")
    found = [Override(role, partner, start, end, note[:TEXT_LIMIT])]
    if back is not None:
        back_start, back_end = duty_period(rota, role, back, tz)
        if back_start < end and start < back_end:
            raise RotaChangeError(f"--back {back} is in the same {_unit(role)} as {day}: choose another")
        _holds(rota, role, partner, start=back_start, tz=tz, verb="take back")
        found.append(Override(role, proposer, back_start, back_end, note[:TEXT_LIMIT]))
    return tuple(found)


def _unit(role: Role) -> str:
    return "support day" if role is Role.SUPPORT else "on-call turn"


def _holds(rota: Rota, role: Role, engineer: EngineerId, *, start: datetime, tz: ZoneInfo, verb: str) -> None:
    down = holder(rota, role, start, tz)
    if down != engineer:
        when = f"{start.astimezone(tz):%a %d %b %Y}"
        raise RotaChangeError(
            f"{engineer} is not down for {role} in the {_unit(role)} from {when} "
            f"({down or 'nobody'} is): a swap can only {verb} a duty that engineer holds"
        )


def checked(
    rota: Rota, engine: CoverEngine, overrides: tuple[Override, ...], leave: tuple[Leave, ...]
) -> Rota:
    """The rota with the change, when the change breaks no rule that was not already broken; else a
    RotaChangeError naming each rule it breaks and where."""
    for override in overrides:
        known(rota, override.engineer, "engineer")
    for entry in leave:
        known(rota, entry.engineer, "engineer")
        if entry.last < entry.first:
            raise RotaChangeError(f"leave ends ({entry.last}) before it starts ({entry.first}): swap them")
        clash = next(
            (
                x
                for x in rota.leave
                if x.engineer == entry.engineer and x.first <= entry.last and entry.first <= x.last
            ),
            None,
        )
        if clash is not None:
            raise RotaChangeError(
                f"{entry.engineer} is already on leave from {clash.first} to {clash.last}, which overlaps: "
                "give only the days not yet booked"
            )
    after = with_entries(rota, overrides, leave)
    problems = override_problems(after, engine)[len(override_problems(rota, engine)) :]
    if problems:
        raise RotaChangeError("; ".join(p.message for p in problems))
    tz = engine.timezone
    start, end = affected_period(rota, overrides, leave, tz)
    worse = made_worse(check_rota(rota, engine, start, end), check_rota(after, engine, start, end))
    if worse:
        lines = "\n".join(
            f"  {v.code}: {v.start.astimezone(tz):%a %d %b %Y %H:%M} to "
            f"{v.end.astimezone(tz):%a %d %b %Y %H:%M}: {v.message}"
            for v in worse[:20]
        )
        more = f"\n  ... and {len(worse) - 20} more" if len(worse) > 20 else ""
        raise RotaChangeError(f"refused, nothing written: the change breaks the rota's rules:\n{lines}{more}")
    return after


def change_dict(change: RotaChange, tz: ZoneInfo) -> dict[str, object]:
    """The public shape of a rota change (CLI `--json` and the API)."""

    def instant(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    return {
        "id": change.id,
        "kind": str(change.kind),
        "state": str(change.state),
        "proposed_by": change.proposed_by,
        "proposed_at": instant(change.proposed_at),
        "partner": change.partner,
        "accepted_by": change.accepted_by,
        "accepted_at": instant(change.accepted_at),
        "folded_at": instant(change.folded_at),
        "overrides": [
            {
                "role": str(o.role),
                "engineer": o.engineer,
                "from": instant(o.start),
                "to": instant(o.end),
                "reason": o.reason,
            }
            for o in change.overrides
        ],
        "leave": [
            {"engineer": x.engineer, "from": str(x.first), "to": str(x.last), "note": x.note}
            for x in change.leave
        ],
    }


def change_lines(change: RotaChange, tz: ZoneInfo) -> list[str]:
    """A change as a person reads it: its number, kind and state, who proposed and consented, its entries."""
    head = f"#{change.id} {change.kind} {change.state}: proposed by {change.proposed_by} {change.proposed_at.astimezone(tz):%a %d %b %Y %H:%M %Z}"
    lines = [head]
    if change.partner is not None:
        if change.accepted_by is not None and change.accepted_at is not None:
            lines.append(
                f"  accepted by {change.accepted_by} {change.accepted_at.astimezone(tz):%a %d %b %Y %H:%M %Z}"
            )
        elif change.state is ChangeState.DECLINED:
            lines.append("  declined (or withdrawn): it never came into force")
        else:
            lines.append(
                f"  needs the consent of {change.partner}: `opsdesk rota swap accept {change.id} --as {change.partner}`"
            )
    for o in change.overrides:
        reason = f" ({o.reason})" if o.reason else ""
        lines.append(
            f"  {o.role}: {o.engineer} from {span_text(o.start.astimezone(tz), o.end.astimezone(tz))}{reason}"
        )
    for x in change.leave:
        note = f" ({x.note})" if x.note else ""
        lines.append(f"  leave: {x.engineer} from {x.first:%a %d %b %Y} to {x.last:%a %d %b %Y}{note}")
    if change.folded_at is not None:
        lines.append(f"  written into the policy file {change.folded_at.astimezone(tz):%a %d %b %Y %H:%M %Z}")
    return lines


def first_duty(change: RotaChange, service: RotaService) -> OnDuty | None:
    """Who is on duty at the first moment the change touches a duty: for an override, the first instant
    its role is on duty within it (a support swap from midnight shows the 09:00 support engineer, not the
    night's "nobody"); for leave, the first instant of cover on its first day."""
    tz = service.engine.timezone
    spans: list[tuple[datetime, datetime, Role | None]] = [(o.start, o.end, o.role) for o in change.overrides]
    spans += [
        (
            parse_instant(f"{x.first}T00:00", tz),
            parse_instant(f"{x.last + timedelta(days=1)}T00:00", tz),
            None,
        )
        for x in change.leave
    ]
    if not spans:
        return None
    start, end, role = min(spans, key=lambda span: span[0])
    at = start
    for _ in range(8):  # a few cover changes at most before the role is on duty
        duty = service.who(at)
        on = role in duty.holdings if role is not None else duty.cover.cover is not Cover.NONE
        if on or duty.cover.until is None or duty.cover.until >= end:
            return duty if on else service.who(start)
        at = duty.cover.until
    return service.who(start)
