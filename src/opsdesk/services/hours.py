"""Cover use cases: the cover now or at given instants, the windows of a period, the time of one cover in a
period, and their JSON form."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from opsdesk.domain.elapsed import elapsed
from opsdesk.domain.errors import InvalidInstantError, InvalidPeriodError
from opsdesk.domain.hours import Cover, CoverAt, CoverEngine, CoverWindow, Day
from opsdesk.domain.instants import parse_instant, parse_period_bound
from opsdesk.services.clock import Clock


@dataclass(frozen=True)
class LineError:
    """An input line that could not be read as an instant, and why."""

    input: str
    error: str


@dataclass(frozen=True)
class Elapsed:
    """How much of one cover the team offered in [start, end)."""

    start: datetime
    end: datetime
    cover: Cover
    amount: timedelta


class HoursService:
    def __init__(self, engine: CoverEngine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._tails: dict[Day, list[str | None]] = {}

    @property
    def timezone(self) -> ZoneInfo:
        return self.engine.timezone

    def now(self) -> CoverAt:
        return self.engine.cover_at(self.clock.now())

    def at(self, when: str) -> CoverAt:
        """The cover at a time typed by a person; InvalidInstantError if it cannot be read."""
        return self.engine.cover_at(parse_instant(when, self.engine.timezone))

    def instant(self, when: str, now: datetime) -> datetime:
        """A time typed by a person, or `now` (the caller's, read once: `--from now --to now` is empty);
        InvalidInstantError if it cannot be read."""
        if when.strip().lower() == "now":
            return now
        return parse_instant(when, self.engine.timezone)

    def elapsed(self, start: datetime, end: datetime, cover: Cover) -> Elapsed:
        """The time of `cover` in [start, end); InvalidPeriodError if the period runs backwards."""
        return Elapsed(start, end, cover, elapsed(self.engine, start, end, cover))

    def each_line(self, lines: Iterable[str]) -> Iterator[CoverAt | LineError]:
        """One answer per line, in order; a bad line gives a LineError and the rest go on."""
        tz = self.engine.timezone
        cover_at = self.engine.cover_at
        for line in lines:
            try:
                yield cover_at(parse_instant(line, tz))
            except InvalidInstantError as exc:
                yield LineError(line, exc.reason)

    def json_lines(self, lines: Iterable[str]) -> tuple[list[str], bool]:
        """`each_line` as JSON text, and whether every line was good: the 100,000-lines-a-second path.

        Equal to `cover_at_json`/`line_error_json` line for line; the parts after "at" are built once
        per segment of a day and reused.
        """
        tz = self.engine.timezone
        locate, local_text = self.engine.locate, self.engine.local_text
        tails = self._tails
        out: list[str] = []
        ok = True
        for line in lines:
            try:
                at = parse_instant(line, tz)
            except InvalidInstantError as exc:
                out.append(line_error_json(LineError(line, exc.reason)))
                ok = False
                continue
            day, index = locate(at)
            per_day = tails.get(day)
            if per_day is None:
                per_day = tails[day] = [None] * len(day.segments)
            tail = per_day[index]
            if tail is None:
                tail = per_day[index] = self._tail(day, index)
            out.append(f'{{"at": "{local_text(at, day)}"{tail}')
        return out, ok

    def _tail(self, day: Day, index: int) -> str:
        until = self.engine.run_end(day, index)
        until_text = "null" if until is None else f'"{self.engine.local_text(until, day)}"'
        return (
            f', "cover": "{day.segments[index].cover}", "day": "{day.kind}", '
            f'"holiday": {_json_string(day.holiday)}, "until": {until_text}}}'
        )

    def windows(self, start: str, end: str) -> list[CoverWindow]:
        tz = self.engine.timezone
        lo, hi = parse_period_bound(start, tz, end=False), parse_period_bound(end, tz, end=True)
        if hi <= lo:
            raise InvalidPeriodError(f"--to {end} is before --from {start}: the period must run forwards")
        return self.engine.windows(lo, hi)


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


def elapsed_dict(result: Elapsed, tz: ZoneInfo) -> dict[str, str | int | float]:
    """The public shape of the cover clock's answer (CLI `--json` and the API): seconds as a number, a
    whole number when the amount is whole seconds."""
    amount = result.amount
    seconds = amount // timedelta(seconds=1) if not amount.microseconds else amount.total_seconds()
    return {
        "from": result.start.astimezone(tz).isoformat(),
        "to": result.end.astimezone(tz).isoformat(),
        "cover": str(result.cover),
        "seconds": seconds,
    }


def window_dict(window: CoverWindow, tz: ZoneInfo) -> dict[str, str | None]:
    return {
        "start": _iso(window.start, tz),
        "end": _iso(window.end, tz),
        "cover": str(window.cover),
        "day": str(window.day),
        "holiday": window.holiday,
    }
