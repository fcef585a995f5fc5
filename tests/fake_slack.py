"""A local fake of Slack's Web API as Slack documents it: `chat.postMessage` (with message metadata),
`conversations.history` / `.replies` (`include_all_metadata`), `conversations.list` and `.open`,
`chat.getPermalink` (a GET, as slack_sdk sends it), `chat.update` (of a message it holds) and
`chat.postEphemeral`, `views.open` (a modal, for a trigger id) and `conversations.setTopic`, a request's
`response_url` (what Bolt's `respond` posts to), with scripted failures: rate limits with any Retry-After, 5xx, `{"ok": false}`, slow answers, and answers cut
short after the post was taken.
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TOKEN = "xoxb-test-token"
WORKSPACE = "https://opsdesk-test.slack.com"


def permalink(channel: str, ts: str) -> str:
    """The permalink Slack gives a message: its workspace, channel id, and its ts as p + the digits."""
    return f"{WORKSPACE}/archives/{channel}/p{ts.replace('.', '')}"


@dataclass(frozen=True)
class Answer:
    """How the fake answers one chat.postMessage: after `delay` seconds, taking the post or not, with a
    status and body of its own (None: Slack's usual success), or cut short after the first bytes."""

    delay: float = 0.0
    take: bool = True
    status: int | None = None
    payload: dict[str, object] | None = None
    headers: dict[str, str] | None = None
    cut_short: bool = False
    hang: bool = False  # take the post, then never answer (until the fake is released)


@dataclass
class FakeSlack:
    """Answers like Slack: 200 {"ok": true, ...}; scripted 429 (with Retry-After), 5xx or {"ok": false}."""

    server: HTTPServer
    script: list[tuple[int, dict[str, object], dict[str, str]]] = field(default_factory=list)
    delivered: list[dict[str, object]] = field(default_factory=list)
    attempts: int = 0
    hold: Callable[[dict[str, object]], bool] | None = None  # True: keep this request waiting, then 503
    plan: Callable[[dict[str, object], int], Answer] | None = None  # (body, try of this text) -> answer
    scopes: set[str] = field(default_factory=lambda: {"history", "read", "im"})
    channels: set[str] = field(default_factory=lambda: {"general", "alarms", "ask-platform"})  # by name
    _lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)
    hanging: list[tuple[str, int]] = field(default_factory=list)  # client addresses of hung requests
    tries: dict[str, int] = field(default_factory=dict)
    looks: int = 0
    permalinks: list[tuple[str, str]] = field(default_factory=list)  # (channel, message_ts) asked for
    permalink_script: list[tuple[int, dict[str, object], dict[str, str]]] = field(default_factory=list)
    updates: list[dict[str, object]] = field(default_factory=list)  # chat.update bodies taken
    update_script: list[tuple[int, dict[str, object], dict[str, str]]] = field(default_factory=list)
    ephemerals: list[dict[str, object]] = field(default_factory=list)  # chat.postEphemeral bodies
    responses: list[dict[str, object]] = field(default_factory=list)  # posts to a response_url
    response_delay: float = 0.0  # seconds a response_url waits before it answers (a slow Slack)
    views: list[dict[str, object]] = field(default_factory=list)  # views.open bodies taken (view: JSON)
    view_script: list[tuple[int, dict[str, object], dict[str, str]]] = field(default_factory=list)
    topics: list[dict[str, object]] = field(default_factory=list)  # conversations.setTopic bodies taken

    @property
    def url(self) -> str:
        return self.server.url_for("/api/")

    def install(self) -> None:
        self.server.expect_request("/api/chat.postMessage", method="POST").respond_with_handler(self._post)
        for method in ("conversations.history", "conversations.replies", "conversations.list"):
            self.server.expect_request(f"/api/{method}").respond_with_handler(self._read)
        self.server.expect_request("/api/conversations.open").respond_with_handler(self._open)
        self.server.expect_request("/api/chat.getPermalink").respond_with_handler(self._permalink)
        self.server.expect_request("/api/chat.update", method="POST").respond_with_handler(self._update)
        self.server.expect_request("/api/chat.postEphemeral", method="POST").respond_with_handler(
            self._ephemeral
        )
        self.server.expect_request("/api/views.open", method="POST").respond_with_handler(self._view)
        self.server.expect_request("/api/conversations.setTopic", method="POST").respond_with_handler(
            self._topic
        )
        self.server.expect_request(re.compile("^/actions/.*"), method="POST").respond_with_handler(
            self._response_url
        )

    def response_url(self, name: str = "1") -> str:
        """A response_url as Slack puts one in an interaction's payload (hooks.slack.com/actions/...)."""
        return self.server.url_for(f"/actions/T0TEAM/{name}/response-secret")

    def texts(self) -> list[str]:
        return [str(body["text"]) for body in self.delivered]

    def _post(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(200, {"ok": False, "error": "not_authed"})
        body = _body(request)
        with self._lock:
            self.attempts += 1
            scripted = self.script.pop(0) if self.script else None
            text = str(body.get("text"))
            self.tries[text] = self.tries.get(text, 0) + 1
            answer = self.plan(body, self.tries[text]) if self.plan else Answer()
        if self.hold is not None and self.hold(body):
            self.holding.set()
            self.released.wait(30)
            return _json(503, {"ok": False, "error": "service_unavailable"})
        if scripted is not None:
            status, payload, headers = scripted
            return _json(status, payload, headers)
        if answer.delay:
            time.sleep(answer.delay)
        if not answer.take:
            return _json(answer.status or 200, answer.payload or {"ok": False}, answer.headers)
        with self._lock:
            body["_conversation"] = conversation(str(body.get("channel")))
            body["ts"] = f"{time.time():.6f}"
            self.delivered.append(body)
            if answer.hang:
                self.hanging.append(
                    (str(request.environ.get("REMOTE_ADDR")), int(request.environ["REMOTE_PORT"]))
                )
        if answer.hang:
            self.holding.set()
            self.released.wait(60)
        reply = json.dumps({"ok": True, "channel": body["_conversation"], "ts": body["ts"]}).encode()
        if answer.cut_short:
            return Response(
                _cut(reply), headers={"Content-Length": str(len(reply)), "Content-Type": "application/json"}
            )
        return Response(reply, 200, content_type="application/json")

    def _read(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(200, {"ok": False, "error": "not_authed"})
        asked = {**_body(request), **dict(request.args.items())}
        method = request.path.rsplit("/", 1)[1]
        if method == "conversations.list":
            if "read" not in self.scopes:
                return _json(200, {"ok": False, "error": "missing_scope", "needed": "channels:read"})
            with self._lock:
                names = {str(b.get("_name")) for b in self.delivered if b.get("_name")}
            channels = [{"id": conversation(f"#{n}"), "name": n} for n in sorted(names | self.channels)]
            return _json(200, {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}})
        if "history" not in self.scopes:
            return _json(200, {"ok": False, "error": "missing_scope", "needed": "channels:history"})
        with self._lock:
            self.looks += 1
            oldest = float(str(asked.get("oldest") or 0))
            found = [
                _stored(b, asked.get("include_all_metadata") in ("true", "1", True))
                for b in self.delivered
                if b["_conversation"] == asked.get("channel")
                and float(str(b["ts"])) >= oldest
                and (method == "conversations.history" or b.get("thread_ts") == asked.get("ts"))
            ]
        return _json(200, {"ok": True, "messages": found[::-1], "has_more": False})

    def _permalink(self, request: Request) -> Response:
        """As Slack documents it: {"ok": true, "channel", "permalink"} for a message it holds; else
        {"ok": false, "error": "channel_not_found" | "message_not_found"} (HTTP 200)."""
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(200, {"ok": False, "error": "not_authed"})
        asked = {**_body(request), **dict(request.args.items())}
        channel, ts = str(asked.get("channel")), str(asked.get("message_ts"))
        with self._lock:
            self.permalinks.append((channel, ts))
            if self.permalink_script:
                status, payload, headers = self.permalink_script.pop(0)
                return _json(status, payload, headers)
            in_channel = [b for b in self.delivered if b["_conversation"] == channel]
        if not in_channel:
            return _json(200, {"ok": False, "error": "channel_not_found"})
        if not any(b["ts"] == ts for b in in_channel):
            return _json(200, {"ok": False, "error": "message_not_found"})
        return _json(200, {"ok": True, "channel": channel, "permalink": permalink(channel, ts)})

    def _update(self, request: Request) -> Response:
        """As Slack documents chat.update: {"ok": true, "channel", "ts", "text"} for a message it holds in
        that channel; {"ok": false, "error": "message_not_found" | "channel_not_found"} (HTTP 200) else."""
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(200, {"ok": False, "error": "not_authed"})
        body = _body(request)
        channel, ts = str(body.get("channel")), str(body.get("ts"))
        with self._lock:
            if self.update_script:
                status, payload, headers = self.update_script.pop(0)
                return _json(status, payload, headers)
            in_channel = [b for b in self.delivered if b["_conversation"] == channel]
            if not in_channel:
                return _json(200, {"ok": False, "error": "channel_not_found"})
            if not any(b["ts"] == ts for b in in_channel):
                return _json(200, {"ok": False, "error": "message_not_found"})
            self.updates.append(body)
        return _json(200, {"ok": True, "channel": channel, "ts": ts, "text": body.get("text")})

    def _ephemeral(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(200, {"ok": False, "error": "not_authed"})
        body = _body(request)
        with self._lock:
            self.ephemerals.append(body)
        return _json(200, {"ok": True, "message_ts": f"{time.time():.6f}"})

    def _response_url(self, request: Request) -> Response:
        """A response_url takes a JSON message and answers `ok` as plain text, as Slack's does."""
        time.sleep(self.response_delay)
        with self._lock:
            self.responses.append(json.loads(request.get_data(as_text=True) or "{}"))
        return Response("ok", 200, content_type="text/plain")

    def opened(self) -> list[dict[str, Any]]:
        """The modals opened, each its view (parsed)."""
        return [_view_of(body) for body in self.views]

    def _view(self, request: Request) -> Response:
        """As Slack documents views.open: a trigger id and a view; {"ok": true, "view": {..., "id"}}."""
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(200, {"ok": False, "error": "not_authed"})
        body = _body(request)
        with self._lock:
            if self.view_script:
                status, payload, headers = self.view_script.pop(0)
                return _json(status, payload, headers)
            if not body.get("trigger_id"):
                return _json(200, {"ok": False, "error": "invalid_arguments"})
            view = _view_of(body)
            if view.get("type") != "modal" or not view.get("title") or len(view.get("blocks") or []) > 100:
                return _json(200, {"ok": False, "error": "invalid_arguments"})
            self.views.append(body)
            number = len(self.views)
        return _json(200, {"ok": True, "view": {**view, "id": f"VFAKE{number:06d}"}})

    def _topic(self, request: Request) -> Response:
        """As Slack documents conversations.setTopic: {"ok": true, "channel": {...}}; a topic is at most
        250 characters (too_long)."""
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(200, {"ok": False, "error": "not_authed"})
        body = _body(request)
        if len(str(body.get("topic") or "")) > 250:
            return _json(200, {"ok": False, "error": "too_long"})
        with self._lock:
            self.topics.append(body)
        channel = conversation(str(body.get("channel")))
        return _json(200, {"ok": True, "channel": {"id": channel, "topic": {"value": body.get("topic")}}})

    def _open(self, request: Request) -> Response:
        if "im" not in self.scopes:
            return _json(200, {"ok": False, "error": "missing_scope", "needed": "im:write"})
        users = str({**_body(request), **request.args}.get("users"))
        return _json(200, {"ok": True, "channel": {"id": conversation(users)}})


def conversation(destination: str) -> str:
    """The conversation id Slack gives a destination: ids as they are, a user's DM, a channel by name."""
    if destination[:1] in ("C", "G", "D") and destination.isupper():
        return destination
    prefix = "D" if destination[:1] in ("U", "W") else "C"
    return f"{prefix}{zlib.crc32(destination.lstrip('#').encode()):010d}"


def _stored(body: dict[str, object], with_metadata: bool) -> dict[str, object]:
    message: dict[str, Any] = {"type": "message", "text": body.get("text"), "ts": body["ts"], "bot_id": "B1"}
    if with_metadata and body.get("metadata"):
        message["metadata"] = body["metadata"]
    return message


def _view_of(body: dict[str, object]) -> dict[str, Any]:
    view = body.get("view")
    loaded = json.loads(view) if isinstance(view, str) else view
    return loaded if isinstance(loaded, dict) else {}


def _cut(reply: bytes) -> Iterator[bytes]:
    yield reply[:9]
    raise ConnectionAbortedError("the fake cuts this answer short")


def _body(request: Request) -> dict[str, object]:
    raw = request.get_data(as_text=True)
    if request.mimetype == "application/json":
        loaded: dict[str, object] = json.loads(raw or "{}")
    else:
        loaded = {k: v[0] for k, v in parse_qs(raw).items()}
    channel = str(loaded.get("channel", ""))
    if channel.startswith("#"):
        loaded["_name"] = channel[1:]
    return loaded


def _json(status: int, payload: dict[str, object], headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(payload), status=status, headers=headers or {}, content_type="application/json"
    )
