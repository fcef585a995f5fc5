"""Cover use cases: the cover now or at given instants, the windows of a period, and their JSON form."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.hours import CoverAt, CoverEngine, CoverWindow
from opsdesk.domain.instants import parse_instant, parse_period_bound
from opsdesk.services.clock import Clock


@dataclass(frozen=True)
class LineError:
    """An input line that could not be read as an instant, and why."""

    input: str
    error: str


class HoursService:
    def __init__(self, engine: CoverEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    @property
    def timezone(self) -> ZoneInfo:
        return self.engine.timezone

    def now(self) -> CoverAt:
        return self.engine.cover_at(self.clock.now())

    def at(self, when: str) -> CoverAt:
        """The cover at a time typed by a person; InvalidInstantError if it cannot be read."""
        return self.engine.cover_at(parse_instant(when, self.engine.timezone))

    def each_line(self, lines: Iterable[str]) -> Iterator[CoverAt | LineError]:
        """One answer per line, in order; a bad line gives a LineError and the rest go on."""
        tz = self.engine.timezone
        cover_at = self.engine.cover_at
        for line in lines:
            try:
                yield cover_at(parse_instant(line, tz))
            except InvalidInstantError as exc:
                yield LineError(line, exc.reason)

    def windows(self, start: str, end: str) -> list[CoverWindow]:
        tz = self.engine.timezone
        return self.engine.windows(
            parse_period_bound(start, tz, end=False), parse_period_bound(end, tz, end=True)
        )


def _iso(instant: datetime | None, tz: ZoneInfo) -> str | None:
    return None if instant is None else instant.astimezone(tz).isoformat()


def cover_at_dict(result: CoverAt, tz: ZoneInfo) -> dict[str, str | None]:
    """The public shape of a cover answer (CLI `--json`, and later the API)."""
    return {
        "at": _iso(result.at, tz),
        "cover": str(result.cover),
        "day": str(result.day),
        "holiday": result.holiday,
        "until": _iso(result.until, tz),
    }


@lru_cache(maxsize=4096)
def _json_string(value: str | None) -> str:
    return json.dumps(value, ensure_ascii=False)


def cover_at_json(result: CoverAt, tz: ZoneInfo) -> str:
    """`cover_at_dict` as one JSON line, written directly: the stream path runs this per input line."""
    until = result.until
    until_text = "null" if until is None else f'"{until.astimezone(tz).isoformat()}"'
    return (
        f'{{"at": "{result.at.astimezone(tz).isoformat()}", "cover": "{result.cover}", '
        f'"day": "{result.day}", "holiday": {_json_string(result.holiday)}, "until": {until_text}}}'
    )


def line_error_json(error: LineError) -> str:
    return json.dumps({"input": error.input, "error": error.error}, ensure_ascii=False)


def window_dict(window: CoverWindow, tz: ZoneInfo) -> dict[str, str | None]:
    return {
        "start": _iso(window.start, tz),
        "end": _iso(window.end, tz),
        "cover": str(window.cover),
        "day": str(window.day),
        "holiday": window.holiday,
    }
