"""`opsdesk incident set --lead/--scribe` refusing who cannot take the role, and `incident show` naming
whom a page held until cover starts will page, as a user runs them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.e2e.conftest import Run
from tests.rota_builders import TEAM, team

SERVICES = [{"id": "platform", "name": "Platform", "escalation": {"final": "manager"}}]
MANAGER = {"id": "femi", "name": "Femi", "email": "femi@example.org", "manager": True, "on-call": False}


def setup(opsdesk: Run, workdir: Path, **changes: object) -> None:
    document = team(services=SERVICES, engineers=[*TEAM["engineers"], MANAGER], **changes)
    (workdir / "opsdesk.yaml").write_text(json.dumps(document), encoding="utf-8")
    assert opsdesk("db", "upgrade").returncode == 0


def test_lead_and_scribe_must_be_engineers_and_two_people_on_a_p1(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    opened = opsdesk(
        "incident", "open", "--service", "platform", "--summary", "Router down", "--priority", "P1"
    )
    assert opened.returncode == 0, opened.stderr
    stranger = opsdesk("incident", "set", "1", "--lead", "zoe")
    assert stranger.returncode == 1
    assert stranger.stderr.strip() == (
        "error: lead 'zoe' is not an engineer of the team; choose one of: alice, bilal, chen, dana, eve, omar, "
        "femi"
    )
    both = opsdesk("incident", "set", "1", "--lead", "alice", "--scribe", "alice")
    assert both.returncode == 1
    assert both.stderr.strip() == (
        "error: scribe: on a P1 the lead and the scribe must be two people, and alice would be both; choose "
        "the scribe from: bilal, chen, dana, eve, omar, femi"
    )
    assert opsdesk("incident", "set", "1", "--lead", "alice", "--scribe", "femi").returncode == 0
    shown = json.loads(opsdesk("incident", "show", "1", "--json").stdout)
    assert (shown["lead"], shown["scribe"], shown["missing"]) == ("alice", "femi", [])
    assert opsdesk("incident", "set", "1", "--scribe", "x\u202ey").stderr.startswith(
        "error: scribe 'x\\u202ey' is not an engineer"  # the control is shown escaped, never applied
    )


def test_show_names_whom_a_held_page_will_page(opsdesk: Run, workdir: Path) -> None:
    # The command runs on the real clock: on-call is one hour a day, starting two hours from now (or in the
    # small hours when that would pass midnight), so there is no cover now and a page is held for it.
    hour = (datetime.now(ZoneInfo("Europe/London")).hour + 2) % 22
    day = {"on-call": [f"{hour:02d}:00-{hour + 1:02d}:00"]}
    hours = {"working-day": day, "weekend": day, "bank-holiday": day}
    setup(opsdesk, workdir, hours=hours, rota={})  # nobody on the rota: the final tier is paged
    opened = opsdesk("incident", "open", "--service", "platform", "--summary", "Backups late")
    assert opened.returncode == 0, opened.stderr
    held = [line.strip() for line in opened.stdout.splitlines() if "held for cover" in line]
    assert len(held) == 2, opened.stdout  # under the heading, and the timeline's entry
    assert held[0].startswith("held for cover: femi (manager) is paged at ")
    assert held[0].endswith(f" {hour:02d}:00 unless it is resolved first")
    shown = json.loads(opsdesk("incident", "show", "1", "--json").stdout)
    assert (shown["held_page"]["engineers"], shown["held_page"]["role"]) == (["femi"], "manager")
