"""The one place where errors become HTTP answers, by the error's base class: no such thing 404, not this
person's step 403, a vendor we could not reach for now 503 with Retry-After, an outside system that failed
us 502, any other refusal 400; a bad parameter or body 422 in FastAPI's shape (`detail[].loc` names the
field). Also the table of error answers every route publishes in OpenAPI."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from opsdesk.domain.errors import (
    DomainError,
    IntegrationError,
    NotAllowedError,
    NotFoundError,
    VendorUnavailableError,
)

ECHO_LIMIT = 200  # characters of a refused input shown back

# First match wins: VendorUnavailableError is an IntegrationError, so it comes first.
STATUS_BY_BASE: tuple[tuple[type[DomainError], int], ...] = (
    (NotFoundError, 404),
    (NotAllowedError, 403),
    (VendorUnavailableError, 503),  # whoever sent the work retries a 503; a 4xx would tell them not to
    (IntegrationError, 502),
)
# Any other DomainError is a refusal by a rule (an illegal transition, a bad field): 400, what the API has
# always answered for one (clients and tests rely on it), not 409.
REFUSED = 400


class Problem(BaseModel):
    detail: str


ERROR_TABLE: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in (
        (400, "refused by a rule"),
        (401, "no token, or an unknown or revoked one"),
        (403, "the token's role is not enough"),
        (404, "no such thing"),
        (413, "the body is over 1 MiB (512 KB for alarm intake)"),
        (502, "an outside system (a vendor, the database) failed"),
        (503, "an outside system could not be reached for now: retry after Retry-After seconds"),
    )
}


def status_for(error: DomainError) -> int:
    return next((status for base, status in STATUS_BY_BASE if isinstance(error, base)), REFUSED)


def error_answers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, VendorUnavailableError) else None
        return JSONResponse({"detail": str(exc)}, status_code=status_for(exc), headers=headers)

    @app.exception_handler(UnicodeEncodeError)
    async def not_unicode(_request: Request, _exc: UnicodeEncodeError) -> JSONResponse:
        return JSONResponse(
            {
                "detail": "the request holds text that is not valid Unicode (an unpaired surrogate): send UTF-8 text"
            },
            status_code=400,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for error in exc.errors():
            shown = dict(error)
            if "input" in shown:
                shown["input"] = _echoed(shown["input"])
            errors.append(shown)
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


def invalid(parameter: str, message: str) -> RequestValidationError:
    """A 422 in FastAPI's documented shape, naming the query parameter."""
    return RequestValidationError([{"loc": ["query", parameter], "msg": message, "type": "value_error"}])


def _echoed(value: object) -> object:
    """A refused input as a 422 shows it: itself when it is plain JSON of at most ECHO_LIMIT characters,
    else its repr, cut short. NaN and Infinity are not JSON (echoed as they were, the answer could not be
    written at all: a 500), and a large input is not worth sending back."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = None
    if text is not None and len(text) <= ECHO_LIMIT:
        return value
    try:
        shown = repr(value)
    except RecursionError:
        return "(nested too deeply to show)"
    return shown if len(shown) <= ECHO_LIMIT else f"{shown[:ECHO_LIMIT]}... ({len(shown)} characters)"
