"""GitHub's documented REST shapes, for the fake: a user, a repository, a pull request, a workflow run.

From https://docs.github.com/en/rest (simple-user, repository, pull-request-simple, workflow-run); the test
of the digest checks them against githubkit's models, which are generated from GitHub's OpenAPI description.
"""

from __future__ import annotations

from typing import Any

WHEN = "2027-02-20T10:00:00Z"  # when a pull request or run was created, unless told
API = "https://api.github.com"


def simple_user(login: str, user_id: int) -> dict[str, Any]:
    url = f"{API}/users/{login.replace('[', '%5B').replace(']', '%5D')}"
    bot = login.endswith("[bot]")
    return {
        "login": login,
        "id": user_id,
        "node_id": f"U_{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"https://github.com/apps/{login[:-5]}" if bot else f"https://github.com/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": "Bot" if bot else "User",
        "site_admin": False,
    }


# The `*_url` fields of a repository: name -> the path after the repository's API url.
_REPOSITORY_LINKS = {
    **{f"{n}_url": f"/{n}" for n in ("contributors", "deployments", "downloads", "events", "forks")},
    **{f"{n}_url": f"/{n}" for n in ("languages", "merges", "subscribers", "subscription", "tags")},
    **{f"{n}_url": f"/{n}" for n in ("teams", "hooks", "stargazers")},
    **{f"{n}_url": f"/{n}{{/number}}" for n in ("issues", "milestones", "pulls")},
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "notifications_url": "/notifications{?since,all,participating}",
    "releases_url": "/releases{/id}",
    "statuses_url": "/statuses/{sha}",
    "trees_url": "/git/trees{/sha}",
}


def full_repository(full_name: str) -> dict[str, Any]:
    url = f"{API}/repos/{full_name}"
    owner, _, name = full_name.partition("/")
    return {
        "id": 1296269,
        "node_id": "R_1296269",
        "name": name,
        "full_name": full_name,
        "owner": simple_user(owner, 2),
        "private": False,
        "html_url": f"https://github.com/{full_name}",
        "description": None,
        "fork": False,
        "url": url,
        **{key: f"{url}{path}" for key, path in _REPOSITORY_LINKS.items()},
        "git_url": f"git://github.com/{full_name}.git",
        "ssh_url": f"git@github.com:{full_name}.git",
        "clone_url": f"https://github.com/{full_name}.git",
        "svn_url": f"https://github.com/{full_name}",
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "license": None,
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 108,
        "default_branch": "main",
        "open_issues_count": 0,
        "open_issues": 0,
        "has_pages": False,
        "disabled": False,
        "pushed_at": WHEN,
        "created_at": "2020-01-26T19:01:12Z",
        "updated_at": WHEN,
    }


def _branch(full_name: str, ref: str, sha: str) -> dict[str, Any]:
    owner = full_name.partition("/")[0]
    return {
        "label": f"{owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": simple_user(owner, 2),
        "repo": full_repository(full_name),
    }


def pull_request(repository: str, number: int, title: str, login: str, at: str) -> dict[str, Any]:
    url = f"{API}/repos/{repository}/pulls/{number}"
    html = f"https://github.com/{repository}/pull/{number}"
    issue = f"{API}/repos/{repository}/issues/{number}"
    sha = f"{number:040x}"
    links = {"self": url, "html": html, "issue": issue, "comments": f"{issue}/comments"}
    links |= {
        "review_comments": f"{url}/comments",
        "review_comment": f"{API}/repos/{repository}/pulls/comments{{/number}}",
    }
    links |= {"commits": f"{url}/commits", "statuses": f"{API}/repos/{repository}/statuses/{sha}"}
    return {
        "url": url,
        "id": 10_000 + number,
        "node_id": f"PR_{number}",
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        **{f"{key}_url": link for key, link in links.items() if key not in ("self", "html", "issue")},
        "number": number,
        "state": "open",
        "locked": False,
        "title": title,
        "user": simple_user(login, 49699333 if login == "dependabot[bot]" else 3),
        "body": "Bumps a dependency.",
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": at,
        "updated_at": at,
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch(repository, f"dependabot/pip/update-{number}", sha),
        "base": _branch(repository, "main", "0" * 40),
        "_links": {key: {"href": link} for key, link in links.items()},
        "author_association": "CONTRIBUTOR",
        "auto_merge": None,
        "draft": False,
    }


def workflow_run(repository: str, number: int, name: str, conclusion: str, at: str) -> dict[str, Any]:
    run_id = 30_433_642 + number
    url = f"{API}/repos/{repository}/actions/runs/{run_id}"
    sha = f"{run_id:040x}"
    author = {"name": "Octo Cat", "email": "octocat@github.com"}
    return {
        "id": run_id,
        "name": name,
        "node_id": f"WFR_{run_id}",
        "check_suite_id": 42,
        "check_suite_node_id": "CS_42",
        "head_branch": "main",
        "head_sha": sha,
        "path": ".github/workflows/ci.yml@main",
        "display_title": f"{name}: Update README.md",
        "run_number": number,
        "event": "push",
        "status": "completed",
        "conclusion": conclusion,
        "workflow_id": 159038,
        "url": url,
        "html_url": f"https://github.com/{repository}/actions/runs/{run_id}",
        "pull_requests": [],
        "created_at": at,
        "updated_at": at,
        "actor": simple_user("octocat", 4),
        "triggering_actor": simple_user("octocat", 4),
        "run_attempt": 1,
        "referenced_workflows": [],
        "run_started_at": at,
        "jobs_url": f"{url}/jobs",
        "logs_url": f"{url}/logs",
        "check_suite_url": f"{API}/repos/{repository}/check-suites/42",
        "artifacts_url": f"{url}/artifacts",
        "cancel_url": f"{url}/cancel",
        "rerun_url": f"{url}/rerun",
        "previous_attempt_url": None,
        "workflow_url": f"{API}/repos/{repository}/actions/workflows/159038",
        "head_commit": {
            "id": sha,
            "tree_id": sha,
            "message": "Update README.md",
            "timestamp": at,
            "author": author,
            "committer": author,
        },
        "repository": full_repository(repository),
        "head_repository": full_repository(repository),
    }
