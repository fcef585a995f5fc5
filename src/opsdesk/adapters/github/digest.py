"""The digest's GitHub section: open Dependabot pull requests and recently failed workflow runs, by githubkit.

Reading never raises for GitHub's sake: a refused token, a spent rate limit, a missing repository or an
outage becomes a line in the section, so the digest is still made. Every field GitHub sends is taken as
hostile: checked for its type, titles cut and cleaned of control characters, links kept only when plainly
http(s).
"""

from __future__ import annotations

import re
import ssl
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed, RequestTimeout

from opsdesk.domain.handover.model import GitHubItem, GitHubSection

SHOWN = 20  # items of each kind listed per repository; the rest are counted
TITLE_LIMIT = 200  # characters
PAGES = 3  # of 100 open pull requests looked through per repository for Dependabot's
DEPENDABOT = "dependabot[bot]"
# GitHub's own rules: an owner is up to 39 letters, digits or inner hyphens; a name up to 100 of [A-Za-z0-9._-].
REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?/(?!\.\.?$)[A-Za-z0-9._-]{1,100}")
NOT_SET_UP = "GitHub is not set up: set OPSDESK_GITHUB_TOKEN to list Dependabot pull requests and failed runs"
NO_REPOSITORIES = (
    "GitHub is set up but no repository is named: list them (owner/name) under the policy's "
    "`handover: repositories:` to see their Dependabot pull requests and failed runs"
)
REFUSED = "GitHub refused the token (401): check OPSDESK_GITHUB_TOKEN"


class _StopReadingError(Exception):
    """A failure every further request would meet too (the token, the rate limit, the network)."""


class _SkipRepositoryError(Exception):
    """A failure of one repository: the others are still read."""


@dataclass
class _Found:
    pull_requests: list[GitHubItem] = field(default_factory=list)
    failed_runs: list[GitHubItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class GitHubDigestReader:
    def __init__(
        self,
        token: str | None,
        base_url: str | None = None,
        verify: ssl.SSLContext | bool = True,
        timeout: float = 10.0,
    ) -> None:
        self._timeout = timeout
        # No retries or cache: one digest a day, and a failure is said in it rather than waited out.
        self._github = (
            GitHub(
                token,
                base_url=base_url or "https://api.github.com",
                auto_retry=False,
                http_cache=False,
                ssl_verify=verify,
                timeout=timeout,
            )
            if token
            else None
        )

    def read(self, repositories: Sequence[str], since: datetime) -> GitHubSection:
        """Open Dependabot pull requests, and runs that failed from `since` on, of each repository.

        The message holds one line per thing the reader wants said (newline-separated): why nothing could
        be read, a repository left out, how many more items there are than listed.
        """
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        if self._github is None:
            return GitHubSection("not-set-up", NOT_SET_UP)
        names = list(dict.fromkeys(repositories))
        if not names:
            return GitHubSection("not-set-up", NO_REPOSITORIES)
        found = _Found(
            notes=[
                f"{_shown(n)}: not a repository name (owner/name), left out"
                for n in names
                if not REPOSITORY.fullmatch(n)
            ]
        )
        read = 0
        for name in (n for n in names if REPOSITORY.fullmatch(n)):
            try:
                self._read_one(self._github, name, since, found)
            except _StopReadingError as stop:
                return _section("failed", found, first=str(stop))
            except _SkipRepositoryError as skip:
                found.notes.append(str(skip))
            else:
                read += 1
        return _section("ok" if read else "failed", found)

    def _read_one(self, github: GitHub[Any], name: str, since: datetime, found: _Found) -> None:
        owner, repo = name.split("/")
        try:
            pulls, unread = _dependabot(github, owner, repo, name)
            runs, more_runs = _failed_runs(github, owner, repo, name, since)
        except RequestFailed as exc:
            raise _refusal(name, exc.response.status_code, exc.response.headers) from None
        except RequestTimeout:
            raise _StopReadingError(
                f"GitHub could not be reached (no answer within {self._timeout:g} s); the next digest tries again"
            ) from None
        except (GitHubException, httpx.HTTPError, OSError) as exc:
            cause = getattr(exc, "exc", exc)  # githubkit wraps the transport's error
            raise _StopReadingError(
                f"GitHub could not be reached ({type(cause).__name__}); the next digest tries again"
            ) from None
        except (ValueError, RecursionError):  # not JSON, or nested beyond reason
            raise _SkipRepositoryError(f"{name}: GitHub answered something unexpected; left out") from None
        found.pull_requests += pulls[:SHOWN]
        found.failed_runs += runs[:SHOWN]
        found.notes += _more(name, len(pulls) - SHOWN, "open Dependabot pull request")
        found.notes += _more(name, len(runs) - SHOWN + more_runs, "failed run")
        if unread:
            found.notes.append(f"{name}: only its first {PAGES * 100} open pull requests were looked through")


def _dependabot(github: GitHub[Any], owner: str, repo: str, name: str) -> tuple[list[GitHubItem], bool]:
    """Dependabot's open pull requests, newest first, and whether pages were left unread."""
    found: list[GitHubItem] = []
    for page in range(1, PAGES + 1):
        answer: Any = github.rest.pulls.list(owner, repo, state="open", per_page=100, page=page).json()
        if not isinstance(answer, list):
            raise ValueError("pulls: not a list")
        found += [item for raw in answer if (item := _pull_request(name, raw)) is not None]
        if len(answer) < 100:
            return found, False
    return found, True


def _failed_runs(
    github: GitHub[Any], owner: str, repo: str, name: str, since: datetime
) -> tuple[list[GitHubItem], int]:
    """Runs that failed from `since` on, newest first, and how many more GitHub counts beyond the page."""
    created = f">={since.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    answer: Any = github.rest.actions.list_workflow_runs_for_repo(
        owner, repo, status="failure", created=created, per_page=100
    ).json()
    raw_runs = answer.get("workflow_runs") if isinstance(answer, dict) else None
    if not isinstance(raw_runs, list):
        raise ValueError("runs: no workflow_runs list")
    runs = [item for raw in raw_runs if (item := _run(name, raw, since)) is not None]
    total = answer.get("total_count")
    beyond = total - len(raw_runs) if _count(total) and total > len(raw_runs) else 0
    return runs, beyond


def _pull_request(name: str, raw: object) -> GitHubItem | None:
    if not isinstance(raw, dict) or not _count(raw.get("number")):
        return None
    author = raw.get("user")
    if not isinstance(author, dict) or author.get("login") != DEPENDABOT:
        return None
    return GitHubItem(
        name,
        raw["number"],
        _title(raw.get("title")),
        _link(raw.get("html_url")),
        _instant(raw.get("created_at")),
    )


def _run(name: str, raw: object, since: datetime) -> GitHubItem | None:
    if not isinstance(raw, dict) or not _count(raw.get("run_number")):
        return None
    at = _instant(raw.get("created_at"))
    if at is not None and at < since:  # GitHub filters by `created` already; an older one is not shown
        return None
    what = _title(raw.get("name")) or _title(raw.get("display_title")) or "workflow run"
    branch = _title(raw.get("head_branch"))
    title = _title(f"{what} on {branch}" if branch else what)
    return GitHubItem(name, raw["run_number"], title, _link(raw.get("html_url")), at)


def _refusal(name: str, status: int, headers: httpx.Headers) -> _StopReadingError | _SkipRepositoryError:
    if status == 401:
        return _StopReadingError(REFUSED)
    if status == 429 or (
        status == 403 and (headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers)
    ):
        until = _rate_limit_reset(headers)
        when = f" until {until:%H:%M} UTC" if until else ""
        return _StopReadingError(f"GitHub's rate limit is reached{when}; the next digest tries again")
    if status == 404:
        return _SkipRepositoryError(f"{name}: not found, or not visible to the token")
    if status == 403:
        return _SkipRepositoryError(
            f"{name}: GitHub refused access (403): the token may lack the right to read it"
        )
    if status >= 500:
        return _SkipRepositoryError(f"{name}: GitHub failed (HTTP {status}); the next digest tries again")
    return _SkipRepositoryError(f"{name}: GitHub answered HTTP {status}; left out")


def _rate_limit_reset(headers: httpx.Headers) -> datetime | None:
    """When the limit lifts: after Retry-After seconds (from the answer's Date), or at x-ratelimit-reset."""
    try:
        if (wait := headers.get("retry-after")) is not None:
            date = headers.get("date")
            sent = parsedate_to_datetime(date) if date else datetime.now(UTC)
            return sent.astimezone(UTC) + timedelta(seconds=int(wait))
        if (reset := headers.get("x-ratelimit-reset")) is not None:
            return datetime.fromtimestamp(int(reset), UTC)
    except (ValueError, TypeError, OverflowError, OSError):  # a header no clock can read
        return None
    return None


def _section(state: str, found: _Found, first: str | None = None) -> GitHubSection:
    lines = [first, *found.notes] if first else found.notes
    return GitHubSection(state, "\n".join(lines), tuple(found.pull_requests), tuple(found.failed_runs))


def _more(name: str, count: int, what: str) -> list[str]:
    if count <= 0:
        return []
    return [f"{name}: and {count} more {what}{'s' if count > 1 else ''}, not listed"]


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**53


def _title(value: object) -> str:
    """Text kept as data: line breaks become spaces, other controls (NUL too) and lone surrogates U+FFFD
    (neither survives a database or a chat post); bidi controls stay, for each renderer to isolate."""
    if not isinstance(value, str):
        return ""
    text = value if len(value) <= TITLE_LIMIT else value[: TITLE_LIMIT - 1] + "…"
    return "".join(
        " " if c in "\t\n\r" else "\ufffd" if unicodedata.category(c) in ("Cc", "Cs") else c for c in text
    ).strip()


def _link(value: object) -> str:
    """A link only when it is plainly http(s) with nothing that could break out of a renderer's markup."""
    if (
        isinstance(value, str)
        and len(value) <= 500
        and re.fullmatch(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~%/+:@!$&*,;=?#-]*)?", value)
    ):
        return value
    return ""


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at.astimezone(UTC) if at.tzinfo is not None else None


def _shown(name: str) -> str:
    """A refused repository name, as safe to show as a title."""
    return repr(_title(name[:80]))
