"""The Slack app as Bolt for Python (HTTP, listeners run before the answer goes back), built over the
application in force, and the checks every request passes before Bolt sees it: Slack's signature over
the body within five minutes, the same signed request never taken in twice, a body Bolt can read.

Bolt checks the signature again itself (request verification on); the check here comes first so that a
replay is told apart (by a receipt in the database, kept only for signed requests) and so that a body
that is not what Slack sends gets a clear 400 instead of an error inside Bolt.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.signature import SignatureVerifier

from opsdesk.entrypoints.slack import announce, ask, changes, commands, handover, incidents, support

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

WINDOW_SECONDS = 5 * 60  # Slack's: a request signed longer ago (or ahead) than this is refused
SIGNATURE_RECEIPT = "slack:signature:"
# Past this the window refuses a replay anyway (a request may be signed up to 5 minutes either side of
# now); two minutes more for clocks that differ between replicas.
KEEP_SIGNATURES = timedelta(seconds=2 * WINDOW_SECONDS + 120)
NOT_SET_UP = "the Slack app is not set up: set OPSDESK_SLACK_SIGNING_SECRET (see docs/slack.md)"


class SlackApp:
    """Slack's requests to opsdesk's one route, answered by Bolt over the application in force."""

    def __init__(
        self, signing_secret: str, application: Callable[[], Application], *, socket_mode: bool = False
    ) -> None:
        """With `socket_mode`, Bolt is for Socket Mode (`opsdesk slack socket`): requests come over a
        WebSocket the app token opened, unsigned, so Bolt verifies none (and `handle` is not used); every
        listener is the same."""
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None  # none: Socket Mode
        self._application = application
        self.bolt = App(
            signing_secret=signing_secret,
            process_before_response=True,
            request_verification_enabled=not socket_mode,
            authorize=_no_token,
            token_verification_enabled=False,
        )
        commands.register(self.bolt, application)
        for noun in (handover, changes, support, announce, ask):
            noun.register(self.bolt, application)
        incidents.register(self.bolt, application)  # last: it answers any button no other one knows

        @self.bolt.event(re.compile(r".*"))
        def any_event(ack: Ack) -> None:  # subscribed for what comes next: taken, nothing done
            ack()

    def handle(self, body: bytes, headers: Mapping[str, str], now: float | None = None) -> BoltResponse:
        """Slack's answer to one request: 401 when it is not signed by Slack within the window or was
        taken in before, 400 when its body is not what Slack sends, else Bolt's."""
        lowered = {k.lower(): v for k, v in headers.items()}
        refused = self._refusal(body, lowered, time.time() if now is None else now)
        if refused is not None:
            return _error(401, refused)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return _error(400, "the body is not UTF-8")
        problem = _unreadable(text, lowered.get("content-type", ""))
        request = None if problem else _bolt_request(text, lowered)
        if request is None:
            return _error(400, problem or "the body's fields are not shaped as Slack sends them")
        signature = lowered["x-slack-signature"]
        receipts = self._application().receipts
        # Slack retries only Events API callbacks (JSON), each taken in once by its event id: such a retry
        # gets through to that receipt. A command or an interaction (a form body) is never retried by Slack,
        # so a header saying so is no reason to take the same signed body twice.
        retry = "x-slack-retry-num" in lowered and lowered.get("content-type", "").startswith(
            "application/json"
        )
        if (
            not receipts.first(
                f"{SIGNATURE_RECEIPT}{signature}", expiring=(SIGNATURE_RECEIPT, KEEP_SIGNATURES)
            )
            and not retry
        ):
            return _error(401, "this signed request was taken in before (a replay): nothing was done")
        answer = self.bolt.dispatch(request)
        if answer.status == 404:
            return _error(404, "opsdesk does not handle this kind of Slack request: nothing was done")
        return answer

    def _refusal(self, body: bytes, headers: Mapping[str, str], now: float) -> str | None:
        """Why the request is not taken as Slack's (None: it is signed, within the window)."""
        stamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        if not stamp or not signature:
            return "X-Slack-Request-Timestamp and X-Slack-Signature are required: requests come from Slack"
        if not stamp.isdigit() or len(stamp) > 12:
            return "X-Slack-Request-Timestamp is not a Unix time"
        if abs(now - int(stamp)) > WINDOW_SECONDS:
            return "X-Slack-Request-Timestamp is more than 5 minutes from now: an old request is refused"
        if self._verifier is None:
            return NOT_SET_UP
        expected = self._verifier.generate_signature(timestamp=stamp, body=body)
        if expected is None or not _same(expected, signature):
            return "X-Slack-Signature does not match this body and the app's signing secret"
        return None


def slack_app(application: Callable[[], Application]) -> SlackApp | None:
    """The Slack app when a signing secret is set (OPSDESK_SLACK_SIGNING_SECRET), else None."""
    secret = application().deployment.slack_signing_secret
    return SlackApp(secret.get_secret_value(), application) if secret else None


def _no_token(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
    """Every answer goes back in the response or to the request's response_url, and every message opsdesk
    posts goes through the outbox, so the listeners need no token."""
    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id)


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode(errors="replace"))


def _unreadable(text: str, content_type: str) -> str | None:
    """What is wrong with a body Slack would not send (None: Bolt can read it)."""
    try:
        if content_type.startswith("application/json"):
            return None if isinstance(json.loads(text), dict) else "the JSON body is not an object"
        form = parse_qs(text, strict_parsing=False)
        if "payload" in form:
            payload: Any = json.loads(form["payload"][0])
            return None if isinstance(payload, dict) else "the payload field is not a JSON object"
    except (json.JSONDecodeError, RecursionError):
        return "the body is not JSON where Slack sends JSON (a JSON body, or the form's payload field)"
    if not form:
        return "the body is neither JSON nor a form, as Slack sends"
    return None


def _bolt_request(text: str, headers: Mapping[str, str]) -> BoltRequest | None:
    """The request as Bolt reads it; None when Bolt cannot read its ids (a user that is a number)."""
    try:
        return BoltRequest(body=text, headers=dict(headers))
    except (TypeError, KeyError, AttributeError, ValueError):
        return None


def _error(status: int, detail: str) -> BoltResponse:
    return BoltResponse(
        status=status, body=json.dumps({"detail": detail}), headers={"content-type": "application/json"}
    )
