"""GitHub webhook HMAC-SHA256 signatures: compute and verify in constant time."""

import hmac

SIGNATURE_PREFIX = "sha256="


def sign_body(secret: str, body: bytes) -> str:
    """Return the `X-Hub-Signature-256` value GitHub sends for `body` keyed with `secret`."""
    return SIGNATURE_PREFIX + hmac.digest(secret.encode("utf-8"), body, "sha256").hex()  # one OpenSSL call


def signature_matches(secret: str, body: bytes, header_value: str) -> bool:
    """True when `header_value` is the signature of the raw `body` (constant-time compare)."""
    return hmac.compare_digest(sign_body(secret, body).encode(), header_value.encode("utf-8", "replace"))
