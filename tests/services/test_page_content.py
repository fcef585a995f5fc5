"""What compose_page puts in a page: the incident's facts, the alarm's first links and details, who else is
on call now (from the rota), and a signed acknowledge link only when the deployment has set links up."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from opsdesk.domain.incidents.ack_links import LinkSetup, read
from opsdesk.domain.incidents.email import EmailPolicy
from opsdesk.domain.incidents.model import Alarm, Priority
from opsdesk.domain.rota import EngineerId
from opsdesk.services.incidents.service import IncidentService
from opsdesk.services.rota import RotaService
from tests.builders import engine_for, notifier_for, policy_from_yaml
from tests.fake_units import FakeDatabase
from tests.fakes import SteppingClock
from tests.incident_world import ALARM, policy_document

SECRET = "0123456789abcdef0123456789abcdef-page"
NIGHT = datetime(2026, 12, 1, 21, 4, tzinfo=UTC)


def service(cache_dir: Path, links: LinkSetup | None) -> IncidentService:
    policy = policy_from_yaml(json.dumps(policy_document(date(2026, 11, 30))))
    clock = SteppingClock(NIGHT)
    rota = RotaService(engine_for(policy, cache_dir), policy.rota, clock)
    notifier = notifier_for(policy, frozenset({"log"}))
    units = FakeDatabase().units()
    return IncidentService(units, rota, policy.services, clock, notifier, EmailPolicy(), links)


def test_a_page_names_the_facts_who_else_is_on_call_and_carries_a_signed_link(cache_dir: Path) -> None:
    incidents = service(cache_dir, LinkSetup("https://opsdesk.example.org", SECRET))
    details = {
        "links": [{"href": "https://grafana.example.org/d/disk", "text": "Disk\u202e dashboard"}],
        "custom_details": {"free": "0 bytes", "mount\x00": "/var"},
    }
    alarm = Alarm("platform", "disk", "Disk full\x00 on db-1", "db-1", "critical", details, Priority.P1)
    outcome = incidents.trigger(alarm, ALARM)
    assert outcome is not None
    incident = outcome.incident
    page = incidents.compose_page(
        incidents.service("platform"),
        incident,
        (EngineerId("alice"), "primary", 1, 1),
        ("sms",),
        "page:1:c1s1",
    )
    assert (page.summary, page.priority, page.severity, page.source, page.service_name) == (
        "Disk full on db-1",
        "P1",
        "critical",
        "db-1",
        "Platform",
    )
    assert page.links == (("Disk dashboard", "https://grafana.example.org/d/disk"),)
    assert page.details == (("free", "0 bytes"), ("mount", "/var"))
    assert page.others == ("secondary Bilal",)  # out of hours: no support duty
    assert page.ack_url.startswith("https://opsdesk.example.org/ack/")
    claim = read(SECRET, page.ack_url.rsplit("/", 1)[1])
    assert (claim.incident, claim.engineer, claim.cycle, claim.step) == (incident.id, "alice", 1, 1)
    assert page.text.splitlines()[:3] == [
        "PAGE #1 P1 critical Platform: Disk full on db-1",
        f"Acknowledge (once, within 24 hours): {page.ack_url}",
        "Or run: opsdesk incident ack 1",
    ]


def test_without_links_set_up_a_page_says_how_else_to_acknowledge(cache_dir: Path) -> None:
    incidents = service(cache_dir, None)
    outcome = incidents.trigger(Alarm("platform", "disk", "Disk full on db-1", "db-1"), ALARM)
    assert outcome is not None
    page = incidents.compose_page(
        incidents.service("platform"),
        outcome.incident,
        (EngineerId("bilal"), "secondary", 1, 2),
        ("email",),
        "page:1:c1s2",
    )
    assert page.ack_url == ""
    assert page.others == ("primary Alice",)
    assert (
        page.text.splitlines()[1] == "Acknowledge: press Acknowledge in Slack, or run: opsdesk incident ack 1"
    )
