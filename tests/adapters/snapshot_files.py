"""Plain snapshot files: a test compares what it made with the file kept under tests/adapters/snapshots/;
with OPSDESK_UPDATE_SNAPSHOTS=1 it writes the file instead (then read the diff before committing it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FOLDER = Path(__file__).parent / "snapshots"


def matches_snapshot(name: str, made: str) -> None:
    path = FOLDER / name
    if os.environ.get("OPSDESK_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(made, encoding="utf-8", newline="\n")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path}: run with OPSDESK_UPDATE_SNAPSHOTS=1 to write it, then review it")
    kept = path.read_text(encoding="utf-8")
    assert made == kept, f"{name} differs from its snapshot (OPSDESK_UPDATE_SNAPSHOTS=1 rewrites it)"
