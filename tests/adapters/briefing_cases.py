"""Hand-made briefings for the renderers' tests: one of each kind and the awkward ones (a bank-holiday
weekend, a late one, a missed one in a digest, hostile text), and the team they name."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from opsdesk.domain.handover.model import (
    AlarmCount,
    Briefing,
    ChangeLine,
    CoverSpan,
    GitHubItem,
    GitHubSection,
    HandoverKind,
    IncidentLine,
    LeaveLine,
    Missed,
    Note,
    PageLine,
    Person,
    PromiseLine,
    RequestLine,
    Timeliness,
)
from opsdesk.domain.notices import HandoverNotice
from opsdesk.domain.people import People
from opsdesk.domain.rota import Engineer, EngineerId

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    """A wall-clock time in London, e.g. at("2026-12-02 16:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def person(engineer: str) -> Person:
    return Person(EngineerId(engineer), engineer.capitalize())


ALICE, BILAL, CHEN, DANA, EVE = (person(e) for e in ("alice", "bilal", "chen", "dana", "eve"))
# Bilal, Dana and Eve have Slack ids; Chen and Alice do not (Slack names them, without a mention).
PEOPLE = People.of(
    [
        Engineer(EngineerId("alice"), "Alice", "alice@example.org"),
        Engineer(EngineerId("bilal"), "Bilal", "bilal@example.org", slack="UBILAL"),
        Engineer(EngineerId("chen"), "Chen", "chen@example.org"),
        Engineer(EngineerId("dana"), "Dana", "dana@example.org", slack="UDANA"),
        Engineer(EngineerId("eve"), "Eve", "eve@example.org", slack="UEVE"),
    ]
)

P1_PAYMENTS = IncidentLine(
    41, "payments", "Card payments failing for 3% of checkouts", "acknowledged", "P1",
    at("2026-12-02 10:02"), lead="alice", acknowledged_by="alice",
)  # fmt: skip
P3_SEARCH = IncidentLine(
    38, "search", "Slow search queries", "deferred", "P3", at("2026-12-01 22:10"),
    informed="The search team (#search), 07:30", plan="Reindex on Thursday morning; Alice owns it",
)  # fmt: skip
UNRANKED = IncidentLine(44, "cdn", "Cache hit ratio below 80%", "triggered", None, at("2026-12-02 14:30"))
POSTGRES = ChangeLine(
    7, "Upgrade Postgres to 16.4", "approved", at("2026-12-02 22:00"), at("2026-12-02 23:30"), BILAL,
    "Take a snapshot first.\nRun the upgrade playbook.\nIf replication lags over 60 s, roll back.", "#chg-7",
)  # fmt: skip
CERTS = ChangeLine(
    5, "Rotate the API certificates", "completed", at("2026-12-01 21:00"), at("2026-12-01 22:00"), CHEN,
    what="monitoring", monitoring_until=at("2026-12-03 09:00"), note="Watch for TLS errors from old clients",
)  # fmt: skip
NOISE = (
    AlarmCount("payments", 14, (("card-declined-rate", 9), ("gateway-timeout", 3), ("queue-depth", 2))),
    AlarmCount("search", 3, (("slow-query", 3),)),
)
ON_CALL = (CoverSpan(at("2026-12-02 16:00"), at("2026-12-03 09:00"), "on-call", BILAL, CHEN),)


def wednesday_handover() -> Briefing:
    return Briefing(
        HandoverKind.HANDOVER, at("2026-12-02 16:00"), at("2026-12-02 16:00"), at("2026-12-03 09:00"),
        (ALICE,), BILAL, CHEN, cover=ON_CALL, incidents=(P1_PAYMENTS, P3_SEARCH, UNRANKED),
        changes=(POSTGRES, CERTS), alarms=NOISE,
        notes=(Note(3, at("2026-12-02 15:40"), "alice", "Payments queue is slow to drain.\nCall Dana if it backs up."),),
    )  # fmt: skip


def bank_holiday_handover() -> Briefing:
    """Friday before the late-May bank holiday: four nights, the turn changing on the Monday."""
    start, end = at("2027-05-28 16:00"), at("2027-06-01 09:00")
    cover = (
        CoverSpan(start, at("2027-05-31 09:00"), "on-call", BILAL, CHEN),
        CoverSpan(at("2027-05-31 09:00"), end, "on-call", DANA, EVE, "Spring bank holiday"),
    )
    changes = (
        ChangeLine(11, "Move DNS to the new provider", "approved", at("2027-05-29 07:00"), at("2027-05-29 08:00"), EVE),
        ChangeLine(12, "Patch the bastion hosts", "approved", at("2027-05-31 20:00"), at("2027-05-31 21:00"), None),
    )  # fmt: skip
    return Briefing(
        HandoverKind.HANDOVER, start, start, end, (ALICE,), BILAL, CHEN, cover=cover, changes=changes
    )


def hand_back() -> Briefing:
    resolved = IncidentLine(
        45, "payments", "Gateway timeouts", "resolved", "P2", at("2026-12-03 01:50"), "resolved",
        acknowledged_by="bilal",
    )  # fmt: skip
    opened = replace(UNRANKED, what="opened", state="acknowledged", acknowledged_by="chen")
    pages = (
        PageLine(45, "bilal", "primary", at("2026-12-03 01:51"), timedelta(minutes=4, seconds=12)),
        PageLine(44, "chen", "secondary", at("2026-12-03 03:10"), timedelta(hours=1, minutes=5)),
        PageLine(46, "bilal", "primary", at("2026-12-03 05:00"), None),
    )
    changes = (
        replace(POSTGRES, state="completed", what="done", note="Upgraded; replication caught up at 23:10"),
        ChangeLine(8, "Resize the Kafka cluster", "rolled-back", None, None, CHEN, what="rolled-back"),
    )
    return Briefing(
        HandoverKind.HAND_BACK, at("2026-12-03 09:00"), at("2026-12-02 16:00"), at("2026-12-03 09:00"),
        (BILAL, CHEN), DANA, None, cover=ON_CALL,
        incidents=(replace(P3_SEARCH, what="deferred"), opened, resolved), changes=changes, pages=pages,
    )  # fmt: skip


def turn_change() -> Briefing:
    start, end = at("2026-12-07 09:00"), at("2026-12-14 09:00")
    changes = (
        ChangeLine(14, "Renew the wildcard certificate", "approved", at("2026-12-09 19:00"), at("2026-12-09 20:00"), DANA),
    )  # fmt: skip
    leave = (
        LeaveLine(CHEN, "2026-12-09", "2026-12-11", "conference"),
        LeaveLine(ALICE, "2026-12-14", "2026-12-14"),
    )
    return Briefing(
        HandoverKind.TURN_CHANGE, start, start, end, (BILAL, CHEN), DANA, EVE,
        incidents=(P1_PAYMENTS,), changes=changes, leave=leave,
    )  # fmt: skip


def digest_ok() -> Briefing:
    review = ChangeLine(
        15,
        "Turn on query logging",
        "under-review",
        at("2026-12-05 20:00"),
        at("2026-12-05 21:00"),
        what="review",
    )
    github = GitHubSection(
        "ok",
        pull_requests=(
            GitHubItem("acme/api", 301, "Bump requests from 2.31.0 to 2.32.3", "https://github.com/acme/api/pull/301", at("2026-12-02 06:00")),
            GitHubItem("acme/web", 88, "Bump vite from 5.0.0 to 5.4.0", "https://github.com/acme/web/pull/88"),
        ),
        failed_runs=(
            GitHubItem("acme/api", 9912, "CI: tests failed on main", "https://github.com/acme/api/actions/runs/9912", at("2026-12-03 02:14")),
        ),
    )  # fmt: skip
    return Briefing(
        HandoverKind.DIGEST, at("2026-12-03 09:00"), at("2026-12-03 09:00"), at("2026-12-03 16:00"),
        (), BILAL, CHEN, incidents=(P1_PAYMENTS,), changes=(review, replace(POSTGRES, start=at("2026-12-03 22:00"), end=at("2026-12-03 23:30"))),
        github=github, support=DANA,
        promises=(PromiseLine(4, "Payments <b>degraded</b>", "alice", at("2026-12-03 08:30"), 41),),
        requests=(
            RequestLine(7, "Cannot reach the registry", "team-x", at("2026-12-02 15:55"), timedelta(minutes=20)),
            RequestLine(9, "Quota increase for *prod*", "@here", at("2026-12-01 10:00"), timedelta(hours=5), "late"),
            RequestLine(5, "Grant access to logs", "team-z", at("2026-11-30 10:00"), timedelta(hours=9), "unanswered"),
        ),
    )  # fmt: skip


def digest_failed() -> Briefing:
    """GitHub could not be read, and yesterday's handover was missed."""
    github = GitHubSection(
        "failed", "GitHub did not answer (HTTP 503) for acme/api: the next digest tries again"
    )
    return replace(
        digest_ok(),
        incidents=(),
        changes=(),
        github=github,
        missed=(Missed("handover", at("2026-12-02 16:00")),),
    )


def late_handover() -> Briefing:
    return replace(
        wednesday_handover(),
        timeliness=Timeliness.LATE,
        incidents=(),
        changes=(),
        alarms=(),
        notes=(),
    )


HOSTILE = "<!channel> ```rm -rf``` *bold* _it_ ~x~ <https://evil.example|click> \u202eexe.txt\u202c \x1b[31mred\x1b[0m"


def hostile() -> Briefing:
    """Outside text that tries to ping everyone, open code spans, hide links, reorder itself, colour a
    terminal and run on for ever."""
    incident = replace(P1_PAYMENTS, service="pay`ments", summary=HOSTILE + " " + "x" * 400)
    change = replace(
        POSTGRES, title="Line one\nLine two " + HOSTILE, instructions=HOSTILE + "\n\n" + "step\n" * 30
    )
    return replace(
        wednesday_handover(),
        giver=(Person(EngineerId("mallory"), "Mal\u202elory <@U0ADMIN>"),),
        incidents=(incident,),
        changes=(change,),
        alarms=(AlarmCount("evil\nservice", 2, ((HOSTILE, 2),)),),
        notes=(Note(9, at("2026-12-02 15:00"), "alice", f"{HOSTILE}\n> quoted\n&amp; done"),),
    )


CASES = {
    "wednesday-handover": wednesday_handover,
    "bank-holiday-handover": bank_holiday_handover,
    "hand-back": hand_back,
    "turn-change": turn_change,
    "digest-github-ok": digest_ok,
    "digest-github-failed-and-missed": digest_failed,
    "late-handover": late_handover,
    "hostile-text": hostile,
}


def notice(briefing: Briefing, handover: int = 12) -> HandoverNotice:
    receivers = tuple(p.id for p in briefing.receivers)
    return HandoverNotice(handover, briefing, "#ops-team", receivers, LONDON, f"handover:{handover}")
