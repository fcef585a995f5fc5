"""The GitHub webhook end to end: signed deliveries in, change requests out, comments and labels on a fake
GitHub through the outbox."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.config.settings import Settings
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import ApiContext, api_context
from tests.change_world import ENGINEERS, request_body
from tests.fake_github import TOKEN, FakeGitHub
from tests.rota_builders import team

SECRET = "webhook-secret-for-tests"
REPO = "team/platform"


@dataclass
class Hook:
    client: TestClient
    context: ApiContext
    settings: Settings
    github: FakeGitHub
    sent: int = 0

    def send(
        self, event: str, payload: dict[str, Any], delivery: str | None = None, secret: str = SECRET
    ) -> Any:
        self.sent += 1
        raw = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or f"delivery-{self.sent}",
            "X-Hub-Signature-256": signature,
            "Content-Type": "application/json",
        }
        return self.client.post("/api/v1/integrations/github", content=raw, headers=headers)

    def deliver(self) -> None:
        worker = self.context.app.deliverer()
        while worker.run_once():
            pass


def issue(
    action: str,
    body: str,
    number: int = 7,
    title: str = "Service name: payments",
    author: str = "pay-dev",
    updated_at: str = "2027-02-20T10:00:00Z",
) -> dict[str, Any]:
    return {
        "action": action,
        "repository": {"full_name": REPO},
        "issue": {
            "number": number,
            "title": title,
            "body": body,
            "user": {"login": author},
            "created_at": "2027-02-20T10:00:00Z",
            "updated_at": updated_at,
        },
    }


def comment(
    body: str, author: str, comment_id: int = 99, number: int = 7, at: str = "2027-02-20T11:00:00Z"
) -> dict[str, Any]:
    return {
        "action": "created",
        "repository": {"full_name": REPO},
        "issue": {"number": number},
        "comment": {
            "id": comment_id,
            "body": body,
            "user": {"login": author},
            "created_at": at,
            "updated_at": at,
        },
    }


@pytest.fixture
def hook(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Hook]:
    monkeypatch.setenv("OPSDESK_GITHUB_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("OPSDESK_GITHUB_TOKEN", TOKEN)
    policy = tmp_path / "opsdesk.yaml"
    document = team(engineers=ENGINEERS, service={"github-api-url": fake_github.url})
    policy.write_text(json.dumps(document), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings)
    with TestClient(create_app(context)) as client:
        yield Hook(client, context, settings, fake_github)
    context.engine.dispose()


def test_an_issue_from_the_form_becomes_a_request_with_one_comment_and_a_label(hook: Hook) -> None:
    opened = hook.send("issues", issue("opened", request_body()))
    assert opened.status_code == 200
    assert opened.json() == {"status": "opened team/platform#7 (under-review)"}
    again = hook.send("issues", issue("opened", request_body()), delivery="delivery-1")
    assert again.json() == {"status": "duplicate delivery: ignored"}
    hook.deliver()
    (status,) = hook.github.on(REPO, 7)
    assert "out-of-hours change request team/platform#7: **under-review**" in status["body"]
    assert "- Window: Tue 02 Mar 2027 18:00 to Tue 02 Mar 2027 20:00 (Europe/London)" in status["body"]
    assert hook.github.labels[(REPO, 7)] == ["ooh: under-review"]
    # The author edits the issue: the window moves into support hours; checked again.
    moved = hook.send(
        "issues",
        issue(
            "edited", request_body("Monday 22nd February 2027 10:00-12:00"), updated_at="2027-02-20T10:30:00Z"
        ),
    )
    assert moved.json() == {"status": "checked team/platform#7 again (needs-info)"}
    hook.deliver()
    (status,) = hook.github.on(REPO, 7)  # the same comment, edited in place
    assert "**needs-info**" in status["body"]
    assert "`in-hours`" in status["body"]
    assert hook.github.labels[(REPO, 7)] == ["ooh: needs-info"]
    history = hook.context.changes.history(1)
    assert history[-2].message.startswith(
        "edited: Scheduled Time changed; the window moved: Tue 02 Mar 2027 18:00"
    )


def test_commands_from_an_engineer_act_and_from_anyone_else_are_refused(hook: Hook) -> None:
    hook.send("issues", issue("opened", request_body()))
    stranger = hook.send("issue_comment", comment("/approve @alice-a\nplease", "pay-dev", comment_id=1))
    assert stranger.json() == {"status": "refused: not a team engineer"}
    no_instructions = hook.send("issue_comment", comment("/approve @alice-a", "chen-w", comment_id=2))
    assert no_instructions.json() == {"status": "refused: instructions is needed and must not be empty"}
    approved = hook.send(
        "issue_comment", comment("/approve @alice-a\nTake a snapshot first.", "chen-w", comment_id=3)
    )
    assert approved.json() == {"status": "approved team/platform#7"}
    chatter = hook.send("issue_comment", comment("Thanks all!", "pay-dev", comment_id=4))
    assert chatter.json() == {"status": "not a command: ignored"}
    hook.deliver()
    bodies = hook.github.shown(REPO, 7)
    assert (
        bodies[1]
        == "@pay-dev: only the team&#x27;s engineers can approve or reject out-of-hours changes; this command was not carried out."
    )
    assert bodies[2] == "@chen-w: instructions is needed and must not be empty"
    assert any(b.startswith("**opsdesk**: Approved: team/platform#7") for b in bodies)
    change = hook.context.changes.change(1)
    assert (change.state, change.assigned, change.instructions) == (
        "approved",
        "alice",
        "Take a snapshot first.",
    )
    assert hook.github.labels[(REPO, 7)] == ["ooh: approved"]
    rejected = hook.send("issue_comment", comment("/reject clashes with the release", "chen-w", comment_id=5))
    assert rejected.json() == {"status": "rejected team/platform#7"}
    assert hook.context.changes.change(1).reason == "clashes with the release"


def test_refused_deliveries_store_nothing(hook: Hook) -> None:
    forged = hook.send("issues", issue("opened", request_body()), secret="not-the-secret")
    assert forged.status_code == 401
    unsigned = hook.client.post(
        "/api/v1/integrations/github", content=b"{}", headers={"X-GitHub-Event": "issues"}
    )
    assert unsigned.status_code == 401
    other = hook.send("issues", issue("opened", "Our app is slow, can you look?", title="Slow app"))
    assert other.json() == {"status": "not an out-of-hours support request: ignored"}
    malformed = hook.send("issues", {"action": "opened"})
    assert malformed.status_code == 400
    html = hook.send(
        "issues",
        issue("opened", request_body(**{"Change Details": "<img src=x onerror=alert(1)>"}), number=8),
    )
    assert html.status_code == 200
    assert hook.send("ping", {"zen": "hi"}).json() == {"status": "pong"}
    assert [c.issue for c in hook.context.changes.changes()] == [8]
    hook.deliver()
    (status,) = hook.github.on(REPO, 8)
    assert "<img" not in status["body"]


def test_odd_deliveries_are_clear_errors(hook: Hook) -> None:
    raw = json.dumps(issue("opened", request_body())).encode()
    odd = hook.client.post(
        "/api/v1/integrations/github",
        content=raw,
        headers={
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": "d",
            "X-Hub-Signature-256": ("sha256=" + "é" * 64).encode(),
        },
    )
    assert odd.status_code == 401
    huge = hook.send("issues", issue("opened", request_body(), number=10**23))
    assert huge.status_code == 400
    assert (
        huge.json()["detail"]
        == "not a GitHub issues event: issue number 100000000000000000000000 is out of range"
    )
    missing = hook.send(
        "issue_comment", {"action": "created", "repository": {"full_name": REPO}, "issue": {"number": 7}}
    )
    assert missing.json()["detail"] == "not a GitHub issue_comment event: 'comment' is missing"
    naive = hook.send("issues", issue("opened", request_body(), updated_at="2027-02-20T10:00:00"))
    assert naive.status_code == 400
    assert naive.json()["detail"] == (
        "not a GitHub issues event: updated_at '2027-02-20T10:00:00' has no time zone"
    )
    undated = comment("/approve @alice-a\ngo", "chen-w")
    del undated["comment"]["created_at"]
    assert hook.send("issue_comment", undated).json()["detail"] == (
        "not a GitHub issue_comment event: 'created_at' is missing"
    )
    assert hook.context.changes.changes() == []


def approved_request(hook: Hook) -> None:
    """Issue 7 opened at 10:00 and approved by chen-w in comment 3 at 11:00."""
    hook.send("issues", issue("opened", request_body()))
    approve = comment("/approve @alice-a\nTake a snapshot first.", "chen-w", comment_id=3)
    assert hook.send("issue_comment", approve, delivery="approve-1").json() == {
        "status": "approved team/platform#7"
    }


def test_a_replayed_approval_does_not_approve_a_request_moved_since(hook: Hook) -> None:
    approved_request(hook)
    moved = issue(
        "edited", request_body("Wednesday 3rd March 2027 18:00-20:00"), updated_at="2027-02-20T12:00:00Z"
    )
    assert hook.send("issues", moved).json() == {"status": "checked team/platform#7 again (under-review)"}
    # The captured, correctly signed /approve sent again under a new delivery id.
    approve = comment("/approve @alice-a\nTake a snapshot first.", "chen-w", comment_id=3)
    replay = hook.send("issue_comment", approve, delivery="approve-2")
    assert replay.status_code == 200
    assert replay.json() == {"status": "replayed delivery: this comment was already taken in; ignored"}
    assert hook.context.changes.change(1).state == "under-review"
    assert hook.context.changes.history(1)[-1].kind != "approved"
    # GitHub's own redelivery (the same delivery id) is a plain duplicate.
    again = hook.send("issue_comment", approve, delivery="approve-1")
    assert again.json() == {"status": "duplicate delivery: ignored"}
    assert hook.context.changes.change(1).state == "under-review"


def test_an_approval_written_before_the_request_changed_is_refused_with_a_reply(hook: Hook) -> None:
    hook.send("issues", issue("opened", request_body()))
    moved = issue(
        "edited", request_body("Wednesday 3rd March 2027 18:00-20:00"), updated_at="2027-02-20T12:00:00Z"
    )
    hook.send("issues", moved)
    # Written at 11:00 about the first window, delivered after the 12:00 edit.
    late = comment("/approve @alice-a\nTake a snapshot first.", "chen-w", comment_id=4)
    answer = hook.send("issue_comment", late)
    assert answer.json() == {"status": "refused: written before team/platform#7 last changed"}
    assert hook.context.changes.change(1).state == "under-review"
    hook.deliver()
    reply = hook.github.shown(REPO, 7)[-1]
    assert reply == (
        "@chen-w: this /approve was written before team/platform#7 last changed (Sat 20 Feb 2027 12:00 "
        "Europe/London), so it was not carried out: read the request as it is now and comment /approve again."
    )
    # A command written after the edit acts.
    fresh = comment("/approve @alice-a\nSnapshot first.", "chen-w", comment_id=5, at="2027-02-20T12:01:00Z")
    assert hook.send("issue_comment", fresh).json() == {"status": "approved team/platform#7"}


def test_an_older_edit_delivered_late_is_ignored(hook: Hook) -> None:
    hook.send("issues", issue("opened", request_body()))
    first = issue(
        "edited", request_body("Wednesday 3rd March 2027 18:00-20:00"), updated_at="2027-02-20T10:30:00Z"
    )
    second = issue(
        "edited", request_body("Thursday 4th March 2027 18:00-20:00"), updated_at="2027-02-20T10:45:00Z"
    )
    assert hook.send("issues", second).json() == {"status": "checked team/platform#7 again (under-review)"}
    stale = hook.send("issues", first)
    assert stale.json() == {
        "status": "stale: this version of the issue (2027-02-20 10:30:00 UTC) is older than one already "
        "taken in (2027-02-20 10:45:00 UTC); ignored"
    }
    change = hook.context.changes.change(1)
    assert change.window is not None
    assert change.window.start.isoformat() == "2027-03-04T18:00:00+00:00"
    assert "Thursday 4th March" in change.body
    assert hook.context.changes.history(1)[-1].kind == "ignored"


def test_an_edit_of_the_details_alone_withdraws_the_approval(hook: Hook) -> None:
    approved_request(hook)
    details = request_body(**{"Change Details": "Upgrade the payments database and drop two tables"})
    edited = hook.send("issues", issue("edited", details, updated_at="2027-02-20T12:00:00Z"))
    assert edited.json() == {"status": "checked team/platform#7 again (under-review)"}
    change = hook.context.changes.change(1)
    assert (change.state, change.window.start.isoformat() if change.window else None) == (
        "under-review",
        "2027-03-02T18:00:00+00:00",
    )
    withdrawn = hook.context.changes.history(1)[-1]
    assert (withdrawn.kind, withdrawn.message) == (
        "approval-withdrawn",
        "team/platform#7 changed after approval (edited: Change Details changed): the approval is "
        "withdrawn; review it again",
    )
    hook.deliver()
    assert hook.github.labels[(REPO, 7)] == ["ooh: under-review"]
    assert any("the approval is withdrawn" in c["body"] for c in hook.github.on(REPO, 7))


def test_an_edit_of_whitespace_alone_keeps_the_approval(hook: Hook) -> None:
    approved_request(hook)
    spaced = request_body(**{"Change Details": "Upgrade  the payments\ndatabase  "}).replace("\n", "\r\n")
    edited = hook.send("issues", issue("edited", spaced + "\n\n", updated_at="2027-02-20T12:00:00Z"))
    assert edited.json() == {"status": "checked team/platform#7 again (approved)"}
    assert hook.context.changes.change(1).state == "approved"
    assert hook.context.changes.history(1)[-2].message == "edited: nothing of substance changed"
    retitled = issue(
        "edited", spaced, title="Service name: payments (new DB)", updated_at="2027-02-20T12:05:00Z"
    )
    assert hook.send("issues", retitled).json() == {"status": "checked team/platform#7 again (under-review)"}
    assert hook.context.changes.history(1)[-1].message.startswith(
        "team/platform#7 changed after approval (edited: the title changed)"
    )


def test_an_engineer_approving_their_own_request_is_answered_on_the_issue(hook: Hook) -> None:
    hook.send("issues", issue("opened", request_body(), author="alice-a"))
    own = hook.send("issue_comment", comment("/approve @dana\nGo ahead.", "alice-a", comment_id=1))
    assert (own.status_code, own.json()) == (
        200,
        {"status": "refused: alice asked for team/platform#7, so another engineer must approve it"},
    )
    hook.deliver()
    assert hook.github.shown(REPO, 7)[-1] == (
        "@alice-a: alice asked for team/platform#7, so another engineer must approve it"
    )
    assert hook.context.changes.change(1).state == "under-review"


def test_an_issue_with_a_nul_becomes_a_request_with_the_nul_replaced(hook: Hook) -> None:
    body = request_body(**{"Change Details": "Upgrade\x00 the payments database"})
    opened = hook.send(
        "issues", issue("opened", body, title="Service name: pay\x00ments", author="pay\x00dev")
    )
    assert opened.json() == {"status": "opened team/platform#7 (under-review)"}
    change = hook.context.changes.change(1)
    assert (change.title, change.requester) == ("Service name: pay\ufffdments", "pay\ufffddev")
    assert "Upgrade\ufffd the payments database" in change.body
    edited = hook.send("issues", issue("edited", body.replace("Upgrade", "Upgrade\x00 again")))
    assert edited.json() == {"status": "checked team/platform#7 again (under-review)"}
    reply = hook.send("issue_comment", comment("/reject not\x00 now", "chen-w"))
    assert reply.json() == {"status": "rejected team/platform#7"}
    assert hook.context.changes.change(1).reason == "not\ufffd now"
