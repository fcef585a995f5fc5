"""Writing into the policy file, keeping people's comments, order and layout: a generated rota, and
overrides and leave made as commands."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.util import load_yaml_guess_indent

from opsdesk.config.policy_lock import content_digest
from opsdesk.domain.errors import PolicyFileChangedError
from opsdesk.domain.rota import Leave, Override
from opsdesk.domain.rota_plan import Plan


def write_plan(path: Path, plan: Plan) -> None:
    """Set the planned weeks and support days in `path`; everything else in the file stays as it was."""
    loaded = _load(path.read_bytes() if path.exists() else b"")
    rota = _mapping(loaded.document, "rota")
    weeks = _sequence(rota, "on-call")
    by_week = {_as_date(item.get("week")): item for item in weeks if isinstance(item, dict)}
    for week, (primary, secondary) in sorted(plan.weeks.items()):
        item = by_week.get(week)
        if item is None:
            _insert_in_order(
                weeks, "week", week, _flow({"week": week, "primary": primary, "secondary": secondary})
            )
        else:
            item["primary"], item["secondary"] = primary, secondary
    days = _sequence(rota, "support")
    by_day = {_as_date(item.get("date")): item for item in days if isinstance(item, dict)}
    for day, engineer in sorted(plan.support.items()):
        item = by_day.get(day)
        if item is None:
            _insert_in_order(days, "date", day, _flow({"date": day, "engineer": engineer}))
        else:
            item["engineer"] = engineer
    _replace(path, loaded.dump())


def write_entries(
    path: Path, overrides: Sequence[Override], leave: Sequence[Leave], tz: ZoneInfo, expected: str
) -> None:
    """Append overrides and leave to `path`, keeping everything else; PolicyFileChangedError, with nothing
    written, when the file's content no longer has the digest `expected` (someone wrote it meanwhile)."""
    raw = path.read_bytes()
    if content_digest(raw) != expected:
        raise PolicyFileChangedError(
            f"{path} changed while the change was being checked; nothing was written: run the command again"
        )
    loaded = _load(raw)
    if overrides:
        items = _sequence(loaded.document, "overrides")
        for o in overrides:
            entry: dict[str, object] = {"role": str(o.role), "engineer": str(o.engineer)}
            entry["from"] = _instant(o.start, tz)
            entry["to"] = _instant(o.end, tz)
            if o.reason:
                entry["reason"] = o.reason
            items.append(_flow(entry))
    if leave:
        items = _sequence(loaded.document, "leave")
        for x in leave:
            values: dict[str, object] = {"engineer": str(x.engineer), "from": x.first, "to": x.last}
            if x.note:
                values["note"] = x.note
            items.append(_flow(values))
    written = loaded.dump()
    if content_digest(path.read_bytes()) != expected:  # a writer that took no lock (an editor)
        raise PolicyFileChangedError(
            f"{path} changed while it was being written; nothing was written: run the command again"
        )
    _replace(path, written)


def _instant(value: datetime, tz: ZoneInfo) -> str:
    """Wall-clock time in the policy's zone with its offset: readable, and exact across a clock change."""
    return value.astimezone(tz).isoformat(timespec="minutes")


@dataclass
class _Loaded:
    """A policy file's YAML document, with what writing it back the same way needs."""

    yaml: YAML
    document: Any
    bom: bool
    crlf: bool

    def dump(self) -> str:
        buffer = io.StringIO()
        self.yaml.dump(self.document, buffer)
        written = buffer.getvalue()
        if self.crlf:
            written = written.replace("\r\n", "\n").replace("\n", "\r\n")
        return ("\ufeff" if self.bom else "") + written


def _load(raw: bytes) -> _Loaded:
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    # Keep the file's own indentation of mappings and lists (ruamel.yaml would otherwise impose its own).
    _, indent, offset = load_yaml_guess_indent(text) if text.strip() else (None, 2, 0)
    # (The guess is the list indent; nested mappings in files that indent their lists are nearly always 2.)
    sequence, offset = indent or 2, offset or 0
    yaml.indent(mapping=2 if offset else sequence, sequence=sequence, offset=offset)
    document = yaml.load(text) if text.strip() else None
    if document is None:
        document = CommentedMap()
    return _Loaded(yaml, document, bom, "\r\n" in text)


def _insert_in_order(items: Any, key: str, value: date, item: CommentedMap) -> None:
    """Insert before the first entry dated later, so the list stays in date order."""
    for index, existing in enumerate(items):
        if isinstance(existing, dict) and (when := _as_date(existing.get(key))) is not None and when > value:
            items.insert(index, item)
            return
    items.append(item)


def _mapping(parent: Any, key: str) -> Any:
    if not isinstance(parent.get(key), dict):
        parent[key] = CommentedMap()
    return parent[key]


def _sequence(parent: Any, key: str) -> Any:
    if not isinstance(parent.get(key), list):
        parent[key] = CommentedSeq()
    return parent[key]


def _flow(values: dict[str, object]) -> CommentedMap:
    item = CommentedMap(values)
    item.fa.set_flow_style()
    return item


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _replace(path: Path, text: str) -> None:
    """Write the whole file or nothing: a crash mid-write leaves the old file."""
    fd, temp = tempfile.mkstemp(dir=path.parent or Path(), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
