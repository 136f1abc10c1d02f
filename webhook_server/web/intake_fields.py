"""The few payload fields intake reads, decoded without building the rest of the payload.

Intake needs the repository, the action and what the ordering key reads (`rules/ordering.py`). Decoding
only those into small structs costs a quarter of decoding a 22 KB `pull_request` payload whole, and
leaves no thousand-object tree behind per acknowledgement. msgspec still reads every byte: a syntax
error anywhere is refused. It does not check the skipped strings' UTF-8, which `fields_of` does, nor the
range of skipped numbers: a number beyond what the worker's parser takes (over 4,300 digits, or a float
beyond 1e308, which no JSON encoder writes) fails that delivery in the worker, with the parser's message.

A payload whose read fields have unexpected types (an `issue` that is a string) does not fit the structs;
`fields_of` returns None for it and the caller decodes it whole, which gives the same answer slower.
"""

from typing import Any

import msgspec

from webhook_server.utils.json_body import InvalidJsonError

UNSET: Any = msgspec.UNSET


class _Repository(msgspec.Struct):
    id: Any = UNSET
    name: Any = UNSET
    full_name: Any = UNSET


class _Numbered(msgspec.Struct):
    number: Any = UNSET


class _Issue(msgspec.Struct):
    number: Any = UNSET
    pull_request: Any = UNSET


class _CheckRun(msgspec.Struct):
    head_sha: Any = UNSET
    pull_requests: Any = UNSET


class _Fields(msgspec.Struct):
    repository: _Repository | None = UNSET
    action: Any = UNSET
    pull_request: _Numbered | None = UNSET
    issue: _Issue | None = UNSET
    check_run: _CheckRun | None = UNSET
    sha: Any = UNSET
    ref: Any = UNSET


_DECODER = msgspec.json.Decoder(_Fields)


def fields_of(text: bytes) -> dict[str, Any] | None:
    """The read fields of a JSON object, as the plain mapping a whole decode would give for them.

    `InvalidJsonError` for text that is not JSON or not UTF-8. None when the text is JSON but does not fit
    the structs (not an object, or a read field of another type): decode it whole then.
    """
    try:
        if not text.isascii():
            text.decode("utf-8")  # msgspec does not check the strings it skips
        fields: dict[str, Any] = _plain(_DECODER.decode(text))
    except msgspec.ValidationError:
        return None
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise InvalidJsonError(str(error)) from None
    return fields


def _plain(value: Any) -> Any:
    if isinstance(value, msgspec.Struct):
        return {name: _plain(field) for name in value.__struct_fields__ if (field := getattr(value, name)) is not UNSET}
    return value
