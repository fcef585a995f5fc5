"""A local Twilio REST API (2010-04-01), answering as its documentation says.

POST /2010-04-01/Accounts/{AccountSid}/Messages.json (To, From, Body) and .../Calls.json (To, From,
Twiml), form-encoded, with HTTP Basic auth AccountSid:AuthToken: 201 and the new resource as JSON
({"sid": "SM...", "status": "queued", ...}); GET of either lists them ({"messages": [...]}, newest
first, filtered by To and From). Errors as Twilio writes them: {"code": 21211, "message": ...,
"more_info": ..., "status": 400}; a 'To' that is not E.164 is 21211, one listed in `landlines` is 21614
for an SMS; 401 (20003) for wrong credentials. Scripted answers (429 with Retry-After, 5xx, a stall
longer than the client's time-out) come first when asked.

Twilio's side of opsdesk's webhooks: `status` (a message delivered, a call not answered, ...), `press` (a
key pressed in a call's <Gather>) and `incoming_sms` (an engineer's reply) build the form Twilio posts, at
the URL it posts to, signed as Twilio signs (X-Twilio-Signature, over that URL and the fields, with the
auth token); `Webhook.post` sends it to the app under test.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response as HttpxResponse
from pytest_httpserver import HTTPServer
from twilio.request_validator import RequestValidator
from werkzeug import Request, Response

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-auth-token-for-tests"
SENDER = "+441234567890"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
API_VERSION = "2010-04-01"
PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/(?P<kind>Messages|Calls)\.json$")


@dataclass
class Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    code: int | None = None
    stall: float = 0.0  # seconds to wait before answering (past the client's time-out)
    then_record: bool = False  # act on the request before the answer is lost


@dataclass(frozen=True)
class Webhook:
    """One request Twilio makes to opsdesk: the full URL it posts to, and the form."""

    url: str
    params: dict[str, str]

    def signature(self, token: str = AUTH_TOKEN, url: str | None = None) -> str:
        """X-Twilio-Signature as Twilio computes it (HMAC-SHA1 of the URL and the sorted fields)."""
        return str(RequestValidator(token).compute_signature(url or self.url, self.params))

    def post(
        self, client: TestClient, signature: str | None = None, params: dict[str, str] | None = None
    ) -> HttpxResponse:
        """The request posted to the app: its path and query (the public URL's host is the proxy's), the
        form (or `params`, sent instead), signed by the auth token unless `signature` is given ("" none)."""
        path = "/" + self.url.split("://", 1)[1].split("/", 1)[1]
        sign = self.signature() if signature is None else signature
        headers = {"X-Twilio-Signature": sign} if sign else {}
        return client.post(path, data=params if params is not None else self.params, headers=headers)


@dataclass
class FakeTwilio:
    server: HTTPServer
    script: list[Scripted] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    landlines: set[str] = field(default_factory=set)
    released: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def install(self) -> None:
        self.server.expect_request(PATH).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        match = PATH.match(request.path)
        assert match is not None
        if not self._authorised(request) or match["account"] != ACCOUNT_SID:
            return _error(401, 20003, "Authenticate")
        kind = match["kind"]
        if request.method == "GET":
            return self._list(kind, request)
        if self.script:
            scripted = self.script.pop(0)
            if scripted.then_record:
                self._create(kind, request.form)
            if scripted.stall:
                self.released.wait(scripted.stall)
            return _error(scripted.status, scripted.code or scripted.status, "scripted", scripted.headers)
        return self._create(kind, request.form)

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    def _create(self, kind: str, form: Any) -> Response:
        to, sender = form.get("To", ""), form.get("From", "")
        if not E164.match(to):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if sender != SENDER:
            return _error(
                400, 21606, "The 'From' phone number provided is not a valid message-capable number."
            )
        if kind == "Messages" and to in self.landlines:
            return _error(400, 21614, f"'To' number {to} is not a valid mobile number")
        if kind == "Messages" and not form.get("Body"):
            return _error(400, 21602, "Message body is required.")
        if kind == "Calls" and not (form.get("Twiml") or form.get("Url")):
            return _error(400, 21205, "Url parameter is required.")
        prefix = "SM" if kind == "Messages" else "CA"
        resource = {
            "sid": prefix + uuid.uuid4().hex,
            "account_sid": ACCOUNT_SID,
            "to": to,
            "from": sender,
            "status": "queued",
            "date_created": format_datetime(datetime.now(UTC), usegmt=True),
            "api_version": "2010-04-01",
        }
        resource |= {
            "status_callback": form.get("StatusCallback"),
            "status_callback_event": form.getlist("StatusCallbackEvent"),
        }
        if kind == "Messages":
            resource |= {"body": form["Body"], "num_segments": "1", "direction": "outbound-api"}
            self.messages.insert(0, resource)
        else:
            resource |= {"twiml": form.get("Twiml"), "direction": "outbound-api"}
            self.calls.insert(0, resource)
        return Response(json.dumps(resource), 201, content_type="application/json")

    def _list(self, kind: str, request: Request) -> Response:
        found = self.messages if kind == "Messages" else self.calls
        to, sender = request.args.get("To"), request.args.get("From")
        chosen = [
            r for r in found if (to is None or r["to"] == to) and (sender is None or r["from"] == sender)
        ]
        size = int(request.args.get("PageSize", "50"))
        key = "messages" if kind == "Messages" else "calls"
        body = {
            key: chosen[:size],
            "page": 0,
            "page_size": size,
            "first_page_uri": request.full_path,
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": request.full_path,
            "start": 0,
            "end": len(chosen[:size]),
        }
        return Response(json.dumps(body), 200, content_type="application/json")

    # -- Twilio's webhooks to opsdesk ------------------------------------------------------------------

    def status(self, resource: dict[str, Any], status: str, error_code: str | None = None) -> Webhook:
        """The status callback Twilio posts to the message's or call's StatusCallback: a message
        (MessageStatus: sent, delivered, undelivered, failed) or a call (CallStatus: initiated, ringing,
        in-progress, completed, busy, no-answer, failed, canceled)."""
        url = resource["status_callback"]
        assert url, "the message or call was created without a StatusCallback"
        common = {"AccountSid": ACCOUNT_SID, "From": resource["from"], "To": resource["to"]}
        common["ApiVersion"] = API_VERSION
        if str(resource["sid"]).startswith("SM"):
            params = common | {"MessageSid": resource["sid"], "SmsSid": resource["sid"]}
            params |= {"MessageStatus": status, "SmsStatus": status}
        else:
            params = common | {"CallSid": resource["sid"], "CallStatus": status, "Direction": "outbound-api"}
            params |= {"CallbackSource": "call-progress-events", "SequenceNumber": "0"}
        if error_code:
            params["ErrorCode"] = error_code
        return Webhook(url, params)

    def press(self, call: dict[str, Any], digits: str) -> Webhook:
        """The <Gather>'s action request once the engineer pressed `digits` in the call (an outbound call:
        From is opsdesk's number, To the engineer's)."""
        gather = ET.fromstring(str(call["twiml"])).find("Gather")
        assert gather is not None, "the call's TwiML has no <Gather>"
        params = {"AccountSid": ACCOUNT_SID, "CallSid": call["sid"], "From": call["from"], "To": call["to"]}
        params |= {"CallStatus": "in-progress", "Direction": "outbound-api", "ApiVersion": API_VERSION}
        params |= {"Digits": digits, "FinishedOnKey": ""}
        return Webhook(gather.attrib["action"], params)

    def incoming_sms(self, public_url: str, sender: str, body: str, to: str = SENDER) -> Webhook:
        """An SMS from `sender` to opsdesk's number, as the number's messaging webhook receives it."""
        sid = "SM" + uuid.uuid4().hex
        params = {"AccountSid": ACCOUNT_SID, "MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid}
        params |= {"From": sender, "To": to, "Body": body, "NumMedia": "0", "NumSegments": "1"}
        params |= {"ApiVersion": API_VERSION}
        return Webhook(f"{public_url.rstrip('/')}/api/v1/twilio/sms", params)


def _error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(json.dumps(body), status, headers, content_type="application/json")
