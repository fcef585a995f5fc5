"""The GitHub channel (githubkit) against a local fake of GitHub's issue comments and labels API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsdesk.adapters.github.channel import GitHubChannel, reply_marker
from opsdesk.domain.outbox import Arrival, DeliveryError, OutgoingMessage
from tests.fake_github import TOKEN, FakeGitHub

MARKER = "<!-- opsdesk:change-status -->"


def status(body: str, state: str) -> OutgoingMessage:
    payload = {
        "repository": "team/platform",
        "issue": 7,
        "kind": "status",
        "body": f"{MARKER}\n{body}",
        "labels": [f"ooh: {state}"],
        "label_prefix": "ooh: ",
        "marker": MARKER,
    }
    return OutgoingMessage("github", "team/platform#7", payload, f"status-{state}")


def test_one_status_comment_edited_in_place_and_the_state_label(fake_github: FakeGitHub) -> None:
    fake_github.labels[("team/platform", 7)] = ["support", "ooh: needs-info"]
    channel = GitHubChannel(TOKEN, fake_github.url)
    channel.send(status("needs info", "needs-info"))
    channel.send(status("under review", "under-review"))
    comments = fake_github.on("team/platform", 7)
    assert [c["body"] for c in comments] == [f"{MARKER}\nunder review"]
    assert fake_github.labels[("team/platform", 7)] == ["support", "ooh: under-review"]
    reply = OutgoingMessage(
        "github",
        "team/platform#7",
        {"repository": "team/platform", "issue": 7, "kind": "reply", "body": "@x: no"},
        "r1",
    )
    channel.send(reply)
    shown, hidden = [c["body"] for c in fake_github.on("team/platform", 7)][-1].split("\n\n")
    assert (shown, hidden) == ("@x: no", reply_marker("r1"))  # the marker is an HTML comment: not shown


def reply(key: str) -> OutgoingMessage:
    payload = {"repository": "team/platform", "issue": 7, "kind": "reply", "body": "Approved"}
    return OutgoingMessage("github", "team/platform#7", payload, key)


def test_a_reply_whose_answer_was_lost_is_found_not_posted_again(fake_github: FakeGitHub) -> None:
    channel = GitHubChannel(TOKEN, fake_github.url)
    channel.send(reply("change:1:approved:github"))
    since = datetime.now(UTC)
    assert channel.arrival(reply("change:1:approved:github"), since) is Arrival.ARRIVED
    assert channel.arrival(reply("change:1:rejected:github"), since) is Arrival.SEND
    assert channel.arrival(status("x", "approved"), since) is Arrival.SEND  # edited in place: safe
    assert len(fake_github.on("team/platform", 7)) == 1


@pytest.mark.parametrize(
    ("status_code", "retry_after", "permanent"),
    [
        (500, None, False),
        (502, None, False),
        (429, timedelta(seconds=60), False),
        (404, None, True),
        (422, None, True),
    ],
)
def test_failures_say_whether_to_retry(
    fake_github: FakeGitHub, status_code: int, retry_after: timedelta | None, permanent: bool
) -> None:
    fake_github.script.append(status_code)
    with pytest.raises(DeliveryError) as caught:
        GitHubChannel(TOKEN, fake_github.url).send(status("x", "approved"))
    assert (caught.value.retry_after, caught.value.permanent) == (retry_after, permanent)


def test_a_wrong_token_is_permanent(fake_github: FakeGitHub) -> None:
    with pytest.raises(DeliveryError) as caught:
        GitHubChannel("ghp_wrong", fake_github.url).send(status("x", "approved"))
    assert caught.value.permanent
    assert caught.value.reason == "HTTP 401 from GitHub"
