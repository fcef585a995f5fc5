"""The one place where errors become exit codes and messages on standard error."""

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
    PolicyError,
)


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # a check found problems, some input lines were bad, or the policy is invalid
    USAGE = 2  # a bad option value on the command line (as for Typer's own usage errors)
    NOT_ALLOWED = 3  # the person acting (`--as`) may not take this step: someone else must


def exit_code_for(error: DomainError) -> ExitCode:
    if isinstance(error, InvalidInstantError | InvalidPeriodError):
        return ExitCode.USAGE
    if isinstance(error, NotAllowedError):
        return ExitCode.NOT_ALLOWED
    if isinstance(error, PolicyError | IntegrationError):
        return ExitCode.FAILED
    return ExitCode.FAILED


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
