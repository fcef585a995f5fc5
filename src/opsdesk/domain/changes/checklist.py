"""A change's checklist: items in three phases (before, during and after the change) from the policy, and
the ticks on them (which item, by whom, when)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

ITEM_ID_LIMIT = 60


class Phase(StrEnum):
    BEFORE = "before"  # ticked once approved; all of them before the change may start
    DURING = "during"  # ticked once started; all of them before it is completed
    AFTER = "after"  # ticked once completed or rolled back, while it is monitored


PHASE_WORDS = {
    Phase.BEFORE: "before the change",
    Phase.DURING: "during the change",
    Phase.AFTER: "after the change",
}


@dataclass(frozen=True)
class ChecklistItem:
    id: str  # the label in lower case, words joined by "-": what `tick` takes (the label works too)
    label: str
    phase: Phase


@dataclass(frozen=True)
class Checklist:
    items: tuple[ChecklistItem, ...]

    def phase(self, phase: Phase) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if i.phase is phase)

    def find(self, text: str) -> ChecklistItem | None:
        """The item named by its id or its words (any case, any spacing)."""
        wanted = item_id(text)
        return next((i for i in self.items if i.id == wanted), None) if wanted else None

    def missing(self, phase: Phase, ticks: Iterable[Tick]) -> list[ChecklistItem]:
        done = {t.item for t in ticks}
        return [i for i in self.phase(phase) if i.id not in done]


@dataclass(frozen=True)
class Tick:
    """An item ticked: by whom (an engineer's id, a token's name) and when."""

    item: str  # the item's id
    by: str
    at: datetime


def item_id(label: str) -> str:
    """`Backup & rollback verified` -> `backup-rollback-verified`: letters and digits, lower case."""
    return "-".join(re.findall(r"[^\W_]+", label.casefold()))[:ITEM_ID_LIMIT].strip("-")


def checklist_of(before: Sequence[str], during: Sequence[str], after: Sequence[str]) -> Checklist:
    phases = ((Phase.BEFORE, before), (Phase.DURING, during), (Phase.AFTER, after))
    return Checklist(
        tuple(ChecklistItem(item_id(label), label, phase) for phase, labels in phases for label in labels)
    )


# The team's process: before, stakeholders informed and the backup and rollback verified; during, the
# assigned engineer available and updates in the designated channel; after, success confirmed there (the
# monitoring period then runs from completion by itself).
DEFAULT_BEFORE = ("stakeholders informed", "backup and rollback verified")
DEFAULT_DURING = ("assigned engineer available", "updates posted in the designated channel")
DEFAULT_AFTER = ("success confirmed in the designated channel",)
DEFAULT_CHECKLIST = checklist_of(DEFAULT_BEFORE, DEFAULT_DURING, DEFAULT_AFTER)
