"""Who acts at the command line: `--as NAME`, else OPSDESK_USER, else the login name."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from opsdesk.domain.timeline import Actor, Source

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
    return Actor((name or getpass.getuser() or "cli")[:100], Source.CLI, admin=admin)
