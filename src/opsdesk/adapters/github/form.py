"""Reading a request written in the team's GitHub issue form: `### <label>`, a blank line, the answer.

GitHub renders a submitted form as Markdown, writing `_No response_` for a field left empty. People who
write a request by hand (a file for `opsdesk change submit`, an API body) use the same headings, so this
reader serves every interface.
"""

from __future__ import annotations

import re

from opsdesk.domain.changes.model import BODY_LIMIT, FIELDS, Code, Problem, RequestText, Severity

TITLE_PREFIX = "Service name: "  # the form's title, as the team's template writes it
ALSO_READ = {"impact assessment": "impact"}  # the usual spelling, when someone writes the body by hand
NO_RESPONSE = "_No response_"
HEADING = re.compile(r"^###[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)


def read_request(body: str) -> RequestText | Problem:
    """The request's answers by field id (None: empty or absent), or why this is not a request's text."""
    if len(body) > BODY_LIMIT:
        return Problem(
            Code.TOO_LARGE,
            Severity.ERROR,
            f"the issue body is {len(body):,} characters; a request's is far shorter (at most {BODY_LIMIT:,})",
        )
    text = body.replace("\r\n", "\n")
    headings = list(HEADING.finditer(text))
    labels = {label.casefold(): field_id for field_id, label in FIELDS} | ALSO_READ
    answers: dict[str, str | None] = {}
    for index, heading in enumerate(headings):
        field_id = labels.get(heading.group(1).strip().casefold())
        if field_id is None or field_id in answers:
            continue
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        answer = text[heading.end() : end].strip()
        answers[field_id] = None if not answer or answer == NO_RESPONSE else answer
    if not answers:
        expected = ", ".join(f"### {label}" for _, label in FIELDS)
        return Problem(
            Code.NOT_FORM,
            Severity.ERROR,
            f"this is not an out-of-hours support request form: expected the sections {expected}",
        )
    times = sum(1 for h in headings if h.group(1).strip().casefold() == "scheduled time")
    return RequestText({field_id: answers.get(field_id) for field_id, _ in FIELDS}, times)


def read_form(body: str) -> dict[str, str | None] | Problem:
    """The answers alone, by field id (or why this is not a request's text)."""
    found = read_request(body)
    return found if isinstance(found, Problem) else found.answers
