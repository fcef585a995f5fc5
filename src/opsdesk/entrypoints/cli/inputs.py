"""Text a command reads from a file or standard input: bounded, decoded, and never holding a NUL."""

from __future__ import annotations

import sys
from pathlib import Path

from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail
from opsdesk.services.text import NUL

READ_LIMIT = 1 << 20  # bytes read from FILE: enough to say a body is far too large


def read_input(file: str) -> str:
    """The text of FILE (- for standard input), read up to READ_LIMIT bytes; the command's end, saying
    why, for a file that cannot be read or holds a NUL."""
    try:
        raw = (
            sys.stdin.buffer.read(READ_LIMIT + 1)
            if file == "-"
            else Path(file).read_bytes()[: READ_LIMIT + 1]
        )
    except OSError as exc:
        raise fail(f"{file}: cannot read it ({exc.strerror or exc})", ExitCode.FAILED) from None
    text = raw.decode("utf-8", errors="replace")
    if NUL in text:  # a binary file, most likely; a NUL cannot be stored either way
        line = text.count("\n", 0, text.index(NUL)) + 1
        name = "standard input" if file == "-" else file
        raise fail(f"{name} holds a NUL character (U+0000) on line {line}: give a text file", ExitCode.FAILED)
    return text
