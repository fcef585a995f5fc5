"""Reading critical-incident email: a corpus of real-world and hostile messages, and any bytes at all."""

from __future__ import annotations

import base64
import quopri
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsdesk.adapters.email.inbound import dmarc_verdict, parse_email
from opsdesk.adapters.email.mime_text import CUT_MARK
from opsdesk.domain.incidents.email import (
    ATTACHMENT_LIMIT,
    MESSAGE_ID_LIMIT,
    THREAD_LIMIT,
    Attachment,
    EmailPolicy,
    IncidentEmail,
    Verdict,
)

RELAY = "mx.corp.example"
POLICY = EmailPolicy(authserv_id=RELAY, facts_chars=20_000, attachment_bytes=1000)
HEADERS = {"From": "Alice <alice@example.com>", "Subject": "Database down", "Message-ID": "<m1@example.com>"}


def mail(body: bytes = b"The orders database is down.\r\n", **headers: str | None) -> bytes:
    """A message: the usual headers (a keyword set to None drops one; `_` in a name is `-`), then the body."""
    fields = {**HEADERS, **{name.replace("_", "-"): value for name, value in headers.items()}}
    lines = [f"{name}: {value}" for name, value in fields.items() if value is not None]
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


def multipart(
    kind: str, *parts: bytes, boundary: str = "b0undary", close: bool = True, **headers: str
) -> bytes:
    """A multipart message of the parts (each its own headers and body), closed or not."""
    inner = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    closing = b"--" + boundary.encode() + b"--\r\n" if close else b""
    return mail(inner + closing, Content_Type=f'multipart/{kind}; boundary="{boundary}"', **headers)


def part(content_type: str, body: bytes, *extra: str) -> bytes:
    return "\r\n".join([f"Content-Type: {content_type}", *extra]).encode() + b"\r\n\r\n" + body


def read(raw: bytes, sender: str = "alice@example.com", policy: EmailPolicy = POLICY) -> IncidentEmail:
    return parse_email(raw, sender=sender, policy=policy)


# What every message read must be, whatever the bytes.
ID = re.compile(r"<[^<>\s]+>")
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def check_invariants(email: IncidentEmail, policy: EmailPolicy = POLICY) -> None:
    assert ID.fullmatch(email.message_id) and len(email.message_id) <= MESSAGE_ID_LIMIT
    assert len(email.subject.splitlines()) == 1 and not UNSAFE.search(email.subject)
    assert 1 <= len(email.subject) <= 1024 and email.subject == email.subject.strip()
    assert len(email.facts) <= policy.facts_chars + len(CUT_MARK)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]", email.facts)
    email.facts.encode("utf-8")  # no lone surrogate: it can be stored
    assert email.author == "" or (email.author.count("@") >= 1 and not UNSAFE.search(email.author))
    assert all(ID.fullmatch(t) and t != email.message_id for t in email.thread)
    assert len(email.thread) <= THREAD_LIMIT and len(email.attachments) <= ATTACHMENT_LIMIT
    assert all(not UNSAFE.search(a.name) and len(a.name) <= 200 for a in email.attachments)
    assert len(email.problems) <= 10
    # The last-resort guard in parse_email is never what read it.
    assert not any(p.startswith("the message could not be read") for p in email.problems)


def test_a_plain_message_reads_as_sent() -> None:
    email = read(mail(References="<m0@example.com>"))
    check_invariants(email)
    assert (email.message_id, email.author, email.sender) == (
        "<m1@example.com>",
        "alice@example.com",
        "alice@example.com",
    )
    assert (email.subject, email.facts) == ("Database down", "The orders database is down.")
    assert (email.thread, email.attachments, email.automatic, email.dmarc) == (
        ("<m0@example.com>",),
        (),
        None,
        Verdict.NONE,
    )
    assert (email.problems, email.made_id, email.channel) == ((), False, None)


def test_an_html_only_message_gives_its_visible_text() -> None:
    html = (
        b"<html><head><title>Alert</title><style>p {color: red}</style></head><body>"
        b"<h1>Orders&nbsp;down</h1><p>Since 09:14 &amp; still <b>failing</b></p><script>alert('x')</script>"
        b"<ul><li>eu-west</li><li>us-east</li></ul>Call me<br>Bob</body></html>"
    )
    email = read(mail(html, Content_Type="text/html; charset=utf-8"))
    assert (
        email.facts == "Orders\xa0down\n\nSince 09:14 & still failing\n\neu-west\n\nus-east\n\nCall me\nBob"
    )


def test_multipart_alternative_gives_the_plain_text() -> None:
    email = read(
        multipart(
            "alternative",
            part("text/plain; charset=utf-8", b"Plain: disk full on db-3"),
            part("text/html; charset=utf-8", b"<p>HTML: disk full on db-3</p>"),
        )
    )
    assert email.facts == "Plain: disk full on db-3"
    assert email.problems == ()


def test_an_empty_plain_part_gives_way_to_the_html() -> None:
    email = read(
        multipart("alternative", part("text/plain", b""), part("text/html", b"<div>Payments failing</div>"))
    )
    assert email.facts == "Payments failing"


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("iso-8859-1", "Le café est fermé"),
        ("windows-1252", "“Quoted” – €40 lost"),
        ("shift_jis", "データベース障害"),
        ("koi8-r", "База данных недоступна"),
        ("utf-8", "Ünïcödé ✓"),
    ],
)
def test_a_body_in_its_declared_charset(charset: str, text: str) -> None:
    email = read(mail(text.encode(charset), Content_Type=f"text/plain; charset={charset}"))
    assert (email.facts, email.problems) == (text, ())


def test_undeclared_8bit_is_read_as_utf8_then_windows_1252() -> None:
    as_utf8 = read(mail("naïve café".encode(), Content_Type="text/plain"))
    as_1252 = read(mail("naïve “café”".encode("cp1252"), Content_Type="text/plain"))
    assert (as_utf8.facts, as_1252.facts) == ("naïve café", "naïve “café”")
    assert as_1252.problems == ("the text's 8-bit bytes named no charset: they were read as cp1252",)


@pytest.mark.parametrize(
    ("declared", "problem"),
    [
        ("utf-8", "the text was not valid utf-8: it was read as cp1252"),
        ("us-ascii", "the text was not valid us-ascii: it was read as cp1252"),
        ("x-klingon", "the text's charset 'x-klingon' is unknown: it was read as cp1252"),
        ("zlib", "the text's charset 'zlib' is unknown: it was read as cp1252"),
    ],
)
def test_a_lying_or_unknown_charset_falls_back(declared: str, problem: str) -> None:
    email = read(mail("café".encode("latin-1"), Content_Type=f"text/plain; charset={declared}"))
    assert (email.facts, email.problems) == ("café", (problem,))


def test_8bit_base64_in_a_bytes_codec_charset_is_read() -> None:
    body = b"\xff\xfe" + base64.encodebytes(b"Disk full")
    email = read(mail(body, Content_Type="text/plain; charset=zlib", Content_Transfer_Encoding="base64"))
    assert email.facts.startswith("Disk full")


def test_base64_and_quoted_printable_bodies_are_decoded() -> None:
    text = "Réplica lag 40 min on db-2"
    b64 = read(
        mail(
            base64.encodebytes(text.encode()),
            Content_Type="text/plain; charset=utf-8",
            Content_Transfer_Encoding="base64",
        )
    )
    qp = read(
        mail(
            quopri.encodestring(text.encode()),
            Content_Type="text/plain; charset=utf-8",
            Content_Transfer_Encoding="quoted-printable",
        )
    )
    assert b64.facts == qp.facts == text


def test_bad_base64_is_read_as_far_as_it_goes() -> None:
    body = base64.b64encode(b"Queue stuck since noon")[:-3] + b"!!*"
    email = read(mail(body, Content_Transfer_Encoding="base64"))
    assert email.facts.startswith("Queue stuck since")
    assert email.problems == (
        "the MIME structure was damaged (invalid base64 length): it was read as far as it could be",
    )


@pytest.mark.parametrize(
    ("header", "subject"),
    [
        (
            "=?utf-8?b?" + base64.b64encode("Ausfall: Zahlungsdienst ✗".encode()).decode() + "?=",
            "Ausfall: Zahlungsdienst ✗",
        ),
        ("=?iso-8859-1?q?Panne_=E0_Paris?=", "Panne à Paris"),
        ("=?shift_jis?b?" + base64.b64encode("障害発生".encode("shift_jis")).decode() + "?=", "障害発生"),
        ("=?KOI8-R?Q?=F3=C2=CF=CA?= in prod", "Сбой in prod"),
        # One character split across two encoded words, and the folding between them dropped.
        ("=?utf-8?q?caf=C3?= =?utf-8?q?=A9_down?=", "café down"),
        ("=?utf-8*en?q?Hello?= world", "Hello world"),
        ("=?x-unknown?q?Hello=21?=", "Hello!"),
        ("", "(no subject)"),
        ("   ", "(no subject)"),
    ],
)
def test_encoded_subjects_are_decoded(header: str, subject: str) -> None:
    assert read(mail(Subject=header)).subject == subject


def test_a_missing_subject_is_named_so() -> None:
    assert read(mail(Subject=None)).subject == "(no subject)"


@pytest.mark.parametrize(
    ("body", "channel"),
    [
        (b"Join https://acme.slack.com/archives/C0123ABCD45 please", "C0123ABCD45"),
        (b"We are in C0123ABCD45 now", "C0123ABCD45"),
        (b"Talk in #inc-payments.", "inc-payments"),
        (b"This is incident #12, nothing else", None),
    ],
)
def test_the_slack_channel_named_in_the_body(body: bytes, channel: str | None) -> None:
    assert read(mail(body)).channel == channel


def test_a_slack_link_behind_html_text_is_found() -> None:
    html = b'<p>Join <a href="https://acme.slack.com/archives/C0123ABCD45">the bridge</a></p>'
    email = read(mail(html, Content_Type="text/html"))
    assert email.channel == "C0123ABCD45"
    assert email.facts == "Join the bridge (https://acme.slack.com/archives/C0123ABCD45)"


def test_attachments_are_listed_never_opened() -> None:
    exe = b"MZ\x90\x00" + bytes(2000)
    email = read(
        multipart(
            "mixed",
            part("text/plain", b"Logs attached"),
            part(
                "application/pdf", b"%PDF-1.4 tiny", 'Content-Disposition: attachment; filename="report.pdf"'
            ),
            part(
                "application/x-msdownload",
                base64.encodebytes(exe),
                'Content-Disposition: attachment; filename="fix.exe"',
                "Content-Transfer-Encoding: base64",
            ),
            part(
                "text/plain",
                b"a,b\r\n1,2",
                "Content-Disposition: attachment; filename*=utf-8''donn%C3%A9es.csv",
            ),
            part("image/png; name==?utf-8?q?sch=C3=A9ma.png?=", b"\x89PNG"),
        )
    )
    assert email.facts == "Logs attached"
    assert email.attachments == (
        Attachment("report.pdf", "application/pdf", 13),
        Attachment("fix.exe", "application/x-msdownload", 2004),
        Attachment("données.csv", "text/plain", 8),
        Attachment("schéma.png", "image/png", 4),
    )
    assert email.problems == ("the attachment 'fix.exe' is 2004 bytes, over 1000",)


def test_attachment_names_cannot_carry_controls_or_bidi_overrides() -> None:
    name = "=?utf-8?q?invoice=E2=80=AEfdp.exe=0D=0AX?="
    email = read(
        multipart(
            "mixed",
            part("application/octet-stream", b"x", f'Content-Disposition: attachment; filename="{name}"'),
        )
    )
    assert email.attachments == (Attachment("invoice fdp.exe X", "application/octet-stream", 1),)


def test_attachments_past_the_limit_are_counted() -> None:
    files = [
        part("application/pdf", b"x", f"Content-Disposition: attachment; filename=f{i}.pdf")
        for i in range(ATTACHMENT_LIMIT + 3)
    ]
    email = read(multipart("mixed", part("text/plain", b"Many"), *files))
    assert len(email.attachments) == ATTACHMENT_LIMIT
    assert "3 more attachments were not listed" in email.problems


def test_a_missing_closing_boundary_still_gives_the_text() -> None:
    email = read(multipart("mixed", part("text/plain", b"Cache cluster lost quorum"), close=False))
    assert email.facts == "Cache cluster lost quorum"
    assert email.problems == (
        "the MIME structure was damaged (close boundary not found): it was read as far as it could be",
    )


def test_a_multipart_without_a_boundary_is_read_as_text() -> None:
    email = read(mail(b"Just text after all", Content_Type="multipart/mixed"))
    assert email.facts == "Just text after all"
    assert "no boundary in multipart" in email.problems[0]


@pytest.mark.parametrize("bad_line", [b"this line has no colon", b"\x00\xff\xfe: binary junk"])
def test_a_broken_header_line_ends_the_headers(bad_line: bytes) -> None:
    raw = b"Subject: Router down\r\n" + bad_line + b"\r\nFrom: bob@example.com\r\n\r\nCore router rebooting"
    email = read(raw)
    check_invariants(email)
    assert email.subject == "Router down"
    assert email.facts.endswith("Core router rebooting")
    assert any("missing header body separator" in p for p in email.problems)


def test_a_missing_message_id_is_made_from_the_bytes() -> None:
    raw = mail(Message_ID=None)
    first, again, other = read(raw), read(raw), read(mail(b"Other", Message_ID=None))
    assert first.message_id == again.message_id != other.message_id
    assert re.fullmatch(r"<[0-9a-f]{40}\.made@opsdesk\.invalid>", first.message_id)
    assert first.made_id and "no Message-ID: one was made from the message" in first.problems
    assert read(mail(Message_ID="")).made_id


def test_two_message_ids_keep_the_first() -> None:
    raw = mail().replace(b"\r\n\r\n", b"\r\nMessage-ID: <second@example.com>\r\n\r\n", 1)
    email = read(raw)
    assert (email.message_id, email.made_id) == ("<m1@example.com>", False)
    assert email.problems == ("2 Message-ID headers: the first was kept",)


def test_message_ids_are_one_token_cut_at_the_limit() -> None:
    long_id = "<" + "x" * 400 + "@example.com>"
    assert (
        read(mail(Message_ID=f"  {long_id} (comment) <b@c>")).message_id
        == long_id[: MESSAGE_ID_LIMIT - 1] + ">"
    )
    assert read(mail(Message_ID="bare@example.com")).message_id == "<bare@example.com>"


@pytest.mark.parametrize(
    ("references", "in_reply_to", "thread"),
    [
        ("<r1@x> <r2@x> <r3@x>", "<r3@x>", ("<r1@x>", "<r2@x>", "<r3@x>")),
        ("<r1@x>\r\n <r2@x>", "<r3@x>", ("<r1@x>", "<r2@x>", "<r3@x>")),
        (None, "<r3@x>", ("<r3@x>",)),
        ("<r1@x> <r1@x> <m1@example.com> <r2@x>", None, ("<r1@x>", "<r2@x>")),
    ],
)
def test_the_thread_is_oldest_first_references_then_in_reply_to(
    references: str | None, in_reply_to: str | None, thread: tuple[str, ...]
) -> None:
    assert read(mail(References=references, In_Reply_To=in_reply_to)).thread == thread


def test_a_long_thread_keeps_its_first_and_newest_ids() -> None:
    refs = " ".join(f"<r{i}@x>" for i in range(THREAD_LIMIT + 10))
    email = read(mail(In_Reply_To="<r59@x>", References=f"<m1@example.com>\r\n {refs} <r55@x>"))
    assert email.thread == ("<r0@x>", *(f"<r{i}@x>" for i in range(11, THREAD_LIMIT + 10)))
    assert len(email.thread) == THREAD_LIMIT


@pytest.mark.parametrize(
    ("header", "author"),
    [
        ("=?utf-8?q?J=C3=B6rg?= <Jorg@Example.COM>", "Jorg@example.com"),
        ("bob@example.com (Bob)", "bob@example.com"),
        (
            "=?utf-8?q?boss=40corp.example_=3Cboss=40corp.example=3E?= <mallory@evil.example>",
            "mallory@evil.example",
        ),
        ("Two <a@example.com>, <b@example.com>", ""),
        ("not an address", ""),
        ("Eve <eve\x01@example.com>", ""),
    ],
)
def test_the_author_is_the_from_address(header: str, author: str) -> None:
    assert read(mail(From=header)).author == author


def test_two_from_headers_give_no_author() -> None:
    email = read(mail().replace(b"\r\n\r\n", b"\r\nFrom: boss@corp.example\r\n\r\n", 1))
    assert email.author == ""
    assert email.reply_to == "alice@example.com"  # the envelope sender
    assert "2 From headers: no author was taken" in email.problems


def test_header_injection_in_the_subject_stays_one_line() -> None:
    email = read(mail(Subject="=?utf-8?q?Hi=0D=0ABcc:_evil@x.com?="))
    assert email.subject == "Hi Bcc: evil@x.com"


def test_nul_and_bidi_overrides_are_removed() -> None:
    subject = "=?utf-8?q?invoice=00=E2=80=AEfdp.exe=E2=81=A6x=C2=85y?="
    body = "Line one\x00\u202e evil\u2066\r\nLine two\x07\tend\x1b[31m".encode()
    email = read(mail(body, Subject=subject, Content_Type="text/plain; charset=utf-8"))
    assert email.subject == "invoice fdp.exe x y"
    assert email.facts == "Line one evil\nLine two\tend[31m"


def test_a_one_megabyte_body_is_cut() -> None:
    email = read(mail(b"x" * 1_000_000))
    assert email.facts == "x" * POLICY.facts_chars + CUT_MARK


def test_a_huge_html_body_is_cut() -> None:
    email = read(mail(b"<p>" + b"word " * 400_000 + b"</p>", Content_Type="text/html"))
    assert email.facts.endswith(CUT_MARK) and len(email.facts) <= POLICY.facts_chars + len(CUT_MARK)


# Markup on which html.parser's time is quadratic (the first took 399 s at 1 MB): read as text, and cut.
@pytest.mark.parametrize("unit", ["<!--", "</", "<!", "<a ", "<", "&#", "<p"])
def test_hostile_html_markup_is_text_and_cut(unit: str) -> None:
    markup = unit * (1_000_000 // len(unit))
    email = read(mail(markup.encode(), Content_Type="text/html"))
    assert email.facts == markup[: POLICY.facts_chars].rstrip() + CUT_MARK


def test_deeply_nested_html_tags_give_no_text_and_are_cut() -> None:
    email = read(mail(b"<b>" * 333_333, Content_Type="text/html"))
    assert email.facts == CUT_MARK


def test_html_comments_and_declarations_are_dropped_and_a_stray_lt_is_text() -> None:
    html = (
        b"<!DOCTYPE html><?xml:namespace prefix = o /><!--[if mso]><p>Outlook only</p><![endif]-->"
        b"<![if !mso]><p>Latency < 5 s, x<3 </ ok</p><![endif]><!----><p>Done</p><!-- never closed <p>tail"
    )
    email = read(mail(html, Content_Type="text/html"))
    assert email.facts == "Latency < 5 s, x<3 </ ok\n\nDone\n<!-- never closed\ntail"


def test_html_is_read_to_its_first_64k_characters_of_markup() -> None:
    html = b"<p>Start</p>" + b"<span style='font-family:Calibri'></span>" * 2000 + b"<p>Late</p>"
    email = read(mail(html, Content_Type="text/html"))
    assert email.facts == "Start" + CUT_MARK


def test_a_message_of_far_too_many_parts_is_read_from_its_start() -> None:
    tiny = [part("text/plain", b"x" * 150) for _ in range(4000)]
    late = part("application/pdf", b"%PDF", 'Content-Disposition: attachment; filename="late.pdf"')
    raw = multipart(
        "mixed",
        part("text/plain", b"Storage array degraded"),
        part("application/pdf", b"%PDF", 'Content-Disposition: attachment; filename="early.pdf"'),
        *tiny,
        late,
    )
    assert len(raw) > 600_000
    email = read(raw)
    check_invariants(email)
    assert email.facts == "Storage array degraded"
    assert email.attachments == (Attachment("early.pdf", "application/pdf", 4),)
    assert email.problems[0] == (
        "far too many MIME parts (4004 boundary-like lines): only the first 512 KB of the message was read"
    )


def test_a_message_of_far_too_many_lines_is_read_from_its_start() -> None:
    email = read(mail(b"Disk full on db-3" + b"\n" * 1_000_000))
    check_invariants(email)
    assert email.facts == "Disk full on db-3" + CUT_MARK
    assert email.problems == ("far too many lines (1000004): only the first 512 KB of the message was read",)


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "bob@example.com", "Auto-Submitted: auto-replied"),
        (
            {"Auto_Submitted": "auto-generated (bounce)"},
            "bob@example.com",
            "Auto-Submitted: auto-generated (bounce)",
        ),
        ({"Precedence": "bulk"}, "bob@example.com", "Precedence: bulk"),
        ({"Precedence": "Junk"}, "bob@example.com", "Precedence: Junk"),
        ({"Precedence": "auto_reply"}, "bob@example.com", "Precedence: auto_reply"),
        ({"List_Id": "Ops <ops.lists.example>"}, "bob@example.com", "List-Id: Ops <ops.lists.example>"),
        (
            {"List_Unsubscribe": "<mailto:u@lists.example>"},
            "bob@example.com",
            "List-Unsubscribe: <mailto:u@lists.example>",
        ),
        (
            {"X_Auto_Response_Suppress": "DR, OOF, AutoReply"},
            "bob@example.com",
            "X-Auto-Response-Suppress: DR, OOF, AutoReply",
        ),
        ({"X_Autoreply": "yes"}, "bob@example.com", "X-Autoreply: yes"),
        ({"X_Autorespond": "vacation"}, "bob@example.com", "X-Autorespond: vacation"),
        ({}, "", "the null sender (a bounce)"),
        ({}, "<>", "the null sender (a bounce)"),
        ({}, "MAILER-DAEMON@mx.example.com", "sent by MAILER-DAEMON@mx.example.com, an automatic sender"),
        (
            {"From": "No Reply <no-reply+42@saas.example>"},
            "bounces@saas.example",
            "sent by no-reply+42@saas.example, an automatic sender",
        ),
        (
            {"From": "postmaster@example.com"},
            "bob@example.com",
            "sent by postmaster@example.com, an automatic sender",
        ),
        (
            {"Content_Type": "multipart/report; report-type=delivery-status; boundary=x"},
            "bob@example.com",
            "a delivery report (multipart/report)",
        ),
    ],
)
def test_automatic_mail_is_marked(headers: dict[str, str], sender: str, reason: str) -> None:
    assert read(mail(**headers), sender=sender).automatic == reason


@pytest.mark.parametrize(
    "headers",
    [{"Auto_Submitted": "no"}, {"Precedence": "first-class"}, {"X_Auto_Response_Suppress": "DR, RN"}],
)
def test_a_person_s_mail_is_not_automatic(headers: dict[str, str]) -> None:
    assert read(mail(**headers), sender="bob@example.com").automatic is None


@pytest.mark.parametrize(
    ("results", "verdict"),
    [
        ([f"{RELAY}; spf=pass smtp.mailfrom=example.com; dmarc=pass header.from=example.com"], Verdict.PASS),
        ([f"{RELAY.upper()} 1; dmarc=fail (p=reject dis=none) header.from=example.com"], Verdict.FAIL),
        ([f"{RELAY}; dmarc=none header.from=example.com"], Verdict.NONE),
        ([f"{RELAY}; none"], Verdict.NONE),
        (["upstream.evil.example; dmarc=pass header.from=example.com"], Verdict.NONE),
        ([f"(comment) {RELAY}; dmarc=pass", "other.example; dmarc=fail"], Verdict.PASS),
        ([f"{RELAY}; dmarc=fail (dmarc=pass)"], Verdict.FAIL),
        ([f'{RELAY}; dkim=pass reason="ok; dmarc=pass"; dmarc=fail'], Verdict.FAIL),
        # OpenDKIM and OpenDMARC each add a header as the relay; a forged one with the relay's name cannot
        # turn its fail into a pass.
        ([f"{RELAY}; dkim=pass", f"{RELAY}; dmarc=pass"], Verdict.PASS),
        ([f"{RELAY}; dmarc=fail", f"{RELAY}; dmarc=pass"], Verdict.FAIL),
        ([f"{RELAY}; dmarc=pass", f"{RELAY}; dmarc=temperror"], Verdict.NONE),
        ([], Verdict.NONE),
    ],
)
def test_dmarc_is_read_only_from_the_trusted_relay(results: list[str], verdict: Verdict) -> None:
    assert dmarc_verdict(results, RELAY) == verdict


def test_parse_email_reads_dmarc_from_the_policy_s_relay() -> None:
    pass_raw = mail().replace(
        b"Subject:",
        f"Authentication-Results: {RELAY};\r\n dmarc=pass header.from=example.com\r\nSubject:".encode(),
    )
    forged = mail().replace(
        b"Subject:", b"Authentication-Results: relay.evil.example; dmarc=pass\r\nSubject:"
    )
    fail_raw = mail().replace(
        b"Subject:", f"Authentication-Results: {RELAY}; dmarc=fail\r\nSubject:".encode()
    )
    assert [read(r).dmarc for r in (pass_raw, forged, fail_raw)] == [Verdict.PASS, Verdict.NONE, Verdict.FAIL]
    assert read(pass_raw, policy=EmailPolicy()).dmarc == Verdict.NONE  # no relay named: no verdict
    assert dmarc_verdict([f"{RELAY}; dmarc=pass"], None) == Verdict.NONE


def nested(depth: int) -> bytes:
    body = part("text/plain", b"deep down")
    for level in range(depth):
        boundary = f"b{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\r\n\r\n--"
            + boundary
            + b"\r\n"
            + body
            + b"\r\n--"
            + boundary
            + b"--"
        )
    return b"Subject: Deep\r\n" + body


def test_deep_nesting_is_read_to_a_limit() -> None:
    email = read(nested(30))
    check_invariants(email)
    assert "parts nested more than 20 deep were not read" in email.problems
    assert email.facts == ""
    assert read(nested(10)).facts == "deep down"


def test_nesting_too_deep_for_the_parser_still_gives_a_result() -> None:
    email = read(nested(2000))
    check_invariants(email)
    assert email.subject == "Deep"
    assert "the MIME structure could not be read (nested too deep?): only its headers were" in email.problems


def test_parts_are_read_to_a_limit() -> None:
    email = read(
        multipart("mixed", *[part("text/plain", b"") for _ in range(300)], part("text/plain", b"late"))
    )
    assert "more than 200 MIME parts: the rest were not read" in email.problems
    assert len(email.problems) <= 10


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n\r\n",
        b"\x00" * 100,
        b"Subject",
        b":::\r\n\r\n",
        b"From: <>\r\nMessage-ID: <>\r\n\r\n",
        bytes(range(256)),
    ],
)
def test_degenerate_input_gives_a_message(raw: bytes) -> None:
    email = read(raw, sender="")
    check_invariants(email)
    assert email.made_id and email.automatic == "the null sender (a bounce)"


# Generated messages: arbitrary bytes, and MIME built from hostile headers, charsets, encodings and parts.
CHARSETS = [
    "utf-8",
    "iso-8859-1",
    "windows-1252",
    "shift_jis",
    "koi8-r",
    "utf-16",
    "utf-7",
    "us-ascii",
    "x-bogus",
    "zlib",
    "",
    "uTF-8'en'",
]
NAMES = [
    "Subject",
    "From",
    "Message-ID",
    "References",
    "In-Reply-To",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "Auto-Submitted",
    "Authentication-Results",
    "X-Junk",
]
nasty_text = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from("\r\n\x00\u202e\u2066<>@=?;:\"'"),
    max_size=60,
)


@st.composite
def encoded_words(draw: st.DrawFn) -> str:
    charset = draw(st.sampled_from(CHARSETS)) or "utf-8"
    data = draw(st.binary(max_size=30))
    if draw(st.booleans()):
        return f"=?{charset}?b?{base64.b64encode(data).decode()[: draw(st.integers(0, 60))]}?="
    return f"=?{charset}?q?{quopri.encodestring(data, header=True).decode(errors='replace')}?="


header_values = st.one_of(nasty_text, encoded_words(), st.lists(encoded_words(), max_size=3).map(" ".join))


@st.composite
def mime_parts(draw: st.DrawFn, depth: int = 0) -> bytes:
    lines = [
        f"{n}: {v}"
        for n, v in draw(st.lists(st.tuples(st.sampled_from(NAMES[5:]), header_values), max_size=3))
    ]
    if depth < 3 and draw(st.booleans()):
        boundary = draw(st.sampled_from(["b", "=_x", "", "a b"]))
        children = draw(st.lists(mime_parts(depth + 1), max_size=3))
        body = b"".join(b"--" + boundary.encode() + b"\r\n" + c + b"\r\n" for c in children)
        body += draw(st.sampled_from([b"--" + boundary.encode() + b"--\r\n", b""]))
        lines.append(
            f'Content-Type: multipart/{draw(st.sampled_from(["mixed", "alternative", "report"]))}; boundary="{boundary}"'
        )
    else:
        charset = draw(st.sampled_from(CHARSETS))
        kind = draw(
            st.sampled_from(["text/plain", "text/html", "application/octet-stream", "message/rfc822"])
        )
        lines.append(f"Content-Type: {kind}; charset={charset}; name={draw(header_values)!r}")
        cte = draw(st.sampled_from(["base64", "quoted-printable", "8bit", "x-uuencode", "bogus"]))
        lines.append(f"Content-Transfer-Encoding: {cte}")
        body = draw(st.binary(max_size=200) | nasty_text.map(lambda t: t.encode("utf-8", "replace")))
        if cte == "base64" and draw(st.booleans()):
            body = base64.encodebytes(body)
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape")
    return head + b"\r\n\r\n" + body


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(st.sampled_from(NAMES[:5] + NAMES[8:]), header_values), max_size=8))
    head = "\r\n".join(f"{n}: {v}" for n, v in headers).encode("utf-8")
    return head + (b"\r\n" if headers else b"") + draw(mime_parts())


SMALL = EmailPolicy(authserv_id=RELAY, facts_chars=300, attachment_bytes=50)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.binary(max_size=3000) | messages(),
    sender=st.sampled_from(["", "bob@example.com", "MAILER-DAEMON"]),
)
def test_any_bytes_give_a_well_formed_message(raw: bytes, sender: str) -> None:
    email = parse_email(raw, sender=sender, policy=SMALL)
    check_invariants(email, SMALL)
    assert email == parse_email(raw, sender=sender, policy=SMALL)  # the same bytes read the same
