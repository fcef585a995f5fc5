"""The live policy: the application for the policy in force, replaced within seconds when the policy file's
content (or the rota changes kept in the database) changes, in every process that serves or works.

The file is compared by content, not by its time stamp, so a ConfigMap update (a symlink swapped) or a
`git pull` is enough. A file that no longer validates is refused: its problems are logged once, the last
good policy stays in force, and `status()` says both versions (for `/readyz` and `/metrics`).

One watcher thread per process looks at every live policy of the process (held weakly, so a policy that
is dropped stops being watched). Requests never wait for a reload: they use the application in force.
The storage and vendor clients a process has built are kept across reloads; the `service:` section (the
database, channels, secrets) is read at start only, and a change to it is reported as needing a restart.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from opsdesk.bootstrap.application import Application
from opsdesk.config.loading import policy_from_bytes
from opsdesk.config.policy import BUILT_IN, default_policy
from opsdesk.domain.errors import DomainError, PolicyError, PolicyProblem

if TYPE_CHECKING:
    from opsdesk.services.delivery import Deliverer
    from opsdesk.services.jobs import JobRunner

logger = logging.getLogger("opsdesk.policy")
NO_FILE = "built-in"  # the version of the built-in defaults
H = TypeVar("H")
DEFAULT_INTERVAL = 2.0  # seconds between looks at the file: a change is in force within about this long


@dataclass(frozen=True)
class Refusal:
    """A policy file on disk that was refused, and why (the last good policy stayed in force)."""

    version: str
    at: datetime
    problems: tuple[str, ...]


@dataclass(frozen=True)
class PolicyStatus:
    version: str  # "built-in", or the first 12 hex digits of the file's SHA-256 (+ the rota layer's revision)
    source: str
    loaded_at: datetime
    reloads: int  # policies put in force since the process started, after the first
    refused: Refusal | None = None
    restart_needed: bool = False  # the `service:` section changed: it applies at the next start

    def as_dict(self) -> dict[str, object]:
        refused = self.refused
        return {
            "version": self.version,
            "source": self.source,
            "loaded_at": self.loaded_at.isoformat(),
            "refused": None
            if refused is None
            else {
                "version": refused.version,
                "at": refused.at.isoformat(),
                "problems": list(refused.problems),
            },
            "restart_needed": self.restart_needed,
        }


def file_version(raw: bytes | None) -> str:
    return NO_FILE if raw is None else hashlib.sha256(raw).hexdigest()[:12]


class LivePolicy:
    def __init__(self, first: Application) -> None:
        self._app = first
        self._lock = threading.Lock()
        self._file = (
            NO_FILE if first.policy.source == BUILT_IN else file_version(_read(first.settings.policy_path))
        )
        self._layer = first.rota_layer_revision()
        self._layer_unread = False
        self._status = PolicyStatus(self._version(), first.policy.source, first.clock.now(), 0)

    def _version(self) -> str:
        return self._file + (f"+{self._layer}" if self._layer else "")

    @property
    def app(self) -> Application:
        """The application for the policy in force now."""
        return self._app

    def status(self) -> PolicyStatus:
        return self._status

    def job_runner(self, owner: str | None = None) -> JobRunner:
        """A runner of due jobs by the handlers of the policy in force as each job runs."""
        return self._app.job_runner(
            owner,
            handlers=LiveHandlers(self, lambda app: app.job_handlers),
            planner=self._plan,
            together=LiveHandlers(self, lambda app: app.job_batches),
        )

    def deliverer(self, owner: str | None = None) -> Deliverer:
        """A deliverer whose failed pages move on by the policy in force when they fail (the engineers'
        rules may have changed since it started)."""
        found = self._app.deliverer(owner)
        found.on_dead = lambda message, reason: self.app.incidents.delivery_failed(message, reason)  # noqa: PLW0108  (bound late: the policy in force when it fails)
        return found

    def _plan(self, now: datetime) -> int:
        """The timed work planned by the policy in force now (its hours may have changed)."""
        return self.app.plan_timed(now)

    def watch(self, interval: float = DEFAULT_INTERVAL) -> LivePolicy:
        """Look again every `interval` seconds from this process's watcher thread."""
        _Watcher.shared().add(self, interval)
        return self

    def check(self, wait: bool = False) -> bool:
        """Look at the file (and the rota layer) now; True when a new policy was put in force. When
        another thread is looking already: wait for it and look again when `wait`, else leave it to it."""
        if not self._lock.acquire(blocking=wait):
            return False
        try:
            return self._check()
        finally:
            self._lock.release()

    def _check(self) -> bool:
        current = self._app
        settings = current.settings
        raw = _read(settings.policy_path)
        # A file that was in force and is gone is refused (a branch checked out without it must not empty
        # the team's policy); with no file from the start, the built-in defaults stay, as for the CLI.
        gone = raw is None and (settings.policy_path_explicit or self._file != NO_FILE)
        file_version_now = "unreadable" if gone else file_version(raw) if raw is not None else NO_FILE
        try:
            layer = current.rota_layer_revision()
            self._layer_unread = False
        except Exception as exc:  # the database away: keep what is in force, look again later
            if not self._layer_unread:  # said once, not at every look
                logger.warning("could not read the rota changes (looking again): %s", type(exc).__name__)
            self._layer_unread = True
            layer = self._layer
        if file_version_now == self._file and layer == self._layer:
            if self._status.refused is not None:  # the file is back to the version in force (an undo)
                logger.info("policy file back to version %s, which is in force", self._status.version)
                self._status = replace(self._status, refused=None)
            return False
        refused = self._status.refused
        if refused is not None and refused.version == file_version_now and layer == self._layer:
            return False  # the same refused file: said once already
        try:
            if gone:
                raise PolicyError(
                    [PolicyProblem("", "the file cannot be read (moved or removed?)")],
                    str(settings.policy_path),
                )
            policy = default_policy() if raw is None else policy_from_bytes(raw, settings)
            candidate = current.with_policy(policy)
            candidate.validate()
        except DomainError as exc:  # the file's problems, or what it names (a bank-holiday file) failing
            problems = tuple(str(p) for p in exc.problems) if isinstance(exc, PolicyError) else (str(exc),)
            logger.error(
                "policy %s refused: %d problem(s); version %s stays in force: %s",
                file_version_now,
                len(problems),
                self._status.version,
                "; ".join(problems)[:2000],
            )
            self._status = replace(
                self._status, refused=Refusal(file_version_now, current.clock.now(), problems)
            )
            return False
        restart = self._status.restart_needed or policy.service != current.policy.service
        self._app, self._file, self._layer = candidate, file_version_now, layer
        self._status = PolicyStatus(
            self._version(), policy.source, current.clock.now(), self._status.reloads + 1, None, restart
        )
        logger.info(
            "policy %s in force", self._status.version, extra={"restart_needed": restart} if restart else {}
        )
        if restart:
            logger.warning("the policy's service section changed: it applies when opsdesk is restarted")
        return True


class LiveHandlers(Mapping[str, H]):
    """Job handlers of the policy in force, looked up as each job runs: those `pick` takes of the
    application (its handlers, or those of the kinds whose jobs run together)."""

    def __init__(self, live: LivePolicy, pick: Callable[[Application], Mapping[str, H]]) -> None:
        self._live = live
        self._pick = pick

    def __getitem__(self, kind: str) -> H:
        return self._pick(self._live.app)[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._pick(self._live.app))

    def __len__(self) -> int:
        return len(self._pick(self._live.app))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


class _Watcher:
    """One daemon thread per process, looking at every watched live policy in turn."""

    _instance: _Watcher | None = None
    _guard = threading.Lock()

    def __init__(self) -> None:
        self._policies: weakref.WeakKeyDictionary[LivePolicy, list[float]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @classmethod
    def shared(cls) -> _Watcher:
        with cls._guard:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def add(self, live: LivePolicy, interval: float) -> None:
        with self._lock:
            self._policies[live] = [interval, time.monotonic() + interval]
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="policy-watcher", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(0.25)
            now = time.monotonic()
            with self._lock:
                due = [live for live, (_, at) in list(self._policies.items()) if at <= now]
                for live in due:
                    self._policies[live][1] = now + self._policies[live][0]
            for live in due:
                try:
                    live.check()
                except Exception:  # the watcher must outlive anything one look runs into
                    logger.exception("looking at the policy failed; trying again")
            del due
