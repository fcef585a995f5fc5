"""The incident report: counts and times to acknowledge and resolve, by service, priority and cover."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median, quantiles

from opsdesk.domain.incidents.model import Incident


@dataclass(frozen=True)
class Figures:
    count: int
    acknowledge_median: float | None  # seconds
    acknowledge_p90: float | None
    resolve_median: float | None
    resolve_p90: float | None


def figures(incidents: Sequence[Incident]) -> Figures:
    acks = [(i.acknowledged_at - i.opened_at).total_seconds() for i in incidents if i.acknowledged_at]
    fixes = [(i.resolved_at - i.opened_at).total_seconds() for i in incidents if i.resolved_at]
    return Figures(len(incidents), *_median_p90(acks), *_median_p90(fixes))


def _median_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    return median(values), quantiles(values, n=10, method="inclusive")[-1]


def incident_report(incidents: Iterable[Incident]) -> dict[str, dict[str, Figures]]:
    """Count, time to acknowledge and to resolve (median, p90), by service, by priority and by cover."""
    found = list(incidents)
    groups: dict[str, dict[str, list[Incident]]] = {"service": {}, "priority": {}, "cover": {}}
    for incident in found:
        groups["service"].setdefault(incident.service, []).append(incident)
        groups["priority"].setdefault(str(incident.priority or "none"), []).append(incident)
        groups["cover"].setdefault(str(incident.cover), []).append(incident)
    report = {by: {name: figures(members) for name, members in sorted(g.items())} for by, g in groups.items()}
    report["all"] = {"all": figures(found)}
    return report
