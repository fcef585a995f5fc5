"""The change-request use cases as one object (ChangeWorkflow), and the check alone, without a database
(ChangeService, for `opsdesk change check`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from opsdesk.domain.changes.checks import check_request
from opsdesk.domain.changes.model import Booked, ChangePolicy, CheckResult, Problem, RequestText
from opsdesk.services.changes.from_chat import ChatReviewSteps
from opsdesk.services.changes.github import GitHubSteps
from opsdesk.services.rota import RotaService


class ChangeWorkflow(ChatReviewSteps, GitHubSteps):
    """Requests from GitHub issues or the API and CLI, through review, approval, the change itself and after.

    Every step is checked (the state, who may take it) and recorded with who and when, with its
    messages (GitHub, Slack) in the same unit of work. The steps live by side: requests.py (the
    requester), review.py (reviewers; from_chat.py: from a chat message's buttons), carry_out.py (the assigned engineer), github.py (GitHub).
    """


@dataclass
class ChangeService:
    rota: RotaService
    policy: ChangePolicy
    booked: Callable[[], Sequence[Booked]] = tuple  # approved changes holding windows
    # How a request's text is read into its sections (the team's form: adapters.github.form).
    read: Callable[[str], RequestText | Problem] = field(kw_only=True)

    def check(self, body: str, submitted: datetime) -> CheckResult:
        return check_request(
            self.read(body), submitted, self.policy, self.rota.rota, self.rota.engine, self.booked()
        )
