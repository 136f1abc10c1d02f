"""Validate config documents against the bundled JSON Schema and render errors as `dotted.path: message`."""

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft7Validator, FormatChecker, ValidationError

SCHEMA_PATH = Path(__file__).resolve().parent.parent.parent / "config" / "schema.yaml"
ROOT_PATH_LABEL = "<root>"
_PROTECTED_BRANCHES_KEY = "protected-branches"
MAX_VALUE_REPR = 60


@cache
def load_schema() -> Mapping[str, Any]:
    """The bundled config schema, parsed once."""
    with SCHEMA_PATH.open(encoding="utf-8") as schema_file:
        schema: dict[str, Any] = yaml.safe_load(schema_file)
    Draft7Validator.check_schema(schema)
    return schema


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("uri")(_is_uri)
    return checker


@cache
def _server_validator() -> Draft7Validator:
    return Draft7Validator(dict(load_schema()), format_checker=_format_checker())


@cache
def _repository_validator() -> Draft7Validator:
    schema = load_schema()
    local_schema = {"$ref": "#/definitions/repository", "definitions": schema["definitions"]}
    return Draft7Validator(local_schema, format_checker=_format_checker())


def drop_nulls(document: Any, *, keep_null_values: bool = False) -> Any:
    """A copy of `document` without null-valued mapping keys (null means "unset").

    `protected-branches` values are kept even when null: there null means "automatic required checks".
    """
    if isinstance(document, Mapping):
        return {
            key: drop_nulls(value, keep_null_values=key == _PROTECTED_BRANCHES_KEY)
            for key, value in document.items()
            if value is not None or keep_null_values
        }
    if isinstance(document, list):
        return [drop_nulls(item) for item in document]
    return document


def dotted_path(parts: list[str | int]) -> str:
    """`['repositories', 'a', 'tox']` -> `repositories.a.tox`; the empty path is `<root>`."""
    return ".".join(str(part) for part in parts) or ROOT_PATH_LABEL


def _error_lines(error: ValidationError) -> list[tuple[list[str | int], str]]:
    """(path, message) pairs for one schema error, pointing at the offending key where possible."""
    path: list[str | int] = list(error.absolute_path)
    instance: Any = error.instance
    if error.validator == "required":
        required: Any = error.validator_value
        missing = [key for key in required if key not in instance]
        return [([*path, key], f"{key!r} is a required property") for key in missing]
    if error.validator == "additionalProperties" and error.validator_value is False:
        schema: Any = error.schema
        known = schema.get("properties", {})
        extras = [key for key in instance if key not in known]
        return [([*path, key], f"unknown key {key!r} (allowed: {', '.join(known)})") for key in extras]
    return [(path, _shortened_message(error))]


SECRET_VALUE_KEYS = frozenset({"ledger-url"})  # values that may carry a password: never repeated in errors


def _shortened_message(error: ValidationError) -> str:
    """The error message, with a long offending value abbreviated (jsonschema starts with its repr), and the
    value of a key that may hold a password left out."""
    if error.path and error.path[-1] in SECRET_VALUE_KEYS and isinstance(error.instance, str):
        return error.message.replace(repr(error.instance), "(value not shown)")
    value_repr = repr(error.instance)
    if len(value_repr) <= MAX_VALUE_REPR or not error.message.startswith(value_repr):
        return error.message
    return f"{value_repr[:MAX_VALUE_REPR]}..." + error.message[len(value_repr) :]


def _validate(validator: Draft7Validator, document: object) -> list[tuple[list[str | int], str]]:
    errors = sorted(validator.iter_errors(document), key=lambda err: [str(part) for part in err.absolute_path])
    return [line for error in errors for line in _error_lines(error)]


def server_schema_errors(document: object) -> list[str]:
    """Schema errors of a (null-stripped) config.yaml document as `dotted.path: message` lines."""
    return [f"{dotted_path(path)}: {message}" for path, message in _validate(_server_validator(), document)]


def _is_local_label_category_error(path: list[str | int]) -> bool:
    return len(path) == 3 and path[:2] == ["labels", "enabled-labels"] and isinstance(path[2], int)


def local_schema_errors(document: object) -> list[str]:
    """Schema errors of a (null-stripped) repo-local document.

    Unknown `labels.enabled-labels` values are not errors here: they are dropped with a warning when the
    local layer is applied (spec config.md §4.4).
    """
    lines = _validate(_repository_validator(), document)
    return [f"{dotted_path(path)}: {message}" for path, message in lines if not _is_local_label_category_error(path)]


@cache
def known_root_keys() -> frozenset[str]:
    """Every key the schema defines at the root of config.yaml."""
    return frozenset(load_schema()["properties"])


@cache
def known_repository_keys() -> frozenset[str]:
    """Every key the schema defines for a repository entry (and the repo-local file)."""
    return frozenset(load_schema()["definitions"]["repository"]["properties"])


@cache
def label_categories() -> tuple[str, ...]:
    """The label categories accepted in `labels.enabled-labels`, in schema order."""
    labels_schema = load_schema()["definitions"]["labels"]
    return tuple(labels_schema["properties"]["enabled-labels"]["items"]["enum"])


def unknown_key_paths(document: Mapping[str, Any]) -> list[str]:
    """Dotted paths of keys the schema does not define, at the root and in repository entries."""
    root_keys = known_root_keys()
    repository_keys = known_repository_keys()
    paths = [key for key in document if key not in root_keys]
    for repo_key, entry in document["repositories"].items():
        paths.extend(f"repositories.{repo_key}.{key}" for key in entry if key not in repository_keys)
    return paths
