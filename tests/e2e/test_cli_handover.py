"""`opsdesk handover ...` as a user runs it: preview, note, show, list, ack, and the errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from opsdesk.adapters.db.engine import make_engine
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.handover.model import Briefing, HandoverKind, Person
from opsdesk.domain.rota import EngineerId
from tests.e2e.conftest import Run
from tests.rota_builders import team


def setup(opsdesk: Run, workdir: Path) -> Engine:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    assert opsdesk("db", "upgrade").returncode == 0
    return make_engine(f"sqlite:///{workdir / 'opsdesk.db'}")


def person(engineer: str) -> Person:
    return Person(EngineerId(engineer), engineer.capitalize())


def keep_handover(db: Engine) -> int:
    """The Wednesday 2 December handover, as a worker would have kept it."""
    at = datetime(2026, 12, 2, 16, tzinfo=UTC)
    briefing = Briefing(
        HandoverKind.HANDOVER,
        at,
        at,
        datetime(2026, 12, 3, 9, tzinfo=UTC),
        (person("chen"),),
        person("alice"),
        person("bilal"),
    )
    with SqlUnitOfWork(db) as uow:
        record = uow.handovers.add("handover:2026-12-02T16:00Z", briefing, at)
        uow.commit()
    assert record is not None
    return record.id


def test_preview_at_an_instant_as_json(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    shown = opsdesk("handover", "preview", "--at", "2026-12-02T15:00", "--json")
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert document["at"] == "2026-12-02T16:00:00+00:00"
    assert document["from"] == {"id": "chen", "name": "Chen"}
    assert document["to"] == {
        "primary": {"id": "alice", "name": "Alice"},
        "secondary": {"id": "bilal", "name": "Bilal"},
    }
    assert document["stretch"] == {"start": "2026-12-02T16:00:00+00:00", "end": "2026-12-03T09:00:00+00:00"}
    assert (document["incidents"], document["changes"], document["notes"]) == ([], [], [])
    # A Saturday names the Friday handover that covers it.
    saturday = json.loads(opsdesk("handover", "preview", "--at", "2026-12-05T12:00", "--json").stdout)
    assert (saturday["at"], saturday["stretch"]["end"]) == (
        "2026-12-04T16:00:00+00:00",
        "2026-12-07T09:00:00+00:00",
    )


def test_preview_with_a_time_that_cannot_be_read(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    bad = opsdesk("handover", "preview", "--at", "Thurs 14/1 from 6pm")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: --at ")
    assert "ISO 8601" in bad.stderr


def test_a_note_is_kept_and_a_bad_one_refused(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    kept = opsdesk("handover", "note", "Payments deploy paused until Thursday", "--as", "chen")
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.strip() == "note 1 kept for the next handover"
    long = opsdesk("handover", "note", "x" * 2500, "--as", "chen")
    assert long.returncode == 1
    assert "at most 2000 characters and this one has 2500" in long.stderr
    empty = opsdesk("handover", "note", "   ", "--as", "chen")
    assert (empty.returncode, empty.stderr.strip()) == (
        1,
        "error: the note is empty: write what the on-call engineers should know",
    )


def test_show_list_and_ack(opsdesk: Run, workdir: Path) -> None:
    db = setup(opsdesk, workdir)
    none_yet = opsdesk("handover", "show")
    assert none_yet.returncode == 1
    assert "no handover has been made yet" in none_yet.stderr
    number = keep_handover(db)
    shown = opsdesk("handover", "show", "--date", "2026-12-02")
    assert shown.returncode == 0, shown.stderr
    assert "Not acknowledged yet." in shown.stdout
    listed = opsdesk("handover", "list")
    assert listed.stdout.startswith(f"#{number} handover    Wed 02 Dec 2026 16:00 to Alice and Bilal")
    assert "not acknowledged" in listed.stdout
    refused = opsdesk("handover", "ack", str(number), "--as", "dana")
    assert refused.returncode == 3
    assert "only its receivers acknowledge the handover #1: alice or bilal" in refused.stderr
    done = opsdesk("handover", "ack", "--as", "bilal")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"handover #{number} acknowledged by bilal"
    again = opsdesk("handover", "ack", str(number), "--as", "alice")
    assert again.returncode == 1
    assert "acknowledged already, by bilal" in again.stderr
    as_json = json.loads(opsdesk("handover", "show", str(number), "--json").stdout)
    assert as_json["acknowledged"]["by"] == "bilal"
    assert as_json["acknowledged"]["via"] == "cli"


def test_a_day_without_a_handover(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    weekend = opsdesk("handover", "show", "--date", "2026-12-05")
    assert weekend.returncode != 0
    assert "no handover was made on Sat 05 Dec 2026" in weekend.stderr
    assert "`opsdesk handover show --date 2026-12-04`" in weekend.stderr
    bad = opsdesk("handover", "show", "--date", "5th December")
    assert bad.returncode == 2
    assert "give it as YYYY-MM-DD" in bad.stderr


def test_a_worker_plans_the_coming_moments(opsdesk: Run, workdir: Path) -> None:
    """`opsdesk worker` plans a job for every briefing of the next two days (the key keeps it to one)."""
    db = setup(opsdesk, workdir)
    before = datetime.now(UTC)
    for _ in range(2):
        ran = opsdesk("worker", "--once")
        assert ran.returncode == 0, ran.stderr
    with db.connect() as connection:
        planned = connection.execute(
            text("SELECT received_at FROM intake_receipts WHERE key = 'handover:planned-through'")
        ).scalar_one()
        keys = [k for (k,) in connection.execute(text("SELECT key FROM jobs WHERE kind = 'handover-make'"))]
    reached = datetime.fromisoformat(str(planned)).replace(tzinfo=UTC)
    assert before + timedelta(days=2) <= reached <= datetime.now(UTC) + timedelta(days=2)
    assert len(keys) == len(set(keys))
    assert all(k.split(":")[0] in {"handover", "hand-back", "digest", "turn-change"} for k in keys)
