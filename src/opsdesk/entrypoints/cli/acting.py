"""Who acts at the command line: `--as NAME`, else OPSDESK_USER, else the login name."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from opsdesk.services.incidents import Actor

As = Annotated[
    str | None,
    typer.Option(
        "--as", envvar="OPSDESK_USER", help="Who is acting (default: your login name).", show_default=False
    ),
]


def actor(name: str | None) -> Actor:
    from opsdesk.domain.incidents import Source  # noqa: PLC0415  (the use cases load with their commands)
    from opsdesk.services.incidents import Actor  # noqa: PLC0415

    return Actor((name or getpass.getuser() or "cli")[:100], Source.CLI)
