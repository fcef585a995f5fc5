"""Bank-holiday sources: the `holidays` package (cached on disk) and GOV.UK's bank-holidays JSON file."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from opsdesk.domain.bank_holidays import SUBSTITUTE_SUFFIX, Division
from opsdesk.domain.errors import IntegrationError

# The `holidays` package names the subdivisions by ISO 3166-2 code.
PACKAGE_SUBDIVISIONS = {
    Division.ENGLAND_AND_WALES: "ENG",
    Division.SCOTLAND: "SCT",
    Division.NORTHERN_IRELAND: "NIR",
}
_OBSERVED = " (observed)"
# The package's names -> GOV.UK's (https://www.gov.uk/bank-holidays), so a day reads as people know it
# (straight apostrophes: GOV.UK's file has typographic ones).
GOVUK_NAMES = {
    "May Day": "Early May bank holiday",
    "Spring Bank Holiday": "Spring bank holiday",
    "Late Summer Bank Holiday": "Summer bank holiday",
    "Summer Bank Holiday": "Summer bank holiday",
    "New Year Holiday": "2nd January",
    "Saint Andrew's Day": "St Andrew's Day",
    "Saint Patrick's Day": "St Patrick's Day",
    "Battle of the Boyne": "Battle of the Boyne (Orangemen's Day)",
    "Diamond Jubilee of Elizabeth II": "Queen's Diamond Jubilee",
    "Platinum Jubilee of Elizabeth II": "Platinum Jubilee bank holiday",
    "State Funeral of Queen Elizabeth II": "Bank Holiday for the State Funeral of Queen Elizabeth II",
    "Coronation of Charles III": "Bank holiday for the coronation of King Charles III",
}
# Days GOV.UK names apart from the rule: VE day 2020; the moved Spring bank holiday of 2012 (not in
# Northern Ireland, where it is no substitute).
GOVUK_DAYS: dict[date | tuple[date, str], str] = {
    date(2020, 5, 8): "Early May bank holiday (VE day)",
    (date(2012, 6, 4), "ENG"): "Spring bank holiday" + SUBSTITUTE_SUFFIX,
    (date(2012, 6, 4), "SCT"): "Spring bank holiday" + SUBSTITUTE_SUFFIX,
}
NAMES_VERSION = "govuk-names-1"  # part of the disk cache's key: a change of names rebuilds it
# Years computed at once and kept in the disk cache; other years are computed on demand.
CACHED_YEARS = range(1900, 2101)


def _package_fingerprint() -> str:
    """Identifies the installed `holidays` package without importing it (importing costs ~0.25 s)."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        raise IntegrationError("the 'holidays' package is not installed; reinstall opsdesk")
    stat = os.stat(spec.origin)
    return f"{spec.origin}:{stat.st_mtime_ns}:{stat.st_size}:{NAMES_VERSION}"


def _compute(subdivision: str, years: range | list[int]) -> dict[str, str]:
    # Imported here, not at the top: the package costs a quarter-second to import and the disk cache
    # usually makes it unnecessary.
    import holidays  # noqa: PLC0415

    calendar = holidays.country_holidays("GB", subdiv=subdivision, years=years)
    result: dict[str, str] = {}
    for day, name in sorted(calendar.items()):
        if day.weekday() >= 5:  # a holiday on a weekend is replaced by a weekday substitute
            continue
        special = GOVUK_DAYS.get(day) or GOVUK_DAYS.get((day, subdivision))
        result[day.isoformat()] = special or govuk_name(str(name))
    return result


def govuk_name(package_name: str) -> str:
    """GOV.UK's name for a day the package names: "Late Summer Bank Holiday" is the "Summer bank holiday";
    "Boxing Day (observed)" is "Boxing Day (substitute day)". A day the package gives two names ("A; B
    (observed)") takes the holiday that falls on it."""
    parts = package_name.split("; ")
    name = next((part for part in parts if not part.endswith(_OBSERVED)), parts[0])
    base = name.removesuffix(_OBSERVED)
    suffix = SUBSTITUTE_SUFFIX if name.endswith(_OBSERVED) else ""
    return GOVUK_NAMES.get(base, base) + suffix


class HolidaysPackageSource:
    """England and Wales (or another division) from the `holidays` package: weekdays only.

    The package is deterministic for a given release, so the computed days are cached in a JSON file keyed by
    the division and the installed package; a missing, stale or damaged cache is simply rebuilt.
    """

    def __init__(self, division: Division, cache_dir: Path | None) -> None:
        self.division = division
        self._subdivision = PACKAGE_SUBDIVISIONS[division]
        self._cache_dir = cache_dir
        self._days: dict[int, dict[date, str]] | None = None

    def holidays_in(self, year: int) -> Mapping[date, str]:
        if year not in CACHED_YEARS:
            computed = _compute(self._subdivision, [year])
            return {date.fromisoformat(k): v for k, v in computed.items()}
        if self._days is None:
            self._days = self._load()
        return self._days.get(year, {})

    def _cache_file(self) -> Path | None:
        if self._cache_dir is None:
            return None
        return self._cache_dir / f"bank-holidays-{self.division}.json"

    def _load(self) -> dict[int, dict[date, str]]:
        fingerprint = _package_fingerprint()
        cache_file = self._cache_file()
        flat: dict[str, str] | None = None
        if cache_file is not None:
            with contextlib.suppress(OSError, ValueError):
                cached = json.loads(cache_file.read_text(encoding="utf-8"))
                if isinstance(cached, dict) and cached.get("package") == fingerprint:
                    days = cached.get("days")
                    if isinstance(days, dict):
                        flat = {str(k): str(v) for k, v in days.items()}
        if flat is None:
            flat = _compute(self._subdivision, CACHED_YEARS)
            if cache_file is not None:
                _write_atomically(cache_file, {"package": fingerprint, "days": flat})
        by_year: dict[int, dict[date, str]] = {}
        for key, name in flat.items():
            day = date.fromisoformat(key)
            by_year.setdefault(day.year, {})[day] = name
        return by_year


def _write_atomically(path: Path, content: object) -> None:
    """Write a cache file whole or not at all; a cache that cannot be written is only a slower start."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(content, handle)
            os.replace(temp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def read_govuk_file(path: Path, division: Division) -> dict[int, dict[date, str]]:
    """Read a file in GOV.UK's bank-holidays JSON format: the division's days, grouped by year.

    The file is treated as hostile input: anything unexpected is an IntegrationError naming the place.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IntegrationError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        document: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IntegrationError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or str(division) not in document:
        raise IntegrationError(
            f"{path} is not in GOV.UK's bank-holidays format: expected a JSON object with the key "
            f"{str(division)!r} (keys: england-and-wales, scotland, northern-ireland)"
        )
    section = document[str(division)]
    events = section.get("events") if isinstance(section, dict) else None
    if not isinstance(events, list):
        raise IntegrationError(f"{path}: {division}.events must be a list of events")
    by_year: dict[int, dict[date, str]] = {}
    for index, event in enumerate(events):
        where = f"{path}: {division}.events[{index}]"
        if not isinstance(event, dict):
            raise IntegrationError(f"{where}: expected an object with 'title' and 'date'")
        title, when, notes = event.get("title"), event.get("date"), event.get("notes", "")
        if not isinstance(title, str) or not title.strip():
            raise IntegrationError(f"{where}.title: expected a non-empty string, got {title!r}")
        try:
            day = date.fromisoformat(when) if isinstance(when, str) else None
        except ValueError:
            day = None
        if day is None:
            raise IntegrationError(f"{where}.date: expected a date as YYYY-MM-DD, got {when!r}")
        name = title.strip()
        if isinstance(notes, str) and notes.strip().lower() == "substitute day":
            name += SUBSTITUTE_SUFFIX
        by_year.setdefault(day.year, {})[day] = name
    return by_year
