"""Bank-holiday sources: the holidays package against GOV.UK's list, GOV.UK files, the policy's own days."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from opsdesk.adapters.bank_holidays import (
    NAMES_VERSION,
    HolidaysPackageSource,
    _package_fingerprint,
    read_govuk_file,
)
from opsdesk.domain.bank_holidays import Division, LayeredCalendar
from opsdesk.domain.errors import IntegrationError


def govuk_snapshot() -> dict[str, Any]:
    """GOV.UK's bank-holidays.json as shipped in the govuk-bank-holidays package."""
    text = resources.files("govuk_bank_holidays").joinpath("bank-holidays.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@pytest.mark.parametrize("division", [Division.ENGLAND_AND_WALES, Division.NORTHERN_IRELAND])
def test_the_holidays_package_matches_govuk_for_2012_to_2028(division: Division, tmp_path: Path) -> None:
    official = {e["date"] for e in govuk_snapshot()[division]["events"] if 2012 <= int(e["date"][:4]) <= 2028}
    source = HolidaysPackageSource(division, tmp_path)
    ours = {day.isoformat() for year in range(2012, 2029) for day in source.holidays_in(year)}
    assert len(official) >= 17 * 8
    assert sorted(official ^ ours) == []


def test_england_and_wales_2026_as_published(tmp_path: Path) -> None:
    days = HolidaysPackageSource(Division.ENGLAND_AND_WALES, tmp_path).holidays_in(2026)
    assert sorted(days) == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
    ]
    assert days[date(2026, 12, 28)] == "Boxing Day (substitute day)"


def test_scotland_is_not_england(tmp_path: Path) -> None:
    scotland = HolidaysPackageSource(Division.SCOTLAND, tmp_path).holidays_in(2026)
    assert date(2026, 1, 2) in scotland  # 2 January
    assert date(2026, 4, 6) not in scotland  # no Easter Monday


def test_the_cache_is_used_and_a_damaged_one_rebuilt(tmp_path: Path) -> None:
    first = HolidaysPackageSource(Division.ENGLAND_AND_WALES, tmp_path).holidays_in(2027)
    cache = tmp_path / "bank-holidays-england-and-wales.json"
    document = json.loads(cache.read_text(encoding="utf-8"))
    # A cache entry written by this package is believed: prove it by planting a day in it.
    document["days"]["2027-07-07"] = "Planted"
    cache.write_text(json.dumps(document), encoding="utf-8")
    assert (
        HolidaysPackageSource(Division.ENGLAND_AND_WALES, tmp_path).holidays_in(2027)[date(2027, 7, 7)]
        == "Planted"
    )
    # A cache from another package build is ignored and replaced.
    document["package"] = "another build"
    cache.write_text(json.dumps(document), encoding="utf-8")
    assert HolidaysPackageSource(Division.ENGLAND_AND_WALES, tmp_path).holidays_in(2027) == first
    cache.write_text("{not json", encoding="utf-8")
    assert HolidaysPackageSource(Division.ENGLAND_AND_WALES, tmp_path).holidays_in(2027) == first
    assert json.loads(cache.read_text(encoding="utf-8"))["package"] != "another build"


def test_no_cache_folder_still_works() -> None:
    assert date(2026, 12, 25) in HolidaysPackageSource(Division.ENGLAND_AND_WALES, None).holidays_in(2026)


def test_years_outside_the_cache_are_computed(tmp_path: Path) -> None:
    days = HolidaysPackageSource(Division.ENGLAND_AND_WALES, tmp_path).holidays_in(1890)
    assert all(day.year == 1890 and day.weekday() < 5 for day in days)
    assert any(name.startswith("Christmas Day") for name in days.values())


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_govuk_file_is_authoritative_for_the_years_it_holds(tmp_path: Path) -> None:
    snapshot = govuk_snapshot()
    events = snapshot["england-and-wales"]["events"]
    # This file knows 2026 only, with one extra day and without the August bank holiday.
    kept = [e for e in events if e["date"].startswith("2026") and e["date"] != "2026-08-31"]
    kept.append(
        {"title": "Extra bank holiday", "date": "2026-09-21", "notes": "Extra bank holiday", "bunting": True}
    )
    snapshot["england-and-wales"]["events"] = kept
    path = write(tmp_path / "bank-holidays.json", snapshot)
    calendar = LayeredCalendar(
        source=HolidaysPackageSource(Division.ENGLAND_AND_WALES, tmp_path),
        authoritative=read_govuk_file(path, Division.ENGLAND_AND_WALES),
    )
    assert calendar.holiday_on(date(2026, 9, 21)) == "Extra bank holiday"
    assert calendar.holiday_on(date(2026, 8, 31)) is None
    assert calendar.holiday_on(date(2026, 12, 28)) == "Boxing Day (substitute day)"
    assert calendar.holiday_on(date(2027, 8, 30)) is not None  # 2027 is not in the file: the package


def test_the_policy_adds_and_removes_days(tmp_path: Path) -> None:
    calendar = LayeredCalendar(
        source=HolidaysPackageSource(Division.ENGLAND_AND_WALES, tmp_path),
        extra={date(2027, 6, 7): "Coronation-style extra day"},
        removed=frozenset({date(2027, 5, 3)}),
    )
    assert calendar.holiday_on(date(2027, 6, 7)) == "Coronation-style extra day"
    assert calendar.holiday_on(date(2027, 5, 3)) is None
    assert calendar.holiday_on(date(2027, 5, 31)) is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{nope", "is not valid JSON"),
        ("[1, 2]", "expected a JSON object with the key 'england-and-wales'"),
        ('{"scotland": {"events": []}}', "expected a JSON object with the key 'england-and-wales'"),
        ('{"england-and-wales": {"events": "x"}}', "england-and-wales.events must be a list"),
        ('{"england-and-wales": {"events": [7]}}', r"events\[0\]: expected an object"),
        ('{"england-and-wales": {"events": [{"title": "X", "date": "2026-13-01"}]}}', r"events\[0\].date"),
        ('{"england-and-wales": {"events": [{"title": "", "date": "2026-12-01"}]}}', r"events\[0\].title"),
    ],
)
def test_an_unreadable_govuk_file_names_the_place(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "holidays.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(IntegrationError, match=message) as caught:
        read_govuk_file(path, Division.ENGLAND_AND_WALES)
    assert str(path) in str(caught.value)


def govuk_names(division: Division) -> dict[date, str]:
    """GOV.UK's name for each day, "(substitute day)" added as GOV.UK's notes say, apostrophes straight."""
    return {
        date.fromisoformat(e["date"]): e["title"].replace("\u2019", "'")
        + (" (substitute day)" if e["notes"] == "Substitute day" else "")
        for e in govuk_snapshot()[division]["events"]
    }


@pytest.mark.parametrize("division", [Division.ENGLAND_AND_WALES, Division.NORTHERN_IRELAND])
def test_days_are_named_as_govuk_names_them(division: Division, tmp_path: Path) -> None:
    source = HolidaysPackageSource(division, tmp_path)
    ours = {day: name for year in range(2012, 2029) for day, name in source.holidays_in(year).items()}
    official = {day: name for day, name in govuk_names(division).items() if day.year <= 2028}
    assert {day: (official[day], ours[day]) for day in official if official[day] != ours[day]} == {}
    assert ours[date(2026, 5, 4)] == "Early May bank holiday"
    assert ours[date(2026, 8, 31)] == "Summer bank holiday"
    assert ours[date(2027, 12, 28)] == "Boxing Day (substitute day)"


def test_scotland_names_its_own_days_as_govuk_does(tmp_path: Path) -> None:
    days = HolidaysPackageSource(Division.SCOTLAND, tmp_path).holidays_in(2026)
    assert (days[date(2026, 1, 2)], days[date(2026, 8, 3)], days[date(2026, 11, 30)]) == (
        "2nd January",
        "Summer bank holiday",
        "St Andrew's Day",
    )


def test_a_cache_written_with_the_package_names_is_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "bank-holidays-england-and-wales.json"
    old_key = _package_fingerprint().removesuffix(f":{NAMES_VERSION}")
    cache.write_text(json.dumps({"package": old_key, "days": {"2026-05-04": "May Day"}}), encoding="utf-8")
    days = HolidaysPackageSource(Division.ENGLAND_AND_WALES, tmp_path).holidays_in(2026)
    assert days[date(2026, 5, 4)] == "Early May bank holiday"
