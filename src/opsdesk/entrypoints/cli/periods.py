"""A period on the command line: `--from`/`--to` as dates (whole days, `--to` included) or instants."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from opsdesk.domain.errors import InvalidPeriodError
from opsdesk.domain.instants import parse_period_bound
from opsdesk.entrypoints.cli.exit_codes import reported_errors

FirstDay = Annotated[str, typer.Option("--from", metavar="DATE", help="First day.")]
LastDay = Annotated[str, typer.Option("--to", metavar="DATE", help="Last day, included.")]


def period(start: str, end: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The period [start, end); a usage error naming --from/--to when either cannot be read or it runs
    backwards."""
    with reported_errors("--from/--to"):
        lo, hi = parse_period_bound(start, tz, end=False), parse_period_bound(end, tz, end=True)
        if hi <= lo:
            raise InvalidPeriodError(f"--to {end} is before --from {start}")
    return lo, hi


def bounds(start: str | None, end: str | None, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """Either end of a period when given, None where not; a usage error when both are and it runs
    backwards."""
    with reported_errors("--from/--to"):
        lo = parse_period_bound(start, tz, end=False) if start else None
        hi = parse_period_bound(end, tz, end=True) if end else None
        if lo is not None and hi is not None and hi <= lo:
            raise InvalidPeriodError(f"--to {end} is before --from {start}: the period must run forwards")
    return lo, hi
