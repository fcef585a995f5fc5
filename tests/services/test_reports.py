"""Hours per engineer, counted from the real windows, split by role and kind of day."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from opsdesk.domain.instants import parse_period_bound
from tests.rota_builders import rota_service, team

LONDON = ZoneInfo("Europe/London")


def report(
    cache_dir: Path, document: dict[str, object], start: str, end: str
) -> dict[str, dict[str, object]]:
    service = rota_service(document, cache_dir)
    rows = service.hours(
        parse_period_bound(start, LONDON, end=False), parse_period_bound(end, LONDON, end=True)
    )
    return {str(row.engineer): row.as_dict() for row in rows}


def test_an_ordinary_week(cache_dir: Path) -> None:
    rows = report(cache_dir, team(), "2026-11-30", "2026-12-06")
    assert rows["alice"]["primary_working_day_hours"] == 5 * 4.0 * 2  # 07-09 and 16-22 on five weekdays
    assert rows["alice"]["primary_weekend_hours"] == 2 * 15.0
    assert rows["bilal"]["secondary_working_day_hours"] == 40.0
    assert rows["dana"]["support_days"] == 2
    assert rows["dana"]["support_hours"] == 14.0
    assert rows["omar"]["primary_working_day_hours"] == 0.0


def test_a_bank_holiday_week_with_leave_and_an_override(cache_dir: Path) -> None:
    document = team(
        rota={"on-call": [{"week": "2026-12-21", "primary": "dana", "secondary": "alice"}]},
        leave=[{"engineer": "alice", "from": "2026-12-24", "to": "2026-12-24"}],
        overrides=[
            {"role": "secondary", "engineer": "chen", "from": "2026-12-24T00:00", "to": "2026-12-25T00:00"}
        ],
    )
    rows = report(cache_dir, document, "2026-12-21", "2026-12-27")
    assert rows["dana"]["primary_working_day_hours"] == 4 * 8.0
    assert rows["dana"]["primary_bank_holiday_hours"] == 15.0  # Christmas Day
    assert rows["dana"]["primary_weekend_hours"] == 30.0
    assert rows["alice"]["secondary_working_day_hours"] == 3 * 8.0  # not the 24th: on leave
    assert rows["chen"]["secondary_working_day_hours"] == 8.0  # covered the 24th
