"""What an in-memory unit of work takes back when it is rolled back, newest change first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Undo:
    """What to do to take back each change, newest first, if the unit is rolled back."""

    def __init__(self) -> None:
        self.steps: list[Callable[[], None]] = []

    def keep(self, mapping: dict[Any, Any], key: Any) -> None:
        if key in mapping:
            old = mapping[key]
            self.steps.append(lambda: mapping.__setitem__(key, old))
        else:
            self.steps.append(lambda: mapping.pop(key, None))

    def appended(self, items: list[Any]) -> None:
        self.steps.append(items.pop)

    def rollback(self) -> None:
        while self.steps:
            self.steps.pop()()
