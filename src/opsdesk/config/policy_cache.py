"""A cache of validated policies, so a command on an unchanged policy file skips YAML and pydantic.

Reading and validating a policy file costs about 0.4 s (importing pydantic and building the models, and
ruamel.yaml), more than a quick command like `opsdesk hours` should take. The validated Policy is stored as
JSON (never pickle: the cache folder is not trusted more than any other input), keyed by the file's bytes,
its folder and opsdesk's version. Anything unexpected in the cache means it is ignored and rebuilt.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
import types
import typing
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from opsdesk import __version__
from opsdesk.config.policy import Policy

FORMAT = 15


def cache_key(raw: bytes, path: Path) -> str:
    hasher = hashlib.sha256()
    for part in (f"{FORMAT}:{__version__}:{path.resolve().parent}".encode(), raw):
        hasher.update(part)
    return hasher.hexdigest()


def load_cached(cache_dir: Path | None, key: str) -> Policy | None:
    if cache_dir is None:
        return None
    try:
        document = json.loads((cache_dir / "policy-cache.json").read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("key") != key:
            return None
        policy = decode(Policy, document["policy"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError, LookupError):
        return None
    return policy if isinstance(policy, Policy) else None


def store(cache_dir: Path | None, key: str, policy: Policy) -> None:
    if cache_dir is None:
        return
    with contextlib.suppress(OSError, TypeError, ValueError):
        cache_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"key": key, "policy": encode(policy)})
        fd, temp = tempfile.mkstemp(dir=cache_dir, prefix="policy-cache", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temp, cache_dir / "policy-cache.json")
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def encode(value: object) -> object:  # noqa: PLR0911  (one branch per kind of value)
    """Dataclasses, enums, dates, zones, paths and containers as JSON values (fields starting _ skipped)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("_")
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, ZoneInfo):
        return value.key
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return [[encode(k), encode(v)] for k, v in value.items()]
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value, key=repr) if isinstance(value, frozenset | set) else value
        return [encode(item) for item in items]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decode(kind: Any, value: Any) -> Any:  # noqa: PLR0911, PLR0912  (one branch per kind of value)
    """The inverse of `encode`, driven by the type annotations."""
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return decode(next(a for a in args if a is not type(None)), value)
    if hasattr(kind, "__supertype__"):  # NewType
        return decode(kind.__supertype__, value)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = {
            f.name: decode(hints[f.name], value[f.name])
            for f in dataclasses.fields(kind)
            if not f.name.startswith("_") and f.init
        }
        factory: Any = kind
        return factory(**fields)
    if origin is tuple:
        return tuple(decode(args[0], item) for item in value)
    if origin is frozenset:
        return frozenset(decode(args[0], item) for item in value)
    if origin is dict:
        return {decode(args[0], k): decode(args[1], v) for k, v in value}
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is timedelta and isinstance(value, int | float):
        return timedelta(seconds=value)
    if kind is ZoneInfo:
        return ZoneInfo(value)
    if kind is Path:
        return Path(value)
    if kind in (str, int, float, bool) and isinstance(value, kind):
        return value
    raise TypeError(f"cannot read {value!r} as {kind}")
