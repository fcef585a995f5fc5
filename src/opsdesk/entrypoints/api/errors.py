"""The one place where errors become HTTP answers: a refusal by a rule is 400, a step this person may not
take 403, an unknown incident or change 404, a bad parameter or body 422 in FastAPI's shape
(`detail[].loc` names the field), a vendor we could not reach for now 503 with Retry-After."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from opsdesk.domain.errors import (
    DomainError,
    NotAllowedError,
    UnknownChangeError,
    UnknownIncidentError,
    VendorUnavailableError,
)

ECHO_LIMIT = 200  # characters of a refused input shown back


def error_answers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(NotAllowedError)
    async def not_allowed(_request: Request, exc: NotAllowedError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.exception_handler(VendorUnavailableError)
    async def unavailable(_request: Request, exc: VendorUnavailableError) -> JSONResponse:
        # Whoever sent the work retries a 503; a 4xx would tell them not to.
        return JSONResponse(
            {"detail": str(exc)}, status_code=503, headers={"Retry-After": str(exc.retry_after)}
        )

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

    @app.exception_handler(UnknownIncidentError)
    @app.exception_handler(UnknownChangeError)
    async def unknown(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)


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
