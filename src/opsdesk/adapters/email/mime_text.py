"""Text out of MIME: header values as text, charsets (unknown or lying ones included), RFC 2047 encoded words,
one-line header text, Authentication-Results segments, and the plain text of a body (HTML included), cleaned
of control and bidi override characters."""

from __future__ import annotations

import binascii
import codecs
import re
from email.charset import ALIASES
from email.message import Message
from html.parser import HTMLParser

# Tried in turn when the declared charset is missing, unknown or wrong. UTF-8 first (what undeclared 8-bit
# mail mostly is); then windows-1252, which Outlook sends as "latin-1" and undeclared; latin-1 reads any bytes,
# so nothing is ever lost to U+FFFD.
FALLBACKS = ("utf-8", "cp1252", "iso8859-1")
# Text codecs that no mail uses and that read bytes as escapes or labels rather than text.
_REFUSED = frozenset({"unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode"})
CUT_MARK = "\n[cut: the message was longer]"

# C0, DEL and C1 controls, the bidi embedding/override (U+202A-202E) and isolate (U+2066-2069) characters.
_UNSAFE = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_UNSAFE_RE = re.compile(f"[{_UNSAFE}\ud800-\udfff]")
_LINE_UNSAFE = re.compile(f"[{_UNSAFE}]")
_TEXT_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # keeps \t and \n
_SURROGATE = re.compile("[\ud800-\udfff]")  # lone surrogates (utf-7 can make them) cannot be stored
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


def codec_of(charset: str | None) -> str | None:
    """The Python codec for a MIME charset name; None when it names no text codec mail may use."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = ALIASES.get(name, name)
    if len(name) > 40 or not re.fullmatch(r"[a-z0-9_.:-]+", name):
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # Bytes-to-bytes codecs (zlib, base64, hex) are not text encodings; bytes.decode refuses them too.
    text = getattr(info, "_is_text_encoding", True)
    return info.name if text and info.name not in _REFUSED else None


def decode_bytes(data: bytes, charset: str | None, *, final: bool = True) -> tuple[str, str]:
    """The text of the bytes and the codec that read them: the declared charset when it reads them, else the
    first of FALLBACKS that does. `final=False` for bytes cut short (a partial last character is dropped)."""
    declared = codec_of(charset)
    for codec in (declared, *FALLBACKS) if declared else FALLBACKS:
        try:
            return codecs.getincrementaldecoder(codec)("strict").decode(data, final=final), codec
        except (UnicodeError, LookupError, ValueError):
            continue
    return data.decode("iso8859-1"), "iso8859-1"  # not reached: latin-1 reads any bytes


def restore_text(value: str) -> str:
    """A header or parameter as the parser left it (8-bit bytes as surrogate escapes) as real text."""
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = value.encode("utf-8", "replace")
    return decode_bytes(data, "utf-8")[0]


def lenient_base64(text: bytes) -> bytes:
    """Base64 read as far as it goes: stray characters dropped, a broken last group cut or padded."""
    data = _NOT_BASE64.sub(b"", text)
    whole = len(data) // 4 * 4
    rest = data[whole:]
    data = data[:whole] + (rest + b"=" * (4 - len(rest)) if len(rest) >= 2 else b"")
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        return b""


def _word_bytes(encoding: str, text: str) -> bytes:
    data = text.encode("utf-8", "surrogateescape")
    return lenient_base64(data) if encoding in "bB" else binascii.a2b_qp(data, header=True)


def decode_words(value: str) -> str:
    """A header with its RFC 2047 encoded words decoded (in any charset; adjacent words in one charset are
    joined before decoding, since mailers split multi-byte characters across them)."""
    out: list[str] = []
    run = bytearray()
    run_charset = ""
    position = 0
    for found in _ENCODED_WORD.finditer(value):
        gap = value[position : found.start()]
        # Whitespace between two encoded words is folding, not text (RFC 2047 section 6.2).
        if gap and not (position and gap.isspace()):
            if run:
                out.append(decode_bytes(bytes(run), run_charset)[0])
                run.clear()
            out.append(gap)
        charset, encoding, text = found.groups()
        if run and charset.lower() != run_charset.lower():
            out.append(decode_bytes(bytes(run), run_charset)[0])
            run.clear()
        run_charset = charset
        run += _word_bytes(encoding, text)
        position = found.end()
    if run:
        out.append(decode_bytes(bytes(run), run_charset)[0])
    out.append(value[position:])
    return "".join(out)


class HeaderText:
    """A message's headers of the given (lower-case) names as text: unfolded, 8-bit bytes decoded, encoded
    words not (an address or an id is never encoded)."""

    def __init__(self, message: Message, names: frozenset[str]) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            key = str(name).strip().lower()
            if key in names:
                # Unfolding removes only a line break before white space; any other stays, as a control.
                text = re.sub(r"(?:\r\n|\r|\n)(?=[ \t])", "", restore_text(str(value)))
                self.values.setdefault(key, []).append(text)

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def first(self, name: str) -> str | None:
        return next(iter(self.all(name)), None)


def result_segments(value: str) -> list[str]:
    """An Authentication-Results value split at `;`, with (comments) dropped and "quoted strings" kept."""
    segments: list[str] = []
    current: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            continue
        elif depth == 0 and char == '"':
            quoted = True
        elif depth == 0 and char == ";":
            segments.append("".join(current))
            current = []
            continue
        if depth == 0:
            current.append(char)
    return [*segments, "".join(current)]


def has_unsafe(text: str) -> bool:
    """It holds a control, bidi override or lone surrogate character (no address or id may)."""
    return _UNSAFE_RE.search(text) is not None


def one_line(text: str, limit: int) -> str:
    """The text as one line: every control and bidi override character a space, whitespace (line and
    paragraph separators included) collapsed, stripped, cut to `limit` characters."""
    text = _SURROGATE.sub("\ufffd", _LINE_UNSAFE.sub(" ", text[: limit * 8]))
    return " ".join(text.split())[:limit].rstrip()


def clean_facts(text: str, limit: int, *, cut: bool = False) -> str:
    """Body text as kept: line ends as \\n; controls other than \\n and \\t and bidi overrides removed; at most
    `limit` characters, then CUT_MARK when anything was cut (here or, `cut`, before)."""
    cut = cut or len(text) > limit * 4
    text = text[: limit * 4].replace("\r\n", "\n").replace("\r", "\n")
    text = _SURROGATE.sub("\ufffd", _TEXT_UNSAFE.sub("", text)).strip()
    if len(text) > limit:
        text, cut = text[:limit].rstrip(), True
    return text + CUT_MARK if cut else text


_SKIPPED = frozenset({"script", "style", "title", "template"})
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "br", "center", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
})  # fmt: skip
_LINKS = ("http://", "https://", "slack://")
MARKUP_CHARS = 65_536  # markup parsed from an HTML body: the facts it gives are capped far shorter anyway
# After complete comments are gone, each "<": a declaration or processing instruction (dropped: no text),
# a whole tag (kept), or anything else (escaped). [^<>] bounds every scan by the next "<", so one pass is
# linear; html.parser itself rescans to the end from each construct it cannot close (quadratic).
_MARKUP = re.compile(r"<(?:[!?][^<>]*>|/?[A-Za-z][^<>]*>)?")


class _HtmlText(HTMLParser):
    """Collects the visible text of HTML, with block elements as line breaks and a link's address after its
    text (so a Slack link behind "the channel" is still found), up to `limit` characters."""

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.skipping = 0
        self.preformatted = 0
        self.link: tuple[str, int] | None = None  # the open link's address and where its text starts

    def emit(self, text: str) -> None:
        if self.size <= self.limit:
            self.parts.append(text)
            self.size += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.preformatted += tag == "pre"
            self.emit("\n")
        elif tag in {"td", "th"}:
            self.emit(" ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.link = (href, len(self.parts)) if href.lower().startswith(_LINKS) else None

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.preformatted = max(0, self.preformatted - (tag == "pre"))
            self.emit("\n")
        elif tag == "a" and self.link:
            href, start = self.link
            if href not in "".join(self.parts[start:]):
                self.emit(f" ({href})")
            self.link = None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _BLOCKS or tag == "pre":  # <br/> is one line break, not two
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.emit(data if self.preformatted else re.sub(r"[ \t\r\n\f]+", " ", data))


def _without_comments(markup: str) -> str:
    """The markup without its complete comments ("<!-->" included), found by moving forward only (a regex
    would scan to the end again from each "<!--" that has no end)."""
    kept: list[str] = []
    position = 0
    while (start := markup.find("<!--", position)) >= 0 and (end := markup.find("-->", start + 2)) >= 0:
        kept.append(markup[position:start])
        position = end + 3
    kept.append(markup[position:])
    return "".join(kept)


def _tidied(markup: str) -> str:
    """Markup html.parser reads in linear time: complete comments, declarations and processing instructions
    removed; every other "<" that opens no whole tag (an unterminated "<!", "</" without a name, a stray "<",
    a tag with no ">" before the next "<") escaped as text."""

    def token(found: re.Match[str]) -> str:
        text = found.group()
        if len(text) == 1:
            return "&lt;"
        return "" if text[1] in "!?" else text

    return _MARKUP.sub(token, _without_comments(markup))


def html_text(markup: str, limit: int) -> tuple[str, bool]:
    """The visible text of an HTML body (scripts and styles dropped, entities unescaped) and whether it was
    longer than `limit` characters (or than MARKUP_CHARS of markup)."""
    cut = len(markup) > MARKUP_CHARS
    if cut:
        markup = markup[:MARKUP_CHARS]
        if (opened := markup.rfind("<")) > markup.rfind(">"):
            markup = markup[:opened]  # a tag cut in half is not text
    parser = _HtmlText(limit)
    try:
        parser.feed(_tidied(markup))
        parser.close()
    except Exception:  # noqa: S110  html.parser has raised on odd markup in some versions: keep what was read
        pass
    lines = (line.strip(" ") for line in "".join(parser.parts).split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text, cut or parser.size > limit
