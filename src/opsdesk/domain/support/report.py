"""The support report: how long requests waited, in support hours, to triage, to a first response and to
done (median and 90th percentile), and how many missed each target; per label, per engineer and in all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median, quantiles

from opsdesk.domain.support.model import Status, SupportPolicy, SupportRequest, Triage, Waits

NO_LABEL = "(none)"
UNASSIGNED = "(unassigned)"
MEASURES = ("triage", "first_response", "done")


@dataclass(frozen=True)
class Figures:
    count: int
    median: dict[str, float | None]  # seconds of support hours, by measure (None: no request got there)
    p90: dict[str, float | None]
    late: dict[str, int]  # requests past the measure's target (waiting still, or when it ended)


def targets(policy: SupportPolicy) -> dict[str, timedelta]:
    return {"triage": policy.triage, "first_response": policy.first_response, "done": policy.done}


def figures(rows: Sequence[tuple[SupportRequest, Waits]], policy: SupportPolicy) -> Figures:
    target = targets(policy)
    medians: dict[str, float | None] = {}
    p90s: dict[str, float | None] = {}
    late: dict[str, int] = {}
    for measure in MEASURES:
        waited = [w for _, waits in rows if (w := getattr(waits, measure)) is not None]
        medians[measure], p90s[measure] = median_p90([w.total_seconds() for w in waited])
        over = sum(1 for w in waited if w > target[measure])
        late[measure] = over + sum(1 for _, waits in rows if measure in waits.late)
    return Figures(len(rows), medians, p90s, late)


def median_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    return median(values), quantiles(values, n=10, method="inclusive")[-1]


def support_report(
    rows: Iterable[tuple[SupportRequest, Waits]], policy: SupportPolicy
) -> dict[str, dict[str, Figures]]:
    """Figures by label (a request with two labels counts in both; none: `(none)`), by engineer (the
    assignee; `(unassigned)`), and for all requests."""
    found = list(rows)
    groups: dict[str, dict[str, list[tuple[SupportRequest, Waits]]]] = {"label": {}, "engineer": {}}
    for row in found:
        request = row[0]
        for label in request.labels or (NO_LABEL,):
            groups["label"].setdefault(label, []).append(row)
        groups["engineer"].setdefault(request.assignee or UNASSIGNED, []).append(row)
    report = {
        by: {name: figures(members, policy) for name, members in sorted(g.items(), key=_key)}
        for by, g in groups.items()
    }
    report["all"] = {"all": figures(found, policy)}
    return report


def _key(item: tuple[str, object]) -> tuple[bool, str]:
    return (item[0].startswith("("), item[0].casefold())  # (none) and (unassigned) last


Elapsed = Callable[[datetime, datetime], timedelta]  # support hours in [start, end)


def waits(request: SupportRequest, now: datetime, policy: SupportPolicy, elapsed: Elapsed) -> Waits:
    """How long `request` waited for each measure until `now`, by `elapsed`; a wait not yet over counts
    as late once it is past its target. A declined request is never done: it has no time to done."""
    target = targets(policy)
    ends = {
        "triage": request.triaged_at,
        "first_response": request.first_response_at,
        "done": request.done_at if request.triage is Triage.ACCEPTED else None,
    }
    still = {
        "triage": request.triaged_at is None and request.status is not Status.DONE,
        "first_response": request.first_response_at is None and request.status is not Status.DONE,
        "done": request.status is not Status.DONE and request.triage is not Triage.DECLINED,
    }
    found = {m: elapsed(request.created_at, end) if end is not None else None for m, end in ends.items()}
    so_far = elapsed(request.created_at, now) if any(still.values()) else timedelta(0)
    late = frozenset(m for m in MEASURES if still[m] and so_far > target[m])
    return Waits(found["triage"], found["first_response"], found["done"], late)
