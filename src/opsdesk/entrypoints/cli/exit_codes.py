"""The one place where errors become exit codes (by the error's base class) and messages on standard error."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum

import typer

from opsdesk.domain.errors import (
    DomainError,
    IntegrationError,
    InvalidInstantError,
    InvalidPeriodError,
    NotAllowedError,
    NotFoundError,
    PolicyError,
)


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # a check found problems, some input lines were bad, or the policy is invalid
    USAGE = 2  # a bad option value on the command line (as for Typer's own usage errors)
    NOT_ALLOWED = 3  # the person acting (`--as`) may not take this step: someone else must


# By the error's base class, first match wins, as the API's statuses (entrypoints/api/errors.py).
EXIT_BY_BASE: tuple[tuple[type[DomainError], ExitCode], ...] = (
    (InvalidInstantError, ExitCode.USAGE),  # a time given on the command line
    (InvalidPeriodError, ExitCode.USAGE),  # --from/--to that do not run forwards
    (NotAllowedError, ExitCode.NOT_ALLOWED),
    (NotFoundError, ExitCode.FAILED),
    (PolicyError, ExitCode.FAILED),
    (IntegrationError, ExitCode.FAILED),
)


def exit_code_for(error: DomainError) -> ExitCode:
    """The exit code for `error`; any other refusal by a rule is FAILED."""
    return next((code for base, code in EXIT_BY_BASE if isinstance(error, base)), ExitCode.FAILED)


def fail(message: str, code: ExitCode) -> typer.Exit:
    sys.stderr.write(f"error: {message}\n")
    return typer.Exit(int(code))


@contextmanager
def reported_errors(option: str | None = None) -> Iterator[None]:
    """Turn a DomainError into its message on stderr and its exit code; `option` names the culprit."""
    try:
        yield
    except DomainError as exc:
        prefix = f"{option} " if option and isinstance(exc, InvalidInstantError) else ""
        raise fail(f"{prefix}{exc}", exit_code_for(exc)) from None
