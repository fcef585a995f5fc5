"""The support report over the real service: requests of a period grouped by label and by engineer, with
median and 90th-percentile waits in support hours and the requests past each target."""

from __future__ import annotations

from pathlib import Path

from opsdesk.services.support.views import report_rows
from tests.support_world import BILAL, EVE, REQUESTER, SupportWorld, london


def test_the_report_groups_by_label_and_engineer_in_support_hours(cache_dir: Path) -> None:
    world = SupportWorld(None, cache_dir, london("2026-12-07 09:00"))
    board = world.service
    for title, labels in (("VPN", ["vpn"]), ("Registry over VPN", ["vpn", "registry"]), ("Other", [])):
        board.new(title, "", REQUESTER, labels=labels)
    for request_id, triaged, answered, done in (
        (1, "09:10", "09:20", "11:00"),
        (2, "09:30", "10:00", "13:00"),
    ):
        world.at(f"2026-12-07 {triaged}")
        board.triage(request_id, EVE, accept="P2")
        board.assign(request_id, EVE, "bilal")
        world.at(f"2026-12-07 {answered}")
        board.comment(request_id, BILAL, "On it")
        world.at(f"2026-12-07 {done}")
        board.move(request_id, BILAL, "done")
    world.at("2026-12-08 12:00")  # SR-3 has waited 10 support hours for anyone at all
    board.new("Tuesday's", "", REQUESTER)  # not in the period
    rows = {
        (r["by"], r["group"]): r
        for r in report_rows(board.report(london("2026-12-07 00:00"), london("2026-12-08 00:00")))
    }
    assert list(rows) == [
        ("label", "registry"),
        ("label", "vpn"),
        ("label", "(none)"),
        ("engineer", "bilal"),
        ("engineer", "(unassigned)"),
        ("all", "all"),
    ]
    vpn = rows[("label", "vpn")]
    assert (vpn["count"], vpn["triage_median_s"], vpn["triage_p90_s"]) == (2, 1200, 1680)
    assert (vpn["first_response_median_s"], vpn["done_median_s"], vpn["done_p90_s"]) == (2400, 10800, 13680)
    assert rows[("label", "registry")]["triage_p90_s"] == 1800
    alone = rows[("label", "(none)")]
    assert (alone["count"], alone["triage_median_s"], alone["done_median_s"]) == (1, "", "")
    assert (alone["triage_late"], alone["first_response_late"], alone["done_late"]) == (1, 1, 0)
    everyone = rows[("all", "all")]
    assert (everyone["count"], everyone["triage_late"], everyone["first_response_late"]) == (3, 1, 1)
    assert rows[("engineer", "bilal")]["count"] == 2
