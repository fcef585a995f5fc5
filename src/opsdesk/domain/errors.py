"""The one error tree: every failure a user can cause, with what was wrong and how to fix it.

Each interface maps errors to answers in one place by their base class (the HTTP API in
entrypoints/api/errors.py, the CLI in entrypoints/cli/exit_codes.py):

DomainError                        anything opsdesk refuses, with a message for a person    HTTP 400, exit 1
├── PolicyError                    the policy (file or built from it) is invalid; every problem listed
├── InvalidInstantError            a time given by a user cannot be read or does not exist
├── InvalidPeriodError             a period whose end is not after its start
├── RotaInfeasibleError            no rota keeps every rule: which rule, which week or day
├── IncidentError                  an incident step refused (an illegal transition, a bad field)
│   └── UnknownIncidentError       no such incident (also a NotFoundError)                  404
├── ChangeError                    a change-request step refused (an illegal transition, a bad field)
│   ├── UnknownChangeError         no such change request (also a NotFoundError)            404
│   └── ChangeNotAllowedError      not this person's step (also a NotAllowedError)          403, exit 3
├── RotaChangeError                a swap, override or leave refused: the rule it breaks, the unknown name
│   ├── UnknownRotaChangeError     no such rota change (also a NotFoundError)               404
│   ├── RotaChangeNotAllowedError  not this engineer's swap to accept (a NotAllowedError)   403, exit 3
│   └── PolicyFileChangedError     the file changed under the change: nothing written, run it again
├── HandoverError                  a handover step refused (a note too long, an acknowledgement twice)
│   ├── UnknownHandoverError       no such handover, or none on that date (a NotFoundError) 404
│   └── HandoverNotAllowedError    not a receiver of this handover (a NotAllowedError)      403, exit 3
├── SupportError                   a support-request step refused (a bad move, a field over its limit)
│   ├── UnknownSupportRequestError no such support request (also a NotFoundError)           404
│   └── SupportNotAllowedError     not this person's step (not a team engineer)             403, exit 3
├── AnnouncementError              an announcement refused (a limit, a mention over budget)
│   └── UnknownAnnouncementError   no such announcement (also a NotFoundError)              404
├── TokenNameError                 a token name that cannot be told from an id, or is ambiguous
│   └── TokenNameTakenError        a live token already has that name
├── NotFoundError                  the thing asked for does not exist                       HTTP 404
├── NotAllowedError                this person may not take this step: says who may         HTTP 403, exit 3
└── IntegrationError               an outside system (a file, a vendor API) failed us      HTTP 502
    └── VendorUnavailableError     it could not be reached or answered for now: try again   HTTP 503

Not in the tree, because no person sees them as such: DeliveryError (domain/outbox.py), which a channel
raises for the outbox to count and retry.
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


class NotFoundError(DomainError):
    """The incident, change request or other thing asked for does not exist."""


class IntegrationError(DomainError):
    """An outside system failed: a file that cannot be read, a vendor API that refused."""


class DatabaseNotMigratedError(IntegrationError):
    """The database answers but its schema is older than this opsdesk (`opsdesk db upgrade`)."""


class VendorUnavailableError(IntegrationError):
    """An outside system could not be reached, timed out or failed on its side (5xx): the same request
    may well succeed later, so whoever sent us the work should send it again (HTTP 503, Retry-After)."""

    def __init__(self, message: str, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds


class RotaInfeasibleError(DomainError):
    """No rota keeps every rule: says which rule and which week or day."""


class IncidentError(DomainError):
    """An incident action refused: an illegal transition, an unknown service, a field out of bounds."""


class UnknownIncidentError(IncidentError, NotFoundError):
    """No incident with that number."""


class ChangeError(DomainError):
    """A change-request action refused: an illegal transition, the wrong person, something missing."""


class UnknownChangeError(ChangeError, NotFoundError):
    """No change request with that number."""


class ChangeNotAllowedError(NotAllowedError, ChangeError):
    """Not this person's step on a change request (not the requester, not a team engineer, their own
    request): refused as NotAllowedError everywhere, and still a ChangeError, so a refused GitHub command
    is answered on the issue like any other refusal."""


class RotaChangeError(DomainError):
    """A rota change refused: it breaks a rule, names an unknown engineer, or a swap lacks consent."""


class UnknownRotaChangeError(RotaChangeError, NotFoundError):
    """No rota change with that number."""


class RotaChangeNotAllowedError(NotAllowedError, RotaChangeError):
    """Not this engineer's step on a rota change (another engineer's swap to accept)."""


class PolicyFileChangedError(RotaChangeError):
    """The policy file changed between reading it and replacing it: nothing was written."""


class HandoverError(DomainError):
    """A handover step refused: a note over the limit, an acknowledgement made already."""


class UnknownHandoverError(HandoverError, NotFoundError):
    """No such handover, or none made on that date."""


class HandoverNotAllowedError(NotAllowedError, HandoverError):
    """Only the receivers of a handover acknowledge it."""


class SupportError(DomainError):
    """A support-request step refused: an unknown status, a move the board does not allow, a field over its
    limit, a done request moved without being reopened."""


class UnknownSupportRequestError(SupportError, NotFoundError):
    """No support request with that number."""


class SupportNotAllowedError(NotAllowedError, SupportError):
    """Not this person's step on a support request (triage, a move, an assignment are a team engineer's)."""


class AnnouncementError(DomainError):
    """An announcement refused: a title or body over its limit, a mention outside the budget, a time that
    does not fit its kind, an incident or change request that does not exist."""


class UnknownAnnouncementError(AnnouncementError, NotFoundError):
    """No announcement with that number."""


class TokenNameError(DomainError):
    """A token name that cannot be told from an id (all digits), or that names more than one token."""


class TokenNameTakenError(TokenNameError):
    """A live token already has this name."""
