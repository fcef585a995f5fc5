"""A storm's incident over HTTP: a bounded answer, the alerts summed up, the timeline paged by a cursor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from opsdesk.adapters.db.tables import IncidentEntryRecord
from tests.e2e.test_api_incidents import Api, make_api
from tests.incident_world import storm

ALERTS = 10_000


@pytest.fixture
def api(db: Engine, tmp_path: Path, cache_dir: Path) -> Iterator[Api]:
    made = make_api(db, tmp_path, cache_dir)
    with made.client:
        yield made
    made.context.engine.dispose()


def stormy(api: Api) -> int:
    """An incident with ALERTS joined alerts and 60 notes: more entries than one answer shows."""
    opened = api.client.post(
        "/api/v1/incidents", json={"service": "platform", "summary": "Disk full on db-1"}, headers=api.auth()
    ).json()
    incident = api.context.incidents.incident(opened["id"])
    storm(api.context.engine, incident.dedup_key, ALERTS, datetime.now(UTC))
    for n in range(60):
        api.client.post(
            f"/api/v1/incidents/{incident.id}/notes", json={"text": f"note {n}"}, headers=api.auth()
        )
    return incident.id


def get(api: Api, path: str) -> dict[str, Any]:
    answer = api.client.get(path, headers=api.auth("viewer"))
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_storm_incident_answers_small_with_its_alerts_summed_up(api: Api) -> None:
    number = stormy(api)
    answer = api.client.get(f"/api/v1/incidents/{number}", headers=api.auth("viewer"))
    assert answer.status_code == 200
    assert len(answer.content) < 25_000  # the whole timeline was about 2.3 MB
    shown = answer.json()
    assert shown["alerts"] == ALERTS + 1
    assert len(shown["timeline"]) == 50
    assert [e["message"] for e in shown["timeline"][-2:]] == ["note 58", "note 59"]  # oldest of them first
    assert all(e["what"] != "alert" for e in shown["timeline"])
    summary = shown["alert_summary"]
    assert summary["count"] == ALERTS
    assert summary["text"].startswith(f"{ALERTS:,} more alerts joined between ")
    assert summary["last"].endswith(f"(alert {ALERTS + 1})")
    opening = len(list(api.context.incidents.walk_timeline(number, alerts=False))) - 60  # by the cover now
    assert shown["timeline_older"] == opening + 10
    older = get(api, f"/api/v1/incidents/{number}/timeline?before={shown['timeline_next']}")
    assert [e["message"] for e in older["entries"][:2]] == ["note 9", "note 8"]  # newest first
    assert older["entries"][-1]["what"] == "triggered"
    assert (older["older"], older["next"], older["alerts_listed"]) == (0, None, False)


def test_the_timeline_cursor_walks_every_entry_once_newest_first(api: Api) -> None:
    number = stormy(api)
    seen: list[int] = []
    path = f"/api/v1/incidents/{number}/timeline?alerts=true&limit=1000"
    page = get(api, path)
    assert len(api.client.get(path, headers=api.auth("viewer")).content) < 400_000
    while True:
        seen += [e["id"] for e in page["entries"]]
        if page["next"] is None:
            break
        page = get(api, f"{path}&before={page['next']}")
    with api.context.engine.connect() as connection:
        stored = connection.scalars(
            select(IncidentEntryRecord.id).where(IncidentEntryRecord.incident_id == number)
        ).all()
    assert seen == sorted(stored, reverse=True)  # every entry, once, newest first
    assert page["entries"][-1]["what"] == "triggered"


def test_a_page_out_of_range_is_422_and_an_unknown_incident_404(api: Api) -> None:
    opened = api.client.post(
        "/api/v1/incidents", json={"service": "platform", "summary": "x"}, headers=api.auth()
    )
    number = opened.json()["id"]
    for query, field in (("limit=0", "limit"), ("limit=1001", "limit"), ("before=0", "before")):
        answer = api.client.get(f"/api/v1/incidents/{number}/timeline?{query}", headers=api.auth("viewer"))
        assert answer.status_code == 422
        assert field in answer.text
    unknown = api.client.get("/api/v1/incidents/99999/timeline", headers=api.auth("viewer"))
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "no incident #99999")
