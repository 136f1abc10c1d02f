"""Synchronous validation of one webhook POST, in the order the spec fixes. Pure, no I/O."""

import ipaddress
import re
from array import array
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qs

from webhook_server.utils.json_body import InvalidJsonError, decode_json
from webhook_server.utils.signature import signature_matches
from webhook_server.web.intake_fields import fields_of

MAX_BODY_BYTES = 26_214_400  # 25 MiB
MAX_JSON_DEPTH = 200  # GitHub payloads nest about 10 levels; far below Python's recursion limit
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
FORM_PAYLOAD_FIELD = "payload"
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_DEPTH_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[{]}")
_NOT_OPENINGS = bytes(byte for byte in range(256) if byte not in b"[{")


class IntakeRejectedError(Exception):
    """A delivery refused at intake: HTTP status and the exact `detail` text."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def parse_client_ip(host: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The client address as an IP, or the spec's 400 rejections."""
    if not host:
        raise IntakeRejectedError(400, "Could not determine client IP address")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        raise IntakeRejectedError(400, "Could not parse client IP address") from None


def require_event(event: str | None) -> str:
    if not event:
        raise IntakeRejectedError(400, "Missing X-GitHub-Event header")
    return event


def check_declared_length(content_length: str | None) -> None:
    """Refuse early when `Content-Length` announces more than the cap."""
    if content_length is None:
        return
    try:
        declared = int(content_length)
    except ValueError:
        raise IntakeRejectedError(400, "Failed to read request body") from None
    if declared > MAX_BODY_BYTES:
        raise IntakeRejectedError(413, "Payload too large")


def check_signature(secret: str | None, body: bytes, header_value: str | None) -> None:
    """Verify `X-Hub-Signature-256` when a secret is configured."""
    if secret is None:
        return
    if not header_value:
        raise IntakeRejectedError(403, "x-hub-signature-256 header is missing!")
    if not signature_matches(secret, body, header_value):
        raise IntakeRejectedError(403, "Request signatures didn't match!")


def nested_deeper_than(body: bytes, limit: int) -> bool:
    """Whether a JSON text nests brackets deeper than `limit`, counted without recursion (strings skipped).

    A text cannot nest deeper than its number of opening brackets, so a payload with at most `limit` of them,
    strings included (a `pull_request` payload has about 150), is answered by one C-speed pass. Only a
    text with more openings pays for skipping its strings, about 7 µs per KiB."""
    if _openings(body) <= limit:
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if _openings(brackets) <= limit:
        return False
    steps = array("b", brackets.translate(_DEPTH_STEPS))  # +1 per opening, -1 per closing
    return max(accumulate(steps)) > limit


def _openings(text: bytes) -> int:
    return len(text.translate(None, _NOT_OPENINGS))  # one pass; two `count`s took twice as long


def json_document(body: bytes, content_type: str | None) -> bytes:
    """The JSON text of a delivery: the body itself, or the `payload` field of a form-encoded body."""
    media_type = (content_type or "").split(";", 1)[0].strip().casefold()
    if media_type != FORM_CONTENT_TYPE:
        return body
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=True, max_num_fields=100)
    except (ValueError, UnicodeDecodeError):
        raise IntakeRejectedError(400, "Invalid JSON payload") from None
    values = fields.get(FORM_PAYLOAD_FIELD)
    if not values or len(values) != 1:
        raise IntakeRejectedError(400, "Invalid JSON payload")
    return values[0].encode("utf-8")


def parse_payload(body: bytes) -> dict[str, Any]:
    """Check that the body is a JSON object that names its repository; return the fields intake reads
    (`intake_fields.py`: repository, action and what the ordering key needs), not the whole payload.
    Nesting deeper than MAX_JSON_DEPTH is refused before parsing, so no payload can exhaust the recursion
    limit here or later."""
    if nested_deeper_than(body, MAX_JSON_DEPTH):
        raise IntakeRejectedError(400, "Invalid JSON payload")
    try:
        payload = fields_of(body)
        if payload is None:  # JSON of another shape: the whole value decides
            payload = decode_json(body)
    except InvalidJsonError:
        raise IntakeRejectedError(400, "Invalid JSON payload") from None
    if not isinstance(payload, dict):
        raise IntakeRejectedError(400, "Invalid JSON payload")
    repository = payload.get("repository")
    if not isinstance(repository, dict):
        raise IntakeRejectedError(400, "Missing repository in payload")
    for key in ("name", "full_name"):
        value = repository.get(key)
        if not isinstance(value, str) or not value:
            raise IntakeRejectedError(400, f"Missing repository.{key} in payload")
    return payload
