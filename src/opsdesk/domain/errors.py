"""The one error tree: every failure a user can cause, with what was wrong and how to fix it.

DomainError                  anything opsdesk refuses, with a message for a person
├── PolicyError              the policy (file or built from it) is invalid; lists every problem
├── InvalidInstantError      a time given by a user cannot be read or does not exist
├── InvalidPeriodError       a period whose end is not after its start
├── NotAllowedError          this person may not take this step (not the requester, not a team engineer,
│                            reviewing their own request); HTTP 403, CLI exit 3
└── IntegrationError         an outside system (a file, a vendor API) failed us
    └── VendorUnavailableError   it could not be reached or answered for now: try again later (HTTP 503)

A noun's own errors (ChangeError, IncidentError, ...) live with the noun and derive from DomainError; a
who-may-act refusal about a noun derives from both (e.g. ChangeNotAllowedError).
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error opsdesk reports to a person."""


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong in the policy: where, what was found, and what is expected."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.path or '(top level)'}: {self.message}"


class PolicyError(DomainError):
    """The policy is invalid; nothing may run on it."""

    def __init__(self, problems: list[PolicyProblem], source: str = "policy") -> None:
        self.problems = problems
        self.source = source
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {count} {noun}; nothing was run:\n{lines}")


class InvalidInstantError(DomainError):
    """A time given by a user cannot be read, or names a wall-clock time that does not exist."""

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"{value!r}: {reason}")


class InvalidPeriodError(DomainError):
    """A period that does not run forwards."""


class NotAllowedError(DomainError):
    """The step is allowed, but not to this person: says who may take it."""


class IntegrationError(DomainError):
    """An outside system failed: a file that cannot be read, a vendor API that refused."""


class VendorUnavailableError(IntegrationError):
    """An outside system could not be reached, timed out or failed on its side (5xx): the same request
    may well succeed later, so whoever sent us the work should send it again (HTTP 503, Retry-After)."""

    def __init__(self, message: str, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds


class RotaInfeasibleError(DomainError):
    """No rota keeps every rule: says which rule and which week or day."""
