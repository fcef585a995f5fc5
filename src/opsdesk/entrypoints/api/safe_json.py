"""Reading JSON from outside without surprises: no NaN or Infinity (not JSON), no text that is not valid
Unicode (unpaired surrogates), and nothing nested deeper than a limit (which would later break storing or
showing it). Each is an error that says what was wrong."""

from __future__ import annotations

import json
from typing import Any

DEPTH_LIMIT = 32


class UnsafeJsonError(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise UnsafeJsonError(f"{name} is not a JSON value")


def load(raw: bytes, what: str = "the body") -> object:
    """The document, or UnsafeJsonError saying why it is refused (`what` names the text read)."""
    try:
        document = json.loads(raw, parse_constant=_no_constant)
    except UnsafeJsonError:
        raise
    except RecursionError:
        raise UnsafeJsonError(f"the JSON is nested deeper than {DEPTH_LIMIT} levels") from None
    except (ValueError, UnicodeDecodeError):
        raise UnsafeJsonError(f"{what} is not JSON") from None
    check(document)
    return document


def check(document: object) -> None:
    """Depth and text checked without recursion (a hostile document may be very deep)."""
    pending: list[tuple[object, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > DEPTH_LIMIT:
            raise UnsafeJsonError(f"the JSON is nested deeper than {DEPTH_LIMIT} levels")
        if isinstance(value, str):
            _text(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                _text(key)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def _text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafeJsonError(
            "the JSON holds text that is not valid Unicode (an unpaired surrogate)"
        ) from None
