"""A page as an SMS, a call's spoken words, Slack blocks and an email, kept as snapshots a person can read
in review: a plain page, a P1 with a long summary, one outside GSM-7 (UCS-2), one with many links and
details, and one with hostile text. Every SMS stays within two segments and keeps the number and how to
acknowledge; no control or bidi character reaches an SMS or a call."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from opsdesk.adapters.email.render import EmailRenderer
from opsdesk.adapters.slack.render import SlackRenderer
from opsdesk.adapters.twilio.render import SmsRenderer, VoiceRenderer, sms_length, sms_limit
from opsdesk.domain.notices import Page
from opsdesk.domain.page_content import alarm_details, alarm_links, clean, page_text
from opsdesk.domain.people import People
from opsdesk.domain.rota import Engineer, EngineerId
from tests.adapters.snapshot_files import matches_snapshot

PEOPLE = People.of([Engineer(EngineerId("alice"), "Alice", "alice@example.org", phone="+447911123456")])
ACK = "https://opsdesk.example.org/ack/AQAAAAAAAAAEAAEAAmmAxsAAAAAAAAAAAAYWxpY2U.hzKv2FaNMPysCCoaaITHlg"
HOSTILE = "Disk\x00 full\u202e gnp.exe\u200b on <!channel> db-1 & *bold* `code`\r\n" + "x" * (1 << 20)
PAGERDUTY_DETAILS: dict[str, Any] = {
    "links": [
        {"href": "https://grafana.example.org/d/disk?var-host=db-1", "text": "Disk dashboard"},
        {"href": "javascript:alert(1)", "text": "not a link"},
        {"href": "https://runbooks.example.org/disk-full", "text": "Runbook: disk full"},
        {"href": "https://example.org/a|b>c", "text": "broken"},
        {"href": "https://logs.example.org/q?host=db-1", "text": "Logs"},
        {"href": "https://fourth.example.org/", "text": "one too many"},
    ],
    "client": "Prometheus",
    "client_url": "https://prometheus.example.org/alerts",
    "custom_details": {
        "free": "0 bytes",
        "mount": "/var/lib/postgresql",
        "host": "db-1.eu-west-1",
        "load": 0.75,
        "queries": {"waiting": 120, "running": 3},
        "owner": "team-data",
        "region": "eu-west-1",
        "extra": "not shown: six details at most",
    },
}
ALERTMANAGER_DETAILS: dict[str, Any] = {
    "groupKey": '{}:{alertname="DiskFull"}',
    "commonLabels": {"alertname": "DiskFull", "instance": "db-1:9100", "severity": "critical"},
    "commonAnnotations": {
        "summary": "Disk full",
        "description": "Less than 1% free on /var/lib/postgresql",
        "runbook_url": "https://runbooks.example.org/disk-full",
    },
    "externalURL": "https://alertmanager.example.org",
    "alerts": 2,
}


def page(
    summary: str,
    priority: str = "",
    severity: str = "critical",
    details: dict[str, Any] | None = None,
    others: tuple[str, ...] = (),
    ack_url: str = "",
    source: str = "db-1",
) -> Page:
    """A page as compose_page makes it (cleaned, bounded), for engineer alice at cycle 1 step 2."""
    found = details or {}
    made = Page(
        EngineerId("alice"),
        "primary",
        4,
        "platform",
        clean(summary)[:1024],
        1,
        2,
        ("slack", "email", "sms", "voice"),
        "page:4:c1s2",
        clean(f"[opsdesk] Page: #4 {priority} Platform: {summary}")[:200],
        "",
        priority,
        clean(severity)[:16],
        clean(source)[:100],
        "Platform",
        alarm_links(found),
        alarm_details(found),
        others,
        ack_url,
    )
    return replace(made, text=page_text(made))


CASES: dict[str, Callable[[], Page]] = {
    "plain": lambda: page("Disk full on db-1", ack_url=ACK, others=("secondary Bilal",)),
    "plain-no-link": lambda: page("Disk full on db-1", others=("secondary Bilal",)),
    "p1-long-summary": lambda: page(
        "Checkout latency above 2 s on every node in eu-west-1; the load balancer is shedding requests "
        "and the queue behind it keeps growing. " * 4,
        "P1",
        ack_url=ACK,
        others=("secondary Bilal", "support Dana"),
    ),
    "unicode": lambda: page(
        "Zahlungen schlagen fehl — Datenbank ☠ nicht erreichbar, bitte sofort prüfen 🔥",
        "P2",
        "error",
        ack_url=ACK,
        others=("secondary Zoë",),
    ),
    "many-details": lambda: page(
        "Disk full on db-1", "P1", details=PAGERDUTY_DETAILS, ack_url=ACK, others=("secondary Bilal",)
    ),
    "alertmanager": lambda: page(
        "Disk full (2 of 2 firing)", "P2", "critical", ALERTMANAGER_DETAILS, source="alertmanager"
    ),
    "hostile": lambda: page(
        HOSTILE,
        "P1",
        "crit\u202eical",
        {"custom_details": {"k\x00ey": "v\u202eal\x00ue" * 1000, "<!here>": "<@U123>"}},
        ack_url=ACK,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_sms_matches_its_snapshot_within_two_segments(case: str) -> None:
    body = SmsRenderer().render(CASES[case](), PEOPLE)["body"]
    assert sms_length(body) <= sms_limit(body)
    assert body.startswith("PAGE #4 ")
    assert "\nReply 4 ack / 4 resolve" in body
    assert not any(unicodedata.category(c) in {"Cc", "Cf"} for c in body.replace("\n", ""))
    matches_snapshot(f"page/{case}.sms.txt", body + "\n")


@pytest.mark.parametrize("case", CASES)
def test_the_call_matches_its_snapshot(case: str) -> None:
    call = VoiceRenderer().render(CASES[case](), PEOPLE)
    say, unattended = call["say"], call["unattended"]
    assert not any(unicodedata.category(c).startswith("C") for c in say + unattended)
    assert len(say) < 1000
    matches_snapshot(f"page/{case}.voice.txt", f"{say}\n{unattended}\n")


@pytest.mark.parametrize("case", CASES)
def test_the_slack_blocks_match_their_snapshot(case: str) -> None:
    payload = SlackRenderer().render(CASES[case](), PEOPLE)
    made = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    assert len(made) < 20_000
    matches_snapshot(f"page/{case}.slack.json", made)


@pytest.mark.parametrize("case", CASES)
def test_the_email_matches_its_snapshot(case: str) -> None:
    payload = EmailRenderer().render(CASES[case](), PEOPLE)
    made = f"Subject: {payload['subject']}\n\n{payload['text']}\n"
    assert len(made) < 20_000
    matches_snapshot(f"page/{case}.email.txt", made)


def test_a_page_made_elsewhere_with_raw_hostile_text_still_renders_bounded_and_clean() -> None:
    raw = replace(
        CASES["plain"](), summary=HOSTILE, severity="crit\x00ical", others=("secondary \u202eBilal",)
    )
    body = SmsRenderer().render(raw, PEOPLE)["body"]
    assert sms_length(body) <= sms_limit(body)
    assert "\x00" not in body and "\u202e" not in body and "\u200b" not in body
    assert (
        body.startswith("PAGE #4 critical critical Platform: Disk full gnp.exe on <!channel> db-1") is False
    )
    assert body.startswith("PAGE #4 critical Platform: Disk full gnp.exe on <!channel> db-1 &")
    say = VoiceRenderer().render(raw, PEOPLE)["say"]
    assert "\x00" not in say and "\u202e" not in say and len(say) < 1000
    slack = SlackRenderer().render(raw, PEOPLE)
    assert "<!channel>" not in json.dumps(slack) and "\u202e" not in json.dumps(slack, ensure_ascii=False)
    assert len(json.dumps(slack)) < 20_000


def test_the_plain_sms_reads_as_a_tired_person_needs_it() -> None:
    body = SmsRenderer().render(CASES["plain"](), PEOPLE)["body"]
    assert body.splitlines()[:3] == [
        "PAGE #4 critical Platform: Disk full on db-1",
        "Reply 4 ack / 4 resolve",
        ACK,
    ]
