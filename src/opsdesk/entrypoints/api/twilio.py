"""Twilio's webhooks: an engineer's SMS reply to a page ('4 ack', or a test page's 'T4821'), a key pressed
in a page's or test page's call (the <Gather> of the call's TwiML) and each page's delivery status. Authenticated by X-Twilio-Signature over
opsdesk's public address (OPSDESK_PUBLIC_URL: a proxy sits in front, so never the request's own Host) and
the form's fields, never by a bearer token; answered in TwiML."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

import phonenumbers
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from opsdesk.bootstrap.channels import twilio_set_up
from opsdesk.domain.incidents.page_test import parse_test_key
from opsdesk.domain.incidents.paging import PageRef, parse_page_key
from opsdesk.domain.incidents.phone_reply import read_reply
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.services.incidents.from_phone import NO_KEY

logger = logging.getLogger("opsdesk.twilio")
ROUTES = "/api/v1/twilio/"
TWILIO_LIMIT = 64 * 1024  # Twilio's webhook bodies are a few hundred bytes
PHONE_REGION = "GB"  # a number without its country code is read as a UK number
NOT_SET_UP = (
    "Twilio webhooks are not set up: set OPSDESK_TWILIO_ACCOUNT_SID, OPSDESK_TWILIO_AUTH_TOKEN, "
    "OPSDESK_TWILIO_FROM and OPSDESK_PUBLIC_URL"
)
FIELDS = 64  # form fields read at most: Twilio sends about twenty
SID = 64  # characters of a MessageSid or CallSid kept in a receipt
_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
XML = "text/xml"
_TEXT = {"text/plain": {"schema": {"type": "string"}}}
RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "a body Twilio would not send (not a form, a field missing)", "content": _TEXT},
    401: {"description": "a missing or wrong X-Twilio-Signature", "content": _TEXT},
    404: {"description": "Twilio's webhooks are not set up", "content": _TEXT},
    413: {"description": "a body over 64 KB"},
}


class TwiML(Response):
    """An answer in TwiML, as Twilio reads it."""

    media_type = XML


@dataclass(frozen=True)
class Signed:
    """A webhook whose signature matched: its form fields."""

    form: dict[str, str]

    def get(self, name: str, limit: int = 200) -> str:
        return self.form.get(name, "")[:limit]

    def sid(self, name: str) -> str:
        """A MessageSid or CallSid ("" when missing, or when it is not letters and digits as Twilio's are)."""
        value = self.get(name, SID + 1)
        return value if _SID.match(value) else ""


NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def twilio_routes(context: ApiContext) -> APIRouter:
    router = APIRouter(tags=["intake"])

    async def signed(request: Request) -> Signed | Response:
        """The request's form once its signature is checked; else the answer to give."""
        config = context.app.deployment
        if not (twilio_set_up(config) and config.public_url and config.twilio_auth_token):
            return _plain(404, NOT_SET_UP)
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=FIELDS, strict_parsing=bool(text))
        except (UnicodeDecodeError, ValueError):
            return _plain(400, "the body is not a form (application/x-www-form-urlencoded, UTF-8)")
        form = dict(pairs)
        query = request.url.query
        url = config.public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")
        signature = request.headers.get("x-twilio-signature", "")
        validator = RequestValidator(config.twilio_auth_token.get_secret_value())
        if not signature or not validator.validate(url, form, signature):
            return _plain(401, "the X-Twilio-Signature does not match this request and the auth token")
        return Signed(form)

    @router.post(f"{ROUTES}sms", responses=RESPONSES, response_class=TwiML)
    async def twilio_sms(request: Request) -> Response:
        """An SMS to opsdesk's number: an engineer's reply to a page ('4 ack', '4 resolve', 'ack'),
        answered by SMS (TwiML <Message>)."""
        hook = await signed(request)
        if isinstance(hook, Response):
            return hook
        sid, sender = hook.sid("MessageSid"), hook.get("From", 100)
        if not sid or not sender:
            return _plain(400, "MessageSid (a Twilio sid) and From are required")
        phone = e164(sender)
        if phone is None:
            return _message("opsdesk could not read this number: send from the phone on the opsdesk team.")
        reply = read_reply(hook.form.get("Body", ""))
        answer = await run_in_threadpool(context.incidents.reply_by_sms, phone, reply, f"twilio-sms:{sid}")
        return _message(None if answer is None else answer.text)

    @router.post(f"{ROUTES}voice", responses=RESPONSES, response_class=TwiML)
    async def twilio_voice(request: Request, key: str = "") -> Response:
        """The key pressed in a page's call (the <Gather>'s action): 1 acknowledges the incident (in a
        test page's call, the test page)."""
        hook = await signed(request)
        if isinstance(hook, Response):
            return hook
        ref = parse_page_key(key[:200])
        test = parse_test_key(key[:200])
        digits, sid = hook.get("Digits", 20), hook.sid("CallSid")
        if test is not None and test[1] != "voice":
            test = None
        if (ref is None and test is None) or not sid:
            return _say("opsdesk cannot tell which page this call is. Acknowledge in Slack. Goodbye.")
        if not digits:
            return await _no_key(context, ref, hook, sid)
        if digits != "1":
            return _gather(key, context, "Press 1 to acknowledge, or hang up.")
        phone = e164(hook.get("To", 100))
        if phone is None:
            return _say("opsdesk cannot tell whom this call rang. Acknowledge in Slack. Goodbye.")
        return await _pressed(context, ref or test, phone, f"twilio-call:{sid}:{digits}")

    @router.post(f"{ROUTES}status", responses=RESPONSES, response_class=PlainTextResponse)
    async def twilio_status(request: Request, key: str = "") -> Response:
        """Twilio's status of a page's SMS (MessageStatus) or call (CallStatus), on the incident's
        timeline; a status for no page of opsdesk's is ignored."""
        hook = await signed(request)
        if isinstance(hook, Response):
            return hook
        ref = parse_page_key(key[:200])
        status = _printable(hook.get("MessageStatus", 40) or hook.get("CallStatus", 40))
        sid = hook.sid("MessageSid") or hook.sid("CallSid")
        if ref is None or not status or not sid:
            logger.info("Twilio status ignored: no page key, status or sid (key %r)", key[:100])
            return _plain(200, "ignored: not a page's status")
        said = await run_in_threadpool(_status, context, ref, hook, (status, sid))
        return _plain(200, said)

    return router


async def _no_key(context: ApiContext, ref: PageRef | None, hook: Signed, sid: str) -> Response:
    """The call was read out and no key pressed (voicemail took it, or a phone face down): for a page, a
    failed voice page (the engineer's next method now)."""
    if ref is None:
        return _say("No key pressed. Goodbye.")
    phone = e164(hook.get("To", 100)) or ""
    status = (ref, phone, NO_KEY, None, f"twilio-call:{sid}:no-key")
    await run_in_threadpool(context.incidents.page_status, *status)
    return _say("No key pressed: opsdesk will page again. Goodbye.")


async def _pressed(
    context: ApiContext, page: PageRef | tuple[str, str] | None, phone: str, receipt: str
) -> Response:
    """1 pressed in a page's call (or a test page's: its code and method), which rang `phone`."""
    if isinstance(page, PageRef):
        answer = await run_in_threadpool(context.incidents.acknowledge_by_call, page, phone, receipt)
        return _say("This key press was taken already. Goodbye." if answer is None else answer.text)
    if page is None:
        return _say("opsdesk cannot tell which page this call is. Acknowledge in Slack. Goodbye.")
    code = page[0]
    tested = await run_in_threadpool(context.incidents.acknowledge_test_by_call, code, phone, receipt)
    return _say("This key press was taken already. Goodbye." if tested is None else tested.text)


def _status(context: ApiContext, ref: PageRef, hook: Signed, found: tuple[str, str]) -> str:
    status, sid = found
    code = "".join(c for c in hook.get("ErrorCode", 10) if c.isascii() and c.isdigit()) or None
    phone = e164(hook.get("To", 100)) or ""
    return context.incidents.page_status(ref, phone, status, code, f"twilio-status:{sid}:{status}")


def e164(number: str) -> str | None:
    """A phone number as E.164 (+447911123456), read as a UK number when it has no country code; None for
    what is no valid number."""
    try:
        parsed = phonenumbers.parse(number, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _printable(text: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() else "?" for c in text)


def _plain(status: int, text: str) -> Response:
    return Response(text, status, media_type="text/plain")


def _xml_text(text: str) -> str:
    """Text TwiML can carry: what XML 1.0 allows (an alarm's escape codes and the like taken out)."""
    return NOT_XML.sub("", text)


def _message(text: str | None) -> Response:
    """An SMS answer; an empty <Response/> sends none (a retried message, answered before)."""
    response = MessagingResponse()
    if text:
        response.message(_xml_text(text))
    return Response(str(response), media_type=XML)


def _say(text: str) -> Response:
    response = VoiceResponse()
    response.say(_xml_text(text))
    response.hangup()
    return Response(str(response), media_type=XML)


def _gather(key: str, context: ApiContext, prompt: str) -> Response:
    """Another chance at the key: the same <Gather>, posting here again."""
    public = (context.app.deployment.public_url or "").rstrip("/")
    response = VoiceResponse()
    action = f"{public}{ROUTES}voice?key={quote(key, safe=':')}"
    keys = response.gather(num_digits=1, action=action, method="POST", timeout=5, action_on_empty_result=True)
    keys.say(prompt)
    response.say("No key pressed: opsdesk will page again. Goodbye.")
    return Response(str(response), media_type=XML)
