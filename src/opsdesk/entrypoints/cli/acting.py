"""Who acts at the command line: `--as NAME`, else OPSDESK_USER, else the login name."""

from __future__ import annotations

import getpass
import unicodedata
from typing import Annotated

import typer

from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail

As = Annotated[
    str | None,
    typer.Option(
        "--as", envvar="OPSDESK_USER", help="Who is acting (default: your login name).", show_default=False
    ),
]

AsAdmin = Annotated[
    bool,
    typer.Option(
        "--admin",
        help="Act as an admin: on a change assigned to someone else (recorded as such).",
        show_default=False,
    ),
]


def actor(name: str | None, *, admin: bool = False) -> Actor:
    """Who acts; a usage error for a name with control or direction characters (it is recorded and shown)."""
    who = (name or getpass.getuser() or "cli")[:100]
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in who):
        raise fail(
            f"--as {who.encode('unicode_escape').decode()[:120]!r}: a name without control or direction "
            "characters (an engineer's id, e.g. --as alice)",
            ExitCode.USAGE,
        )
    return Actor(who, Source.CLI, admin=admin)
