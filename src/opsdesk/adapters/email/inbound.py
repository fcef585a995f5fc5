"""Critical-incident email in: raw MIME bytes to an IncidentEmail, whatever the bytes, never raising."""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from email.errors import InvalidBase64LengthDefect
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses

from opsdesk.adapters.email.automatic import automatic_reason, is_null
from opsdesk.adapters.email.mime_text import (
    MARKUP_CHARS,
    HeaderText,
    clean_facts,
    codec_of,
    decode_bytes,
    decode_words,
    has_unsafe,
    html_text,
    lenient_base64,
    one_line,
    restore_text,
    result_segments,
)
from opsdesk.domain.incidents.email import (
    ATTACHMENT_LIMIT,
    MESSAGE_ID_LIMIT,
    THREAD_LIMIT,
    Attachment,
    EmailPolicy,
    IncidentEmail,
    Verdict,
    named_channel,
)
from opsdesk.domain.incidents.model import SUMMARY_LIMIT

DEPTH_LIMIT = 20  # multipart nesting read
PART_LIMIT = 200  # MIME parts read
PROBLEM_LIMIT = 10
# The stdlib parser builds every part and reads every line before PART_LIMIT applies (seconds for a
# message of 650,000 tiny parts): a message with far more boundary-like lines, or lines, than a real one
# is read only from its start.
BOUNDARY_LIMIT = 20 * PART_LIMIT  # lines starting "--"
LINE_LIMIT = 1_000_000  # a 10 MB message of base64 has some 130,000
PREFIX_BYTES = 512 * 1024  # read of such a message
NAME_LIMIT = 200  # an attachment's name
SHOWN = 100  # a header value quoted in a reason or a problem

# The headers read; the rest are never decoded (a message may carry hundreds of thousands).
_READ = frozenset({
    "message-id", "from", "subject", "in-reply-to", "references", "authentication-results", "auto-submitted",
    "precedence", "list-id", "list-unsubscribe", "x-auto-response-suppress", "x-autoreply", "x-autorespond",
})  # fmt: skip
_ID = re.compile(r"<[^<>\s]+>")
_BARE_ID = re.compile(r"[^<>\s@]+@[^<>\s@]+")
_LOCAL = re.compile(r"[^\s@<>()\[\]\\,;:\"]{1,64}")
_DOMAIN = re.compile(r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)*[^\W_](?:[\w-]{0,61}[^\W_])?")
_CONTENT_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]{1,63}/[a-z0-9!#$&^_.+-]{1,127}")
_DMARC = re.compile(r"\s*dmarc\s*(?:/\s*\d+\s*)?=\s*([a-z]+)", re.IGNORECASE)


def parse_email(raw: bytes, *, sender: str, policy: EmailPolicy) -> IncidentEmail:
    """The message as opsdesk reads it. Any bytes give a result: what could not be read is a problem line."""
    try:
        return _parse(raw, sender, policy)
    except Exception as error:  # the stdlib parser has edge cases that raise: a message must never be lost
        return _unreadable(raw, sender, policy, error)


def dmarc_verdict(results: Iterable[str], authserv_id: str | None) -> Verdict:
    """The DMARC verdict in Authentication-Results header values (RFC 8601) from the trusted relay: only those
    whose authserv-id is `authserv_id` count, since anyone upstream can add such a header. Any `fail` is FAIL;
    PASS needs every DMARC result the relay wrote to be `pass`; anything else is NONE."""
    if not authserv_id:
        return Verdict.NONE
    found: list[str] = []
    for value in results:
        segments = result_segments(value[:10_000])
        head = segments[0].split()
        if head and head[0].strip('"').lower() == authserv_id.strip().lower():
            found += [m.group(1).lower() for s in segments[1:] if (m := _DMARC.match(s))]
    if "fail" in found:
        return Verdict.FAIL
    return Verdict.PASS if found and all(r == "pass" for r in found) else Verdict.NONE


def _parse(raw: bytes, sender: str, policy: EmailPolicy) -> IncidentEmail:
    problems: list[str] = []
    message = _message(raw, problems)
    headers = HeaderText(message, _READ)
    message_id, made = _message_id(headers, raw, problems)
    author = _author(headers, problems)
    subject = one_line(decode_words(headers.first("subject") or ""), SUMMARY_LIMIT) or "(no subject)"
    parts = _parts(message, problems)
    leaves = [part for part in parts if not part.is_multipart() or _is_message(part)]
    facts = _facts(leaves, policy.facts_chars, problems)
    attachments = _attachments(leaves, policy.attachment_bytes, problems)
    problems += _defects(parts)
    return IncidentEmail(
        message_id=message_id,
        sender=sender,
        author=author,
        subject=subject,
        facts=facts,
        channel=named_channel(facts, subject),
        thread=_thread(headers, message_id),
        attachments=attachments,
        automatic=automatic_reason(headers, message.get_content_type(), sender, author),
        dmarc=dmarc_verdict(headers.all("authentication-results"), policy.authserv_id),
        problems=_summarised(problems),
        made_id=made,
    )


def _message(raw: bytes, problems: list[str]) -> Message:
    # compat32 keeps header values as received (the default policy's header objects parse lazily and can
    # raise on odd input); this module decodes them itself.
    raw = _readable_start(raw, problems)
    try:
        return BytesParser(policy=compat32).parsebytes(raw)
    except Exception:  # RecursionError on very deep nesting, above all
        problems.append("the MIME structure could not be read (nested too deep?): only its headers were")
        return BytesParser(policy=compat32).parsebytes(raw, headersonly=True)


def _readable_start(raw: bytes, problems: list[str]) -> bytes:
    """The message, or only its start when it has far too many parts or lines to parse them all."""
    # The parser ends lines at CRLF, LF or CR: each count below sees each line once, whichever it is.
    boundaries = raw.count(b"\n--") + raw.count(b"\r--")
    lines = raw.count(b"\n") + raw.count(b"\r") - raw.count(b"\r\n")
    if boundaries <= BOUNDARY_LIMIT and lines <= LINE_LIMIT:
        return raw
    many = (
        f"MIME parts ({boundaries} boundary-like lines)"
        if boundaries > BOUNDARY_LIMIT
        else f"lines ({lines})"
    )
    problems.append(f"far too many {many}: only the first {PREFIX_BYTES // 1024} KB of the message was read")
    return raw[:PREFIX_BYTES]


def _unreadable(raw: bytes, sender: str, policy: EmailPolicy, error: Exception) -> IncidentEmail:
    text = decode_bytes(raw[: policy.facts_chars * 4], None, final=False)[0]
    facts = clean_facts(text, policy.facts_chars, cut=len(raw) > policy.facts_chars * 4)
    return IncidentEmail(
        message_id=_made_id(raw),
        sender=sender,
        author="",
        subject="(no subject)",
        facts=facts,
        channel=named_channel(facts),
        automatic="the null sender (a bounce)" if is_null(sender) else None,
        problems=(f"the message could not be read ({type(error).__name__}): its raw text is the facts",),
        made_id=True,
    )


def _made_id(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}.made@opsdesk.invalid>"


def _cut_id(token: str) -> str:
    # Cut keeping the brackets, so a reply's References to a long id matches the id as stored.
    return token if len(token) <= MESSAGE_ID_LIMIT else token[: MESSAGE_ID_LIMIT - 1] + ">"


def _ids(value: str) -> Iterator[str]:
    return (_cut_id(m.group()) for m in _ID.finditer(value) if not has_unsafe(m.group()))


def _message_id(headers: HeaderText, raw: bytes, problems: list[str]) -> tuple[str, bool]:
    values = headers.all("message-id")
    if len(values) > 1:
        problems.append(f"{len(values)} Message-ID headers: the first was kept")
    value = values[0].strip() if values else ""
    found = next(_ids(value), None)
    if found is None and _BARE_ID.fullmatch(value) and not has_unsafe(value):
        problems.append("the Message-ID had no angle brackets: they were added")
        found = _cut_id(f"<{value}>")
    if found is not None:
        return found, False
    problems.append(
        "an unreadable Message-ID: one was made from the message"
        if value
        else "no Message-ID: one was made from the message"
    )
    return _made_id(raw), True


def _thread(headers: HeaderText, own: str) -> tuple[str, ...]:
    """The thread's Message-IDs, oldest first (RFC 5322 section 3.6.4): References in order, then In-Reply-To
    when References lacks it; each once, never the message's own. Past THREAD_LIMIT the first (the thread's
    start) and the newest are kept, as RFC 5322 trims References. Only the newest are remembered, so memory
    stays bounded however many: an id repeated after THREAD_LIMIT newer ones comes back as the newest."""
    first: str | None = None
    newest: OrderedDict[str, None] = OrderedDict()
    for value in (*headers.all("references"), *headers.all("in-reply-to")):
        for token in _ids(value):
            if token in (own, first) or token in newest:
                continue
            if first is None:
                first = token
                continue
            newest[token] = None
            if len(newest) == THREAD_LIMIT:
                newest.popitem(last=False)
    return (first, *newest) if first else ()


def _author(headers: HeaderText, problems: list[str]) -> str:
    # The address is read from the header as sent: an addr-spec is never encoded, and decoding the display
    # name first would let an encoded "<someone@else>" in it pass for the address.
    values = headers.all("from")
    if len(values) != 1:
        problems.append(f"{len(values)} From headers: no author was taken" if values else "no From header")
        return ""
    addresses = [a for _, a in getaddresses([values[0]]) if a] if len(values[0]) <= 2000 else []
    if len(addresses) == 1 and (address := _valid_address(addresses[0])):
        return address
    problems.append(f"no one address could be read in From: {one_line(values[0], SHOWN)!r}")
    return ""


def _valid_address(address: str) -> str:
    local, at, domain = address.strip().rpartition("@")
    domain = domain.rstrip(".").lower()
    if (
        at
        and _LOCAL.fullmatch(local)
        and not has_unsafe(local)
        and len(domain) <= 253
        and _DOMAIN.fullmatch(domain)
    ):
        return f"{local}@{domain}"
    return ""


def _is_message(part: Message) -> bool:
    return part.get_content_maintype() == "message"


def _parts(message: Message, problems: list[str]) -> list[Message]:
    """The message's parts in order, depth first, at most PART_LIMIT and DEPTH_LIMIT deep. An attached message
    (message/*) is one part: its own parts belong to another message."""
    parts: list[Message] = []
    stack = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        if len(parts) == PART_LIMIT:
            problems.append(f"more than {PART_LIMIT} MIME parts: the rest were not read")
            break
        parts.append(part)
        if part.is_multipart() and not _is_message(part):
            if depth == DEPTH_LIMIT:
                problems.append(f"parts nested more than {DEPTH_LIMIT} deep were not read")
                continue
            children = [p for p in part.get_payload() if isinstance(p, Message)]
            stack += [(child, depth + 1) for child in reversed(children)]
    return parts


def _payload(part: Message) -> bytes:
    """The part's bytes after its Content-Transfer-Encoding (broken base64 is read as far as it goes)."""
    if part.is_multipart():
        try:
            return b"".join(p.as_bytes() for p in part.get_payload() if isinstance(p, Message))
        except Exception:  # an attached message that cannot be written out again: its size is unknown
            return b""
    # Never get_payload(decode=False) on a leaf: with 8-bit bytes it decodes them in the declared charset,
    # and a charset such as zlib raises.
    seen = len(part.defects)
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return b""
    if any(isinstance(d, InvalidBase64LengthDefect) for d in part.defects[seen:]):
        return lenient_base64(data)  # the stdlib gave up and returned the base64 itself
    return data


def _is_attachment(part: Message) -> bool:
    if part.get_content_disposition() == "attachment":
        return True
    return part.get_content_maintype() != "text" and part.get_filename() is not None


def _facts(leaves: list[Message], limit: int, problems: list[str]) -> str:
    """The text of the first plain-text part that is not an attachment, else of the first HTML one; an empty
    part is passed over (a broken boundary or a lazy mailer leaves them)."""
    kinds = [(part, _text_kind(part)) for part in leaves]
    for subtype in ("plain", "html"):
        for part, kind in kinds:
            if kind == subtype and (facts := _text(part, subtype, limit, problems)):
                return facts
    problems.append("no plain-text or HTML part with text in it: there are no facts")
    return ""


def _text_kind(part: Message) -> str | None:
    """Whether the part's text may be the facts, and read as which: "plain", "html", or None (it may not)."""
    if _is_attachment(part):
        return None
    maintype, subtype = part.get_content_maintype(), part.get_content_subtype()
    if maintype == "text" and subtype in {"plain", "html"}:
        return subtype
    # A multipart without a (usable) boundary could not be split: its body is read as plain text.
    return "plain" if maintype == "multipart" and not part.is_multipart() else None


def _text(part: Message, subtype: str, limit: int, problems: list[str]) -> str:
    data = _payload(part)
    budget = limit * 4 + 16 if subtype == "plain" else MARKUP_CHARS * 4  # bytes: up to 4 a character
    text = _decoded(data[:budget], part.get_content_charset(), len(data) <= budget, problems)
    cut = len(data) > budget
    if subtype == "html":
        text, longer = html_text(text, limit)
        cut = cut or longer
    return clean_facts(text, limit, cut=cut)


def _decoded(data: bytes, charset: str | None, final: bool, problems: list[str]) -> str:
    text, codec = decode_bytes(data, charset, final=final)
    shown = one_line(charset or "", 40)
    if charset and codec_of(charset) is None:
        problems.append(f"the text's charset {shown!r} is unknown: it was read as {codec}")
    elif charset and codec != codec_of(charset):
        problems.append(f"the text was not valid {shown}: it was read as {codec}")
    elif not charset and not data.isascii():
        problems.append(f"the text's 8-bit bytes named no charset: they were read as {codec}")
    return text


def _attachments(leaves: list[Message], limit: int, problems: list[str]) -> tuple[Attachment, ...]:
    """The attachments, listed and never opened."""
    listed = [p for p in leaves if _is_attachment(p)]
    if len(listed) > ATTACHMENT_LIMIT:
        problems.append(f"{len(listed) - ATTACHMENT_LIMIT} more attachments were not listed")
    attachments = []
    for part in listed[:ATTACHMENT_LIMIT]:
        name = one_line(decode_words(restore_text(part.get_filename() or "")), NAME_LIMIT)
        content_type = part.get_content_type()
        if not _CONTENT_TYPE.fullmatch(content_type):
            content_type = "application/octet-stream"
        attachment = Attachment(name or "(unnamed)", content_type, len(_payload(part)))
        if attachment.size > limit:
            problems.append(f"the attachment {attachment.name!r} is {attachment.size} bytes, over {limit}")
        attachments.append(attachment)
    return tuple(attachments)


def _defects(parts: list[Message]) -> list[str]:
    """The MIME defects the parser noted, in one sentence."""
    names: dict[str, None] = {}
    for part in parts:
        for defect in part.defects:
            words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z0-9]+", type(defect).__name__)
            names.setdefault(" ".join(w.lower() for w in words if w != "Defect"), None)
    if not names:
        return []
    listed = ", ".join(list(names)[:5]) + (", ..." if len(names) > 5 else "")
    return [f"the MIME structure was damaged ({listed}): it was read as far as it could be"]


def _summarised(problems: list[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(problems))
    if len(unique) <= PROBLEM_LIMIT:
        return tuple(unique)
    return (*unique[: PROBLEM_LIMIT - 1], f"and {len(unique) - PROBLEM_LIMIT + 1} more oddities")
