"""Validation of webhook payloads against GitHub's published schemas (`@octokit/webhooks-schemas`).

The published examples predate the schemas and some miss required fields. `schema_errors` reports
every error; `unexpected_errors` drops the missing-required errors that the real examples of the
same event and action also have, which is the allowance tests should use.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "github"


@functools.cache
def _schemas() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "webhook-schemas.json").read_text())
    return data


@functools.cache
def webhook_examples() -> list[dict[str, Any]]:
    """The real payloads: a list of `{name, actions, examples[]}`."""
    data: list[dict[str, Any]] = json.loads((FIXTURES / "webhook-examples.json").read_text())
    return data


def schema_key(event: str, payload: dict[str, Any]) -> str:
    """`<event>$<action>`, or `<event>$event` for events without actions (push, status, ping)."""
    definitions = _schemas()["definitions"]
    action = payload.get("action")
    if action and f"{event}${action}" in definitions:
        return f"{event}${action}"
    return f"{event}$event"


@functools.cache
def _validator(key: str) -> jsonschema.Draft7Validator:
    schemas = _schemas()
    schema = dict(schemas["definitions"][key])
    schema["definitions"] = schemas["definitions"]
    return jsonschema.Draft7Validator(schema)


def _describe(error: jsonschema.ValidationError) -> str:
    location = "/".join(str(part) for part in error.absolute_path)
    return f"{error.validator} at /{location}: {error.message}"


def schema_errors(event: str, payload: dict[str, Any]) -> list[str]:
    return [_describe(error) for error in _validator(schema_key(event, payload)).iter_errors(payload)]


def _missing_required(error: jsonschema.ValidationError) -> str | None:
    if error.validator != "required":
        return None
    return error.message.split("'")[1] if "'" in error.message else None


@functools.cache
def _example_allowance(key: str) -> frozenset[str]:
    """Names of required properties that the real examples for `key` also miss."""
    allowed: set[str] = set()
    for entry in webhook_examples():
        for example in entry["examples"]:
            if schema_key(entry["name"], example) != key:
                continue
            for error in _validator(key).iter_errors(example):
                missing = _missing_required(error)
                if missing:
                    allowed.add(missing)
    return frozenset(allowed)


def unexpected_errors(event: str, payload: dict[str, Any]) -> list[str]:
    """Schema errors, minus missing-required kinds the published examples of this event also have."""
    key = schema_key(event, payload)
    allowance = _example_allowance(key)
    return [
        _describe(error)
        for error in _validator(key).iter_errors(payload)
        if _missing_required(error) not in allowance or _missing_required(error) is None
    ]
