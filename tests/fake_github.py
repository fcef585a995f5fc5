"""A local GitHub REST API for issues, pull requests and workflow runs, answering in GitHub's documented shapes.

Endpoints (https://docs.github.com/en/rest/issues): list/create comments on an issue, update a comment,
list labels on an issue, set labels. Pull requests (https://docs.github.com/en/rest/pulls/pulls): list,
by state, a page at a time. Workflow runs (https://docs.github.com/en/rest/actions/workflow-runs): list for
a repository, by status and `created` (`>=` an instant). Every request must carry the bearer token; a
repository in `hidden` answers 404, `limit_rate` answers GitHub's rate-limit 403, `delay` answers slowly.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.github_shapes import WHEN, pull_request, workflow_run

TOKEN = "ghp_test_token_opsdesk"
BOT = {
    "login": "opsdesk[bot]",
    "id": 1,
    "node_id": "MDQ6VXNlcjE=",
    "avatar_url": "https://github.com/images/error/octocat_happy.gif",
    "gravatar_id": "",
    "url": "https://api.github.com/users/opsdesk",
    "html_url": "https://github.com/opsdesk",
    "followers_url": "https://api.github.com/users/opsdesk/followers",
    "following_url": "https://api.github.com/users/opsdesk/following{/other_user}",
    "gists_url": "https://api.github.com/users/opsdesk/gists{/gist_id}",
    "starred_url": "https://api.github.com/users/opsdesk/starred{/owner}{/repo}",
    "subscriptions_url": "https://api.github.com/users/opsdesk/subscriptions",
    "organizations_url": "https://api.github.com/users/opsdesk/orgs",
    "repos_url": "https://api.github.com/users/opsdesk/repos",
    "events_url": "https://api.github.com/users/opsdesk/events{/privacy}",
    "received_events_url": "https://api.github.com/users/opsdesk/received_events",
    "type": "Bot",
    "site_admin": False,
}


@dataclass
class FakeGitHub:
    server: HTTPServer
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # id: comment
    labels: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    script: list[int] = field(default_factory=list)  # statuses to answer first
    requests: list[tuple[str, str]] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)  # each request's query parameters
    pulls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # repository: pull requests
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # repository: workflow runs
    hidden: set[str] = field(default_factory=set)  # repositories that do not exist for the token: 404
    rate_reset: int | None = None  # epoch seconds: the core rate limit is spent until then (403)
    delay: float = 0.0  # seconds before each answer

    def limit_rate(self, until: datetime) -> None:
        self.rate_reset = int(until.timestamp())

    def pull(
        self, repository: str, number: int, title: str, login: str = "dependabot[bot]", at: str = WHEN
    ) -> dict[str, Any]:
        """An open pull request, kept and returned (a test may spoil its fields)."""
        found = pull_request(repository, number, title, login, at)
        self.pulls.setdefault(repository, []).append(found)
        return found

    def run(
        self, repository: str, number: int, name: str, conclusion: str = "failure", at: str = WHEN
    ) -> dict[str, Any]:
        """A completed workflow run on `main`, kept and returned."""
        found = workflow_run(repository, number, name, conclusion, at)
        self.runs.setdefault(repository, []).append(found)
        return found

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def on(self, repository: str, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["_issue"] == (repository, number)]

    def shown(self, repository: str, number: int) -> list[str]:
        """The comments' text as people see it: without the hidden HTML-comment markers opsdesk adds."""
        return [
            re.sub(r"\n*<!-- opsdesk:reply:[0-9a-f]+ -->$", "", c["body"])
            for c in self.on(repository, number)
        ]

    def handle(self, request: Request) -> Response:
        self.requests.append((request.method, request.path))
        self.queries.append(request.args.to_dict())
        time.sleep(self.delay)
        if request.headers.get("Authorization") not in (f"Bearer {TOKEN}", f"token {TOKEN}"):
            return _json({"message": "Bad credentials"}, 401)
        if self.rate_reset is not None and time.time() < self.rate_reset:
            return _rate_limited(self.rate_reset)
        if self.script:
            return _json({"message": "scripted"}, self.script.pop(0))
        listing = re.fullmatch(r"/repos/([^/]+/[^/]+)/(pulls|actions/runs)", request.path)
        if listing and request.method == "GET":
            return self._listing(listing.group(1), listing.group(2), request)
        return self._issues(request)

    def _listing(self, repository: str, kind: str, request: Request) -> Response:
        if repository in self.hidden:
            return _json({"message": "Not Found", "status": "404"}, 404)
        if kind == "pulls":
            return self._pulls(repository, request)
        return self._runs(repository, request)

    def _issues(self, request: Request) -> Response:
        issue = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/(comments|labels)", request.path)
        edit = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", request.path)
        if issue and issue.group(3) == "comments":
            key = (issue.group(1), int(issue.group(2)))
            if request.method == "GET":
                return _json([_public(c) for c in self.on(*key)])
            body = json.loads(request.get_data())["body"]
            comment_id = len(self.comments) + 1000
            self.comments[comment_id] = _comment(comment_id, key, body)
            return _json(_public(self.comments[comment_id]), 201)
        if edit and request.method == "PATCH":
            found = self.comments.get(int(edit.group(2)))
            if found is None:
                return _json({"message": "Not Found"}, 404)
            found["body"] = json.loads(request.get_data())["body"]
            return _json(_public(found))
        if issue and issue.group(3) == "labels":
            key = (issue.group(1), int(issue.group(2)))
            if request.method == "PUT":
                self.labels[key] = list(json.loads(request.get_data())["labels"])
            return _json([_label(i, name) for i, name in enumerate(self.labels.get(key, []))])
        return _json({"message": "Not Found"}, 404)

    def _pulls(self, repository: str, request: Request) -> Response:
        state = request.args.get("state", "open")
        found = [p for p in self.pulls.get(repository, []) if state in ("all", p["state"])]
        return _json(_page(_newest_first(found), request))

    def _runs(self, repository: str, request: Request) -> Response:
        found = self.runs.get(repository, [])
        if status := request.args.get("status"):
            found = [r for r in found if status in (r["status"], r["conclusion"])]
        if created := request.args.get("created"):
            bound = re.fullmatch(r"(>=|>|<=|<)(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", created)
            if bound is None:
                return _json({"message": "Validation Failed", "status": "422"}, 422)
            found = [r for r in found if _compare(r["created_at"], *bound.groups())]
        return _json({"total_count": len(found), "workflow_runs": _page(_newest_first(found), request)})


def _json(value: object, status: int = 200) -> Response:
    return Response(json.dumps(value), status, content_type="application/json")


def _comment(comment_id: int, key: tuple[str, int], body: str) -> dict[str, Any]:
    repository, number = key
    return {
        "_issue": key,
        "id": comment_id,
        "node_id": f"IC_{comment_id}",
        "url": f"https://api.github.com/repos/{repository}/issues/comments/{comment_id}",
        "html_url": f"https://github.com/{repository}/issues/{number}#issuecomment-{comment_id}",
        "body": body,
        "user": BOT,
        "created_at": "2027-02-20T10:00:00Z",
        "updated_at": "2027-02-20T10:00:00Z",
        "issue_url": f"https://api.github.com/repos/{repository}/issues/{number}",
        "author_association": "NONE",
    }


def _public(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if not k.startswith("_")}


def _label(index: int, name: str) -> dict[str, Any]:
    return {
        "id": index + 1,
        "node_id": f"LA_{index}",
        "url": f"https://api.github.com/labels/{index}",
        "name": name,
        "description": None,
        "color": "ededed",
        "default": False,
        "archived_at": None,
        "archived_by": None,
    }


def _rate_limited(reset: int) -> Response:
    """GitHub's answer once the primary rate limit is spent (docs: rate limits for the REST API)."""
    body = {
        "message": "API rate limit exceeded for user ID 1.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        "status": "403",
    }
    response = _json(body, 403)
    response.headers.update(
        {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-used": "5000",
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-resource": "core",
        }
    )
    return response


def _page(found: list[dict[str, Any]], request: Request) -> list[dict[str, Any]]:
    size = min(int(request.args.get("per_page", 30)), 100)
    first = (int(request.args.get("page", 1)) - 1) * size
    return found[first : first + size]


def _newest_first(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(found, key=lambda item: (item["created_at"], item["id"]), reverse=True)


def _compare(at: str, operator: str, bound: str) -> bool:
    left, right = datetime.fromisoformat(at), datetime.fromisoformat(bound)
    return {">=": left >= right, ">": left > right, "<=": left <= right, "<": left < right}[operator]
