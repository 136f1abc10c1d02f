"""The payload fields each handled event's code reads, with their JSON types: a signed delivery whose
fields have the wrong type is refused at the door of the pipeline (`skipped:malformed`). Pure."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Kind = tuple[str, Callable[[Any], bool]]

OBJECT: Kind = ("an object", lambda value: isinstance(value, Mapping))
ARRAY: Kind = ("an array", lambda value: isinstance(value, list))
STRING: Kind = ("a string", lambda value: isinstance(value, str))
STRING_OR_NULL: Kind = ("a string or null", lambda value: value is None or isinstance(value, str))
INTEGER: Kind = ("an integer", lambda value: isinstance(value, int) and not isinstance(value, bool))
SCALAR: Kind = ("a string, number, boolean or null", lambda value: not isinstance(value, Mapping | list))


@dataclass(frozen=True)
class Field:
    """A dotted path (`a.b`, `a[].b` for each element of array `a`), its kind, and whether it must exist."""

    path: str
    kind: Kind
    required: bool = True


COMMON = (
    Field("action", STRING, required=False),
    Field("sender", OBJECT, required=False),
    Field("sender.login", STRING, required=False),
)
_PULL_REQUEST = (Field("pull_request", OBJECT), Field("pull_request.number", INTEGER))
FIELDS_BY_EVENT: dict[str, tuple[Field, ...]] = {
    "pull_request": (
        *_PULL_REQUEST,
        Field("before", SCALAR, required=False),
        Field("after", SCALAR, required=False),
        Field("changes", OBJECT, required=False),
        Field("label", OBJECT, required=False),
        Field("label.name", STRING, required=False),
    ),
    "pull_request_review": (
        *_PULL_REQUEST,
        Field("review", OBJECT),
        Field("review.state", STRING),
        Field("review.user", OBJECT),
        Field("review.user.login", STRING),
    ),
    "pull_request_review_thread": _PULL_REQUEST,
    "issue_comment": (
        Field("issue", OBJECT),
        Field("issue.number", INTEGER),
        Field("comment", OBJECT),
        Field("comment.id", INTEGER),
        Field("comment.body", STRING_OR_NULL),
        Field("comment.user", OBJECT),
        Field("comment.user.login", STRING),
    ),
    "check_run": (
        Field("check_run", OBJECT),
        Field("check_run.name", STRING),
        Field("check_run.head_sha", STRING),
        Field("check_run.conclusion", STRING_OR_NULL, required=False),
        Field("check_run.pull_requests", ARRAY),
        Field("check_run.pull_requests[]", OBJECT),
        Field("check_run.pull_requests[].number", INTEGER),
    ),
    "status": (Field("sha", STRING), Field("state", STRING, required=False), Field("context", SCALAR, required=False)),
    "push": (Field("ref", STRING), Field("after", STRING), Field("deleted", SCALAR, required=False)),
}
LABEL_ACTIONS = frozenset({"labeled", "unlabeled"})
LABEL_FIELDS = (
    Field("label", OBJECT),
    Field("label.name", STRING),
    Field("sender", OBJECT),
    Field("sender.login", STRING),
)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _values_at(root: Any, path: str) -> list[tuple[str, Any]] | None:
    """(concrete path, value) pairs at `path`; None when a step is missing (its parents were checked)."""
    found: list[tuple[str, Any]] = [("", root)]
    for segment in path.split("."):
        each = segment.endswith("[]")
        key = segment.removesuffix("[]")
        next_found: list[tuple[str, Any]] = []
        for prefix, value in found:
            if not isinstance(value, Mapping) or key not in value:
                return None
            here = f"{prefix}.{key}" if prefix else key
            child = value[key]
            if each:
                next_found.extend((f"{here}[{index}]", item) for index, item in enumerate(child))
            else:
                next_found.append((here, child))
        found = next_found
    return found


def _problems(payload: Mapping[str, Any], fields: Sequence[Field]) -> str | None:
    for field in fields:
        values = _values_at(payload, field.path)
        if values is None:
            if field.required:
                return f"{field.path}: missing"
            continue
        for concrete, value in values:
            description, accepts = field.kind
            if not accepts(value):
                return f"{concrete}: expected {description}, got {_json_type(value)}"
    return None


def malformed_field(event: str, payload: Mapping[str, Any]) -> str | None:
    """`<field>: <problem>` for the first field of a handled event that has the wrong type, else None."""
    problem = _problems(payload, COMMON)
    if problem is not None or event not in FIELDS_BY_EVENT:
        return problem
    problem = _problems(payload, FIELDS_BY_EVENT[event])
    if problem is None and event == "pull_request" and payload.get("action") in LABEL_ACTIONS:
        problem = _problems(payload, LABEL_FIELDS)
    return problem
