"""Pages by SMS (Twilio's Messages API) and by voice call (its Calls API), through Twilio's own client.

The outbox owns retries: the client sends once, with a short time-out, and every failure comes back as a
DeliveryError: a rate limit (429, with its Retry-After) and Twilio's 5xx are retried, a refused number
(21211 invalid 'To', 21614 not a mobile, ...) is permanent and named by its code, and a time-out or an
answer cut short leaves the attempt in doubt. Twilio takes no idempotency key, so after a lost answer the
channel looks at what Twilio holds for that number since the attempt began before it sends again.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse
from urllib3.exceptions import NewConnectionError

from opsdesk.domain.outbox import Arrival, DeliveryError, OutgoingMessage, Reference, retry_after

# Twilio's error codes for a number that will never take this message: retrying cannot help.
# https://www.twilio.com/docs/api/errors
REFUSED = {
    21211: "invalid 'To' phone number",
    21214: "'To' phone number cannot be reached",
    21217: "'To' phone number is not valid",
    21610: "the recipient has replied STOP to this sender",
    21612: "the 'To' number cannot be reached from the 'From' number",
    21614: "'To' number is not a mobile number",
    21408: "permission to send to this region is not enabled",
}
SAY_LOOPS = 3  # the page is read three times: a sleeping engineer may miss the first
LOOK_BACK = timedelta(minutes=1)  # Twilio's clock and ours may differ a little
LOOK_LIMIT = 50  # messages or calls to the number looked through after a lost answer
CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]  # a call's progress Twilio reports
POOL = 32  # connections kept to Twilio: at least the pages a worker sends side by side
GATHER_SECONDS = 5  # the wait for a key after the last reading
PRESS_1 = "Press 1 to acknowledge."
NO_KEY = "No key pressed: opsdesk will page again."


class _Answers(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no type hints
    """Twilio's HTTP client, keeping each thread's last answer (its errors drop the headers, Retry-After
    too): pages are sent side by side, so one thread's 429 must not be read with another's headers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._mine = threading.local()

    @property
    def last(self) -> Response | None:
        return getattr(self._mine, "last", None)

    def request(self, *args: Any, **kwargs: Any) -> Response:
        self._mine.last = None
        self._mine.last = super().request(*args, **kwargs)
        return self._mine.last


class _Twilio:
    def __init__(  # noqa: PLR0917  (Twilio's account, the number, where, and opsdesk's own address)
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_url: str,
        timeout: float,
        public_url: str | None = None,
    ) -> None:
        self._public = public_url.rstrip("/") if public_url else None
        self._http = _Answers(timeout=timeout, max_retries=0, proxy=get_environ_proxies(api_url))
        _settle(self._http.session)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        self._client.api.base_url = api_url.rstrip("/")  # a region edge, or a local fake
        self._sender = sender

    def _failure(self, exc: Exception, doing: str) -> DeliveryError:
        if isinstance(exc, TwilioRestException):
            return self._refused(exc)
        if _before_sending(exc):  # refused, unreachable, no TLS: nothing reached Twilio
            return DeliveryError(f"Twilio unreachable while {doing}: {str(exc)[:200]}")
        return DeliveryError(
            f"Twilio did not answer in full while {doing}: {type(exc).__name__}: {str(exc)[:200]}",
            in_doubt=True,
        )

    def _refused(self, exc: TwilioRestException) -> DeliveryError:
        code = f" (error {exc.code})" if exc.code else ""
        if exc.status == 429:
            headers = self._http.last.headers if self._http.last is not None else {}
            wait = retry_after((headers or {}).get("Retry-After"), datetime.now(UTC)) or timedelta(seconds=60)
            return DeliveryError(
                f"HTTP 429 from Twilio{code} (retry after {int(wait.total_seconds())} s)", wait
            )
        if exc.status >= 500:
            return DeliveryError(f"HTTP {exc.status} from Twilio{code}")
        known = REFUSED.get(exc.code or 0)
        reason = f"{known}: {exc.msg}" if known else exc.msg
        return DeliveryError(f"Twilio refused{code}, HTTP {exc.status}: {reason[:300]}", permanent=True)

    def _hook(self, route: str, message: OutgoingMessage) -> str | None:
        """opsdesk's webhook for this message (None without OPSDESK_PUBLIC_URL): keyed by its outbox key."""
        if self._public is None:
            return None
        return f"{self._public}/api/v1/twilio/{route}?key={quote(message.idempotency_key, safe=':')}"

    def _since(self, since: datetime, created: datetime | None) -> bool:
        return created is not None and created >= since - LOOK_BACK


class TwilioSms(_Twilio):
    """An SMS to the engineer's phone: the payload's `body`, from the deployment's number."""

    def send(self, message: OutgoingMessage) -> Reference | None:
        try:
            sent = self._client.messages.create(
                to=message.destination,
                from_=self._sender,
                body=str(message.payload["body"]),
                **_callback(self._hook("status", message)),
            )
        except (TwilioException, requests.RequestException, json.JSONDecodeError) as exc:
            raise self._failure(exc, "sending an SMS") from None
        return {"sid": str(sent.sid)} if sent.sid else None

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        """An SMS to the number, with this body, created since the attempt began: it arrived."""
        try:
            found = self._client.messages.list(to=message.destination, limit=LOOK_LIMIT)
        except (TwilioException, requests.RequestException, json.JSONDecodeError) as exc:
            raise self._failure(exc, "looking for an earlier SMS") from None
        body = str(message.payload["body"])
        if any(m.body == body and self._since(since, m.date_created) for m in found):
            return Arrival.ARRIVED
        return Arrival.SEND


class TwilioVoice(_Twilio):
    """A call to the engineer's phone that reads the payload's `say` out, three times.

    With OPSDESK_PUBLIC_URL, the engineer may press 1 to acknowledge (a <Gather> posting to opsdesk's
    voice webhook), and Twilio reports the call's progress (initiated, ringing, answered, completed: busy,
    no-answer, failed or canceled) to its status webhook.
    """

    def send(self, message: OutgoingMessage) -> Reference | None:
        try:
            status = self._hook("status", message)
            call = self._client.calls.create(
                to=message.destination,
                from_=self._sender,
                twiml=twiml(
                    str(message.payload["say"]),
                    self._hook("voice", message),
                    str(message.payload.get("unattended") or ""),
                ),
                **_callback(status),
                **(
                    {"status_callback_event": CALL_EVENTS, "status_callback_method": "POST"} if status else {}
                ),
            )
        except (TwilioException, requests.RequestException, json.JSONDecodeError) as exc:
            raise self._failure(exc, "placing a call") from None
        return {"sid": str(call.sid)} if call.sid else None

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        """A call from our number to this one, created since the attempt began: the engineer was rung (a
        call holds no text to match, and a second call is worse than none only if the first was this one)."""
        try:
            found = self._client.calls.list(to=message.destination, from_=self._sender, limit=LOOK_LIMIT)
        except (TwilioException, requests.RequestException, json.JSONDecodeError) as exc:
            raise self._failure(exc, "looking for an earlier call") from None
        if any(self._since(since, c.date_created) for c in found):
            return Arrival.ARRIVED
        return Arrival.SEND


def _settle(session: requests.Session) -> None:
    """The environment read once (proxies above, the CA bundle here), not at every send: requests looks
    through the whole environment for each request otherwise (0.7 ms of a core per SMS). A connection
    kept for each page sent side by side, never retried by requests (the outbox retries)."""
    session.trust_env = False
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    adapter = HTTPAdapter(max_retries=0, pool_maxsize=POOL)
    session.mount("https://", adapter)
    session.mount("http://", adapter)


def _before_sending(exc: Exception) -> bool:
    """Whether the request failed before Twilio could have read it (a connection cut after it was sent,
    or an answer that never came, leaves it in doubt)."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _callback(url: str | None) -> dict[str, str]:
    return {"status_callback": url} if url else {}


def twiml(say: str, gather: str | None = None, unattended: str = "") -> str:
    """The call's TwiML: the page read out SAY_LOOPS times; with `gather` (opsdesk's voice webhook for this
    page), inside a <Gather> of one key, "press 1 to acknowledge" after each reading, and a last word when
    no key was pressed; without, each reading followed by `unattended` (how else to acknowledge)."""
    response = VoiceResponse()
    if gather is None:
        response.say(f"{say} {unattended}".strip(), loop=SAY_LOOPS)
        return str(response)
    # With no key pressed (voicemail took the call, say) Twilio still asks the action: the page failed.
    keys = response.gather(
        num_digits=1, action=gather, method="POST", timeout=GATHER_SECONDS, action_on_empty_result=True
    )
    for _ in range(SAY_LOOPS):
        keys.say(say)
        keys.say(PRESS_1)
    response.say(NO_KEY)
    return str(response)
