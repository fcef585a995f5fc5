"""GitHub issues on the support board, end to end: signed deliveries in, the board kept in step (opened,
labelled, edited, closed, reopened, commented), replies on a local fake GitHub through the outbox; a
repeated delivery changes nothing, and the change-request form keeps its own path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.config.settings import Settings
from opsdesk.domain.support.model import Status, Triage
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import api_context
from tests.change_world import ENGINEERS, request_body
from tests.e2e.test_github_webhook import REPO, SECRET, Hook, comment
from tests.fake_github import TOKEN, FakeGitHub
from tests.rota_builders import team

LABEL = "support-request"


def issue(
    action: str,
    labels: tuple[str, ...] = (LABEL,),
    *,
    number: int = 21,
    title: str = "Cannot log in to Grafana",
    body: str = "SSO loops back to the login page.",
    author: str = "pay-dev",
    updated_at: str = "2026-12-04T15:55:00Z",
    sender: str = "pay-dev",
) -> dict[str, Any]:
    return {
        "action": action,
        "repository": {"full_name": REPO},
        "sender": {"login": sender},
        "issue": {
            "number": number,
            "title": title,
            "body": body,
            "user": {"login": author},
            "labels": [{"id": n, "name": name, "color": "ededed"} for n, name in enumerate(labels)],
            "html_url": f"https://github.com/{REPO}/issues/{number}",
            "state": "closed" if action == "closed" else "open",
            "created_at": "2026-12-04T15:55:00Z",
            "updated_at": updated_at,
        },
    }


@pytest.fixture
def hook(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Hook]:
    monkeypatch.setenv("OPSDESK_GITHUB_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("OPSDESK_GITHUB_TOKEN", TOKEN)
    policy = tmp_path / "opsdesk.yaml"
    document = team(
        engineers=[*ENGINEERS, {"id": "eve", "name": "Eve", "email": "eve@example.org", "github": "eve-g"}],
        service={"github-api-url": fake_github.url},
        support={"label": LABEL, "channel": "#ask-platform"},
    )
    policy.write_text(json.dumps(document), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings)
    with TestClient(create_app(context)) as client:
        yield Hook(client, context, settings, fake_github)
    context.engine.dispose()


def status(hook: Hook, payload: dict[str, Any], event: str = "issues", delivery: str | None = None) -> str:
    answer = hook.send(event, payload, delivery)
    assert answer.status_code == 200, answer.text
    said: str = answer.json()["status"]
    return said


def test_an_issue_on_the_board_is_kept_in_step_and_a_repeat_changes_nothing(hook: Hook) -> None:
    board = hook.context.app.support
    assert status(hook, issue("opened"), delivery="d-open") == f"opened SR-1 from {REPO}#21"
    assert status(hook, issue("opened"), delivery="d-open") == "duplicate delivery: ignored"
    replay = status(hook, issue("opened"), delivery="d-open-again")
    assert replay == "replayed delivery: this version of the issue was already taken in; ignored"
    request = board.request(1)
    assert (request.title, request.requester, request.issue_reference, request.labels) == (
        "Cannot log in to Grafana",
        "pay-dev",
        f"{REPO}#21",
        (),
    )
    assert request.link == f"https://github.com/{REPO}/issues/21"
    labelled = issue("labeled", (LABEL, "grafana"), updated_at="2026-12-04T15:56:00Z")
    assert status(hook, labelled) == "updated SR-1: edited on GitHub: the labels changed"
    assert board.request(1).labels == ("grafana",)
    answer = comment("Which browser?", "eve-g", comment_id=501, number=21, at="2026-12-07T09:20:00Z")
    assert status(hook, answer, "issue_comment") == "commented on SR-1"
    assert (
        status(hook, answer, "issue_comment")
        == "replayed delivery: this comment was already taken in; ignored"
    )
    closed = issue("closed", (LABEL, "grafana"), updated_at="2026-12-07T10:00:00Z", sender="eve-g")
    assert status(hook, closed, delivery="d-close") == "closed SR-1 (done)"
    assert status(hook, closed, delivery="d-close") == "duplicate delivery: ignored"
    done = board.request(1)
    assert (done.status, done.done_at.isoformat() if done.done_at else None) == (
        Status.DONE,
        "2026-12-07T10:00:00+00:00",
    )
    assert (
        done.first_response_at.isoformat() if done.first_response_at else None
    ) == "2026-12-07T09:20:00+00:00"
    assert board.waits(done).first_response == timedelta(minutes=25)  # 5 on Friday, 20 on Monday
    reopened = issue("reopened", (LABEL, "grafana"), updated_at="2026-12-07T11:00:00Z")
    assert status(hook, reopened) == "reopened SR-1 (todo)"
    assert (board.request(1).status, board.request(1).done_at) == (Status.TODO, None)
    late_close = issue(
        "closed", (LABEL, "grafana"), updated_at="2026-12-07T10:30:00Z"
    )  # older, delivered late
    assert status(hook, late_close).startswith("stale: this version of the issue (2026-12-07 10:30:00 UTC)")
    assert board.request(1).status is Status.TODO
    assert [(e.kind, e.actor) for e in board.history(1)] == [
        ("created", "pay-dev"),
        ("edited", "pay-dev"),
        ("commented", "eve"),
        ("moved", "eve-g"),
        ("reopened", "pay-dev"),
        ("ignored", "pay-dev"),
    ]
    assert [(c.author, c.source) for c in board.comments(1)] == [("eve", Source.GITHUB)]


def test_a_label_added_later_puts_an_issue_on_the_board(hook: Hook) -> None:
    plain = issue("opened", ())
    assert (
        status(hook, plain) == "not an out-of-hours support request: ignored"
    )  # the change workflow's answer
    closed = issue("closed", (), updated_at="2026-12-04T15:57:00Z")
    assert status(hook, closed) == "closed: nothing to do"
    assert hook.context.app.support.requests() == []
    added = issue("labeled", ("bug", LABEL), updated_at="2026-12-04T16:10:00Z")
    assert status(hook, added) == f"opened SR-1 from {REPO}#21"
    assert hook.context.app.support.request(1).labels == ("bug",)
    removed = issue("unlabeled", ("bug",), updated_at="2026-12-04T16:20:00Z")
    assert status(hook, removed) == "updated SR-1: the support label was removed: it stays on the board"


def test_the_change_request_form_is_never_a_support_request(hook: Hook) -> None:
    form = issue("opened", (LABEL,), number=7, title="Service name: payments", body=request_body())
    assert status(hook, form) == f"opened {REPO}#7 (under-review)"
    assert hook.context.changes.change(1).issue == 7
    # A change request's issue stays the change workflow's, whatever its labels and text become.
    edited = issue(
        "edited", (LABEL,), number=7, title="Payments", body="plain words", updated_at="2026-12-04T16:00:00Z"
    )
    assert status(hook, edited).startswith(f"checked {REPO}#7 again")
    assert hook.context.app.support.requests() == []
    note = comment("Thanks", "pay-dev", comment_id=77, number=7)
    assert status(hook, note, "issue_comment") == "not a command: ignored"


def test_triage_is_answered_on_the_issue_escaped_and_opsdesks_reply_is_not_a_comment(hook: Hook) -> None:
    title = "<img src=x onerror=alert(1)> SSO & <!channel>"
    status(hook, issue("opened", title=title, body="b" * 16_500))
    board = hook.context.app.support
    request = board.request(1)
    assert (request.title, len(request.body)) == (title, 16_000)
    assert (
        board.history(1)[-1].message == "the text was cut to 16,000 characters; the whole issue is on GitHub"
    )
    board.triage(1, Actor("alice", Source.CLI), decline="Grafana <access> is self-service")
    hook.deliver()
    (reply,) = hook.github.shown(REPO, 21)
    assert reply == "**opsdesk**: SR-1 is declined: Grafana &lt;access&gt; is self-service"
    echoed = comment(reply, "opsdesk[bot]", comment_id=900, number=21)
    assert status(hook, echoed, "issue_comment") == "opsdesk's own reply: ignored"
    assert board.comments(1) == []
    assert (board.request(1).status, board.request(1).triage) == (Status.DONE, Triage.DECLINED)
    (post,) = [r for r in hook.context.outbox.rows(limit=100) if r.message.destination == "#ask-platform"]
    assert post.message.payload["text"].startswith(
        "New support request SR-1 from pay-dev: &lt;img src=x onerror=alert(1)&gt; SSO &amp; &lt;!channel&gt;"
    )
