"""The digest's GitHub section (githubkit) against a local fake of GitHub's pulls and workflow-runs API."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from githubkit import GitHub

from opsdesk.adapters.github.digest import GitHubDigestReader
from opsdesk.domain.handover.model import GitHubItem, GitHubSection
from tests.builders import utc
from tests.fake_github import TOKEN, FakeGitHub

SINCE = utc("2027-02-19 10:00")  # a day before the fake's runs and pull requests


def reader(fake: FakeGitHub, token: str | None = TOKEN, timeout: float = 5) -> GitHubDigestReader:
    return GitHubDigestReader(token, fake.url, timeout=timeout)


def test_dependabots_open_pull_requests_and_the_runs_that_failed_since(fake_github: FakeGitHub) -> None:
    fake_github.pull("team/api", 12, "Bump requests from 2.31.0 to 2.32.0")
    fake_github.pull("team/api", 13, "Refactor the billing client", login="alice")
    fake_github.pull("team/web", 4, "Bump vite from 5.0.0 to 5.0.12", at="2027-02-20T11:00:00Z")
    fake_github.run("team/api", 40, "CI", at="2027-02-20T09:00:00Z")
    fake_github.run("team/api", 38, "CI", at="2027-02-19T09:59:59Z")  # before `since`
    fake_github.run("team/api", 41, "Deploy", conclusion="success", at="2027-02-20T09:30:00Z")

    section = reader(fake_github).read(["team/api", "team/web"], SINCE)

    assert section == GitHubSection(
        "ok",
        "",
        (
            GitHubItem(
                "team/api",
                12,
                "Bump requests from 2.31.0 to 2.32.0",
                "https://github.com/team/api/pull/12",
                utc("2027-02-20 10:00"),
            ),
            GitHubItem(
                "team/web",
                4,
                "Bump vite from 5.0.0 to 5.0.12",
                "https://github.com/team/web/pull/4",
                utc("2027-02-20 11:00"),
            ),
        ),
        (
            GitHubItem(
                "team/api",
                40,
                "CI on main",
                "https://github.com/team/api/actions/runs/30433682",
                utc("2027-02-20 09:00"),
            ),
        ),
    )
    runs_asked = [q for q in fake_github.queries if "status" in q]
    assert runs_asked[0] == {"status": "failure", "created": ">=2027-02-19T10:00:00Z", "per_page": "100"}


def test_twenty_of_each_kind_per_repository_then_a_count(fake_github: FakeGitHub) -> None:
    for number in range(1, 24):
        fake_github.pull("team/api", number, f"Bump package-{number}")
    for number in range(1, 22):
        fake_github.run("team/api", number, "CI")

    section = reader(fake_github).read(["team/api"], SINCE)

    assert (len(section.pull_requests), len(section.failed_runs)) == (20, 20)
    assert section.message.splitlines() == [
        "team/api: and 3 more open Dependabot pull requests, not listed",
        "team/api: and 1 more failed run, not listed",
    ]


def test_hostile_fields_stay_data(fake_github: FakeGitHub) -> None:
    pull = fake_github.pull("team/api", 12, "Bump \u202eevil\u202c\x00 " + "x" * 5000)
    pull["html_url"] = "javascript:alert(1)//https://github.com"
    fake_github.pull("team/api", 13, "a number that is not one")["number"] = "13"
    fake_github.pull("team/api", 14, "no author")["user"] = None
    fake_github.run("team/api", 40, "CI\nsecond line")["head_branch"] = "main|<!channel>"

    section = reader(fake_github).read(["team/api"], SINCE)

    (pull_request,) = section.pull_requests
    assert pull_request.title.startswith("Bump \u202eevil\u202c\ufffd xxx")  # bidi kept, NUL replaced
    assert (len(pull_request.title), pull_request.title[-1], pull_request.url) == (200, "…", "")
    assert [r.title for r in section.failed_runs] == ["CI second line on main|<!channel>"]


def test_a_refused_token_says_so(fake_github: FakeGitHub) -> None:
    fake_github.pull("team/api", 12, "Bump requests")

    section = reader(fake_github, token="ghp_wrong").read(["team/api", "team/web"], SINCE)

    assert (section.state, section.message) == (
        "failed",
        "GitHub refused the token (401): check OPSDESK_GITHUB_TOKEN",
    )
    assert len(fake_github.requests) == 1  # the other repository is not tried with the same token


def test_a_spent_rate_limit_says_until_when(fake_github: FakeGitHub) -> None:
    reset = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=40)
    fake_github.limit_rate(reset)

    section = reader(fake_github).read(["team/api"], SINCE)

    assert (section.state, section.message) == (
        "failed",
        f"GitHub's rate limit is reached until {reset:%H:%M} UTC; the next digest tries again",
    )


def test_a_429_without_a_reset_time_still_says_the_rate_limit(fake_github: FakeGitHub) -> None:
    fake_github.script.append(429)

    section = reader(fake_github).read(["team/api"], SINCE)

    assert section.message == "GitHub's rate limit is reached; the next digest tries again"


def test_a_missing_repository_is_named_and_the_others_listed(fake_github: FakeGitHub) -> None:
    fake_github.hidden.add("team/gone")
    fake_github.pull("team/api", 12, "Bump requests")
    fake_github.run("team/api", 40, "CI")

    section = reader(fake_github).read(["team/gone", "team/api"], SINCE)

    assert (section.state, section.message) == ("ok", "team/gone: not found, or not visible to the token")
    assert [(i.repository, i.number) for i in section.pull_requests + section.failed_runs] == [
        ("team/api", 12),
        ("team/api", 40),
    ]


def test_a_server_error_on_one_repository_leaves_the_others(fake_github: FakeGitHub) -> None:
    fake_github.script.append(502)
    fake_github.pull("team/web", 4, "Bump vite")

    section = reader(fake_github).read(["team/api", "team/web"], SINCE)

    assert section.message == "team/api: GitHub failed (HTTP 502); the next digest tries again"
    assert [i.number for i in section.pull_requests] == [4]


def test_every_repository_missing_is_a_failure(fake_github: FakeGitHub) -> None:
    fake_github.hidden.add("team/gone")

    section = reader(fake_github).read(["team/gone"], SINCE)

    assert (section.state, section.message) == ("failed", "team/gone: not found, or not visible to the token")


def test_names_that_are_not_owner_slash_name_are_refused_without_a_request(fake_github: FakeGitHub) -> None:
    section = reader(fake_github).read(["../../user", "team/api/pulls", "-team/api", "team/.."], SINCE)

    assert section.state == "failed"
    assert section.message.splitlines() == [
        "'../../user': not a repository name (owner/name), left out",
        "'team/api/pulls': not a repository name (owner/name), left out",
        "'-team/api': not a repository name (owner/name), left out",
        "'team/..': not a repository name (owner/name), left out",
    ]
    assert fake_github.requests == []


def test_without_a_token_or_repositories_the_section_is_not_set_up(fake_github: FakeGitHub) -> None:
    no_token = reader(fake_github, token=None).read(["team/api"], SINCE)
    no_repositories = reader(fake_github).read([], SINCE)

    assert no_token == GitHubSection(
        "not-set-up",
        "GitHub is not set up: set OPSDESK_GITHUB_TOKEN to list Dependabot pull requests and failed runs",
    )
    assert no_repositories.state == "not-set-up"
    assert "under the policy's `handover: repositories:`" in no_repositories.message
    assert fake_github.requests == []


def test_a_slow_github_is_said_and_not_waited_for_twice(fake_github: FakeGitHub) -> None:
    fake_github.delay = 1.0

    section = reader(fake_github, timeout=0.25).read(["team/api", "team/web"], SINCE)

    assert (section.state, section.message) == (
        "failed",
        "GitHub could not be reached (no answer within 0.25 s); the next digest tries again",
    )
    assert len(fake_github.requests) == 1


def test_an_unreachable_github_is_said() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    section = GitHubDigestReader(TOKEN, f"http://127.0.0.1:{port}").read(["team/api"], SINCE)

    assert (section.state, section.message) == (
        "failed",
        "GitHub could not be reached (ConnectError); the next digest tries again",
    )


def test_the_fake_answers_in_githubs_documented_shapes(fake_github: FakeGitHub) -> None:
    """githubkit's models are generated from GitHub's OpenAPI description: the fake's answers must fit."""
    fake_github.pull("team/api", 12, "Bump requests")
    fake_github.run("team/api", 40, "CI")
    github = GitHub(TOKEN, base_url=fake_github.url)  # kept: its `rest` holds it only weakly
    rest = github.rest

    pulls = rest.pulls.list("team", "api", state="open").parsed_data
    runs = rest.actions.list_workflow_runs_for_repo("team", "api", status="failure").parsed_data

    assert [(p.number, p.user.login if p.user else None) for p in pulls] == [(12, "dependabot[bot]")]
    assert [(r.run_number, r.conclusion) for r in runs.workflow_runs] == [(40, "failure")]
