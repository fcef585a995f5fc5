"""Writing a generated rota back into the policy file, keeping people's comments, order and layout."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.util import load_yaml_guess_indent

from opsdesk.domain.rota_plan import Plan


def write_plan(path: Path, plan: Plan) -> None:
    """Set the planned weeks and support days in `path`; everything else in the file stays as it was."""
    raw = path.read_bytes() if path.exists() else b""
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    crlf = "\r\n" in text
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
    rota = _mapping(document, "rota")
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
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    written = buffer.getvalue()
    if crlf:
        written = written.replace("\r\n", "\n").replace("\n", "\r\n")
    _replace(path, ("\ufeff" if bom else "") + written)


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
