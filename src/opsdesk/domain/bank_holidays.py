"""Bank holidays: the divisions, and one calendar layered from a data file, a package and the policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol


class Division(StrEnum):
    """The UK's bank-holiday divisions, named as GOV.UK names them."""

    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


SUBSTITUTE_SUFFIX = " (substitute day)"


class YearlyHolidaySource(Protocol):
    """A source that knows every bank holiday of a year, by date."""

    def holidays_in(self, year: int) -> Mapping[date, str]: ...


@dataclass
class LayeredCalendar:
    """Bank holidays from three layers, most specific first.

    1. the policy's own changes: `removed` days are never holidays, `extra` days always are;
    2. a data file (GOV.UK's format): authoritative for every year it holds any day of;
    3. a yearly source (the `holidays` package) for every other year.
    """

    source: YearlyHolidaySource
    authoritative: Mapping[int, Mapping[date, str]] = field(default_factory=dict)
    extra: Mapping[date, str] = field(default_factory=dict)
    removed: frozenset[date] = frozenset()
    _years: dict[int, Mapping[date, str]] = field(default_factory=dict, repr=False)

    def holidays_in(self, year: int) -> Mapping[date, str]:
        known = self._years.get(year)
        if known is None:
            base = self.authoritative.get(year)
            if base is None:
                base = self.source.holidays_in(year)
            merged = {day: name for day, name in base.items() if day not in self.removed}
            merged.update({day: name for day, name in self.extra.items() if day.year == year})
            known = self._years[year] = merged
        return known

    def holiday_on(self, day: date) -> str | None:
        return self.holidays_in(day.year).get(day)
