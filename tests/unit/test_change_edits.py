"""What an edit changed in a request's substance: whitespace never counts, every section and the title do."""

from __future__ import annotations

import pytest

from opsdesk.adapters.github.form import read_request
from opsdesk.domain.changes.edits import substance_changed
from tests.change_world import request_body

TITLE = "Payments: database upgrade"
BODY = request_body()


@pytest.mark.parametrize(
    ("title", "body", "changed"),
    [
        (TITLE, BODY, []),
        (f"  {TITLE} ", BODY.replace("\n", "\r\n") + "\n\n", []),
        (TITLE, request_body(**{"Change Details": "Upgrade   the payments\ndatabase"}), []),
        (TITLE, "Intro text a form ignores\n\n" + BODY, []),
        (
            TITLE,
            request_body(**{"Change Details": "Upgrade the payments database and drop a table"}),
            ["Change Details"],
        ),
        (TITLE, request_body("Wednesday 3rd March 2027 18:00-20:00"), ["Scheduled Time"]),
        (TITLE, request_body(**{"Impact Assesment": "None"}), ["Impact Assesment"]),
        (TITLE, request_body(**{"Rollback Plan": "_No response_"}), ["Rollback Plan"]),
        ("Payments: database upgrade v2", BODY, ["the title"]),
        (
            "Other",
            "no form at all",
            ["the title", "Change Details", "Scheduled Time", "Impact Assesment", "Rollback Plan"],
        ),
    ],
)
def test_what_an_edit_changed(title: str, body: str, changed: list[str]) -> None:
    assert substance_changed(TITLE, BODY, title, body, read_request) == changed


def test_text_that_is_not_the_form_is_compared_whole() -> None:
    assert substance_changed("T", "Our app  is slow", "T", "Our app is\nslow", read_request) == []
    assert substance_changed("T", "Our app is slow", "T", "Our app is fast", read_request) == ["the text"]
