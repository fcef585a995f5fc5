"""A local GitHub REST API for issue comments and labels, answering in GitHub's documented shapes.

Endpoints (https://docs.github.com/en/rest/issues): list/create comments on an issue, update a comment,
list labels on an issue, set labels. Every request must carry the bearer token.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

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

    def handle(self, request: Request) -> Response:  # noqa: PLR0911  (one answer per endpoint)
        self.requests.append((request.method, request.path))
        if request.headers.get("Authorization") not in (f"Bearer {TOKEN}", f"token {TOKEN}"):
            return _json({"message": "Bad credentials"}, 401)
        if self.script:
            return _json({"message": "scripted"}, self.script.pop(0))
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
