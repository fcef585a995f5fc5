"""The hours use cases: now from the clock, and the fast JSON stream equal to the plain one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from opsdesk.domain.hours import Cover, CoverEngine, DayKind, HoursPolicy, LocalWindow
from opsdesk.services.hours import HoursService, LineError, cover_at_dict, cover_at_json, line_error_json
from tests.fakes import FixedClock, FixedHolidays


def test_now_comes_from_the_clock(engine: CoverEngine) -> None:
    service = HoursService(engine, FixedClock(datetime(2026, 12, 28, 16, 0, tzinfo=UTC)))
    result = service.now()
    assert (result.cover, result.day, result.holiday) == (
        Cover.ON_CALL,
        DayKind.BANK_HOLIDAY,
        "Boxing Day (substitute day)",
    )
    assert cover_at_dict(result, engine.timezone)["until"] == "2026-12-28T22:00:00+00:00"


ZONES = ["Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "America/Santiago"]
texts = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)).map(
        lambda d: d.isoformat()
    ),
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.text(max_size=12),
)


@given(st.sampled_from(ZONES), st.lists(texts, max_size=40))
def test_the_fast_json_stream_says_exactly_what_the_plain_path_says(zone: str, lines: list[str]) -> None:
    policy = HoursPolicy(
        timezone=ZoneInfo(zone),
        working_day=(LocalWindow(90, 600, Cover.ON_CALL), LocalWindow(600, 1000, Cover.SUPPORT)),
        weekend=(LocalWindow(0, 1440, Cover.ON_CALL),),
        bank_holiday=(),
    )
    engine = CoverEngine(policy, FixedHolidays())
    service = HoursService(engine, FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    expected = [
        line_error_json(r) if isinstance(r, LineError) else cover_at_json(r, engine.timezone)
        for r in service.each_line(lines)
    ]
    fast, ok = service.json_lines(lines)
    assert fast == expected
    for result, line in zip(service.each_line(lines), fast, strict=True):
        if not isinstance(result, LineError):
            assert json.loads(line) == cover_at_dict(result, engine.timezone)
    assert ok == all("error" not in json.loads(line) for line in expected)
    for line in fast:
        answer = json.loads(line)
        if "at" in answer and answer["until"] is not None:
            at, until = datetime.fromisoformat(answer["at"]), datetime.fromisoformat(answer["until"])
            assert until > at
            assert until - at <= timedelta(days=3)
