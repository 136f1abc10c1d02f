"""Synchronous validation of one webhook POST, in the order the spec fixes. Pure, no I/O."""

import ipaddress
import json
from typing import Any

from webhook_server.utils.signature import signature_matches

MAX_BODY_BYTES = 26_214_400  # 25 MiB


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


def parse_payload(body: bytes) -> dict[str, Any]:
    """Decode the body as a JSON object that names its repository."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
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
