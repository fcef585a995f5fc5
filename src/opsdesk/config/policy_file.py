"""Reading the policy file: YAML in, every problem named by key path and line, or a valid Policy out."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from opsdesk.config.policy import Policy
from opsdesk.config.policy_model import PolicyModel
from opsdesk.domain.errors import PolicyError, PolicyProblem

MAX_FILE_BYTES = 1_000_000
# Aliases can make a small file expand enormously ("billion laughs"); refuse before validating it.
MAX_NODES = 100_000


def read_policy_file(path: Path) -> Policy:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(
            [PolicyProblem("", f"cannot read the file: {exc.strerror or exc}")], str(path)
        ) from None
    return read_policy_bytes(raw, path)


def read_policy_bytes(raw: bytes, path: Path) -> Policy:
    """The policy in `raw`, the content of the file at `path` (read once by the caller)."""
    source = str(path)
    if len(raw) > MAX_FILE_BYTES:
        raise PolicyError(
            [
                PolicyProblem(
                    "", f"the file is {len(raw)} bytes; a policy file may be {MAX_FILE_BYTES} at most"
                )
            ],
            source,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            [PolicyProblem("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")], source
        ) from None
    return parse_policy_text(text, source=source, base_dir=path.parent)


def parse_policy_text(text: str, source: str, base_dir: Path) -> Policy:
    document = _load_yaml(text, source)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise PolicyError(
            [PolicyProblem("", f"expected a mapping of settings at the top level, got {_kind(document)}", 1)],
            source,
        )
    _check_size(document, source)
    try:
        model = PolicyModel.model_validate(document)
    except ValidationError as exc:
        raise PolicyError([_problem(error, document) for error in exc.errors()], source) from None
    except RecursionError:
        raise PolicyError(
            [PolicyProblem("", "the file is nested too deeply to be a policy")], source
        ) from None
    policy, problems = model.to_policy(source=source, base_dir=base_dir)
    if problems:
        raise PolicyError(
            [PolicyProblem(_path(loc), message, _line(document, loc)) for loc, message in problems], source
        )
    return policy


MAX_DEPTH = 100  # of flow collections ([...], {...}); a policy's deepest is a handful


def _flow_depth(text: str) -> int:
    """The deepest nesting of flow collections, outside quoted strings and comments (a bound: plain
    scalars may hold a bracket too, but never a hundred)."""
    depth = deepest = 0
    quote: str | None = None
    comment = False
    for char in text:
        if comment:
            comment = char != "\n"
        elif quote is not None:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            comment = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def _load_yaml(text: str, source: str) -> object:
    # Refused before parsing: the YAML reader takes seconds to find out on its own.
    if text.count("[") + text.count("{") > MAX_DEPTH and _flow_depth(text) > MAX_DEPTH:
        raise PolicyError([PolicyProblem("", "the file is nested too deeply to be a policy")], source)
    yaml = YAML(typ="rt")  # the round-trip loader builds plain data and keeps line numbers; no object tags
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(part for part in (exc.context, exc.problem) if part)
        raise PolicyError([PolicyProblem("", f"not valid YAML: {reason}", line)], source) from None
    except YAMLError as exc:
        raise PolicyError([PolicyProblem("", f"not valid YAML: {exc}")], source) from None
    except (ValueError, OverflowError, TypeError) as exc:
        # An unquoted date or time that is not a real one (2026-02-30) fails while the YAML is read.
        raise PolicyError(
            [
                PolicyProblem(
                    "", f"a date or time in the file is not a real one ({exc}); write it as YYYY-MM-DD"
                )
            ],
            source,
        ) from None
    except RecursionError:
        raise PolicyError(
            [PolicyProblem("", "the file is nested too deeply to be a policy")], source
        ) from None


def _check_size(document: object, source: str) -> None:
    count = 0
    stack = [document]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise PolicyError(
                [
                    PolicyProblem(
                        "", f"the document expands to more than {MAX_NODES} values (too many aliases?)"
                    )
                ],
                source,
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line(document: object, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the deepest key or item of `loc` that the YAML document has."""
    node: object = document
    line: int | None = None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def _kind(value: object) -> str:  # noqa: PLR0911  (one answer per kind of value)
    """The value as a person wrote it, never as a Python or ruamel.yaml object."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(str(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, TaggedScalar):
        return f"a value tagged {value.tag.value if value.tag else '?'} (tags are not allowed)"
    return f"a {type(value).__name__.lower()} value"


def _problem(error: Any, document: object) -> PolicyProblem:
    loc: tuple[int | str, ...] = tuple(
        part for part in error["loc"] if not isinstance(part, str) or "[" not in part
    )
    kind = error["type"]
    if kind == "extra_forbidden":
        message = f"unknown key {str(loc[-1])!r}; expected one of: {', '.join(_allowed_keys(loc[:-1]))}"
    elif kind == "missing":
        message = "required; add this key"
    else:
        reason = str(error["msg"]).removeprefix("Value error, ")
        message = f"got {_kind(error.get('input'))}: {reason}"
    return PolicyProblem(_path(loc), message, _line(document, loc))


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the model accepts at `loc` (by their names in the file)."""
    model: Any = PolicyModel
    for part in loc:
        if isinstance(part, int):
            continue
        field = next((f for name, f in model.model_fields.items() if (f.alias or name) == part), None)
        annotation = field.annotation if field is not None else None
        args = getattr(annotation, "__args__", ())
        model = args[0] if args and hasattr(args[0], "model_fields") else annotation
        if not hasattr(model, "model_fields"):
            return []
    return [field.alias or name for name, field in model.model_fields.items()]
