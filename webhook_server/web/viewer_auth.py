"""Optional authentication of the log viewer, MCP, metrics and API docs (bearer token and/or basic auth).

``ViewerAuth`` holds the root ``log-viewer`` config block. ``ViewerAuthMiddleware`` guards the HTTP
paths; the log viewer's WebSocket checks ``ViewerAuth.accepts`` itself so it can close with its own code.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

LOGGER = logging.getLogger("webhook_server.log_viewer")
NOT_AUTHENTICATED = "Not authenticated"
BASIC_CHALLENGE = 'Basic realm="webhook-server"'
BEARER_CHALLENGE = "Bearer"
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
EXPLAIN_PREFIX = "/webhook_server/explain/"  # the `/explain` JSON endpoint, protected like the viewer


@dataclass(frozen=True)
class ViewerAuth:
    """Credentials from the ``log-viewer`` block; either or both may be set."""

    bearer_token: str | None = None
    basic_username: str | None = None
    basic_password: str | None = None
    allowed_origins: tuple[str, ...] = ()

    @property
    def has_basic(self) -> bool:
        """True when basic-auth credentials are configured."""
        return self.basic_username is not None and self.basic_password is not None

    @property
    def requires_credentials(self) -> bool:
        """True when at least one credential is configured."""
        return bool(self.bearer_token) or self.has_basic

    @property
    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value of a 401."""
        return BASIC_CHALLENGE if self.has_basic else BEARER_CHALLENGE

    def accepts(self, authorization: str | None) -> bool:
        """True when the ``Authorization`` header carries a configured credential (constant-time compare)."""
        if not self.requires_credentials:
            return True
        if authorization is None:
            return False
        scheme, _, value = authorization.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and self.bearer_token:
            return hmac.compare_digest(value.encode(), self.bearer_token.encode())
        if scheme.lower() == "basic" and self.has_basic:
            return self._basic_matches(value)
        return False

    def _basic_matches(self, encoded: str) -> bool:
        try:
            decoded = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return False
        username, separator, password = decoded.partition(b":")
        if not separator:
            return False
        assert self.basic_username is not None  # has_basic
        assert self.basic_password is not None
        username_ok = hmac.compare_digest(username, self.basic_username.encode())
        password_ok = hmac.compare_digest(password, self.basic_password.encode())
        return username_ok and password_ok


def credentials_required(auth: ViewerAuth | None) -> bool:
    """True when ``auth`` asks for credentials."""
    return auth is not None and auth.requires_credentials


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warn_if_unprotected(
    auth: ViewerAuth | None, *, log_server_enabled: bool, mcp_enabled: bool, bind_host: str | None = None
) -> bool:
    """Log the startup WARNING of §9 when the viewer or MCP is on without credentials; True if logged.

    Nothing is logged when ``bind_host`` is given and is a loopback address (only local clients).
    """
    if credentials_required(auth) or not (log_server_enabled or mcp_enabled):
        return False
    if bind_host is not None and is_loopback_host(bind_host):
        return False
    LOGGER.warning(
        "Log viewer/MCP enabled without authentication (ENABLE_LOG_SERVER=%s, ENABLE_MCP_SERVER=%s): "
        "anyone who can reach the server can read the logs; set log-viewer credentials",
        log_server_enabled,
        mcp_enabled,
    )
    return True


def header_value(scope: Scope, name: bytes) -> str | None:
    """The first value of header ``name`` (lower-case bytes) in an ASGI scope."""
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def send_unauthorized(auth: ViewerAuth, send: Send) -> None:
    """Answer ``401 {"detail": "Not authenticated"}`` with the configured challenge."""
    body = json.dumps({"detail": NOT_AUTHENTICATED}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", auth.challenge.encode()),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ViewerAuthMiddleware:
    """Requires viewer credentials on the HTTP paths ``is_protected`` selects."""

    def __init__(self, app: ASGIApp, auth: ViewerAuth, is_protected: Callable[[str], bool]) -> None:
        self.app = app
        self.auth = auth
        self.is_protected = is_protected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Reject unauthenticated requests to protected paths; pass everything else through."""
        protected = scope["type"] == "http" and self.is_protected(scope["path"])
        if protected and not self.auth.accepts(header_value(scope, b"authorization")):
            await send_unauthorized(self.auth, send)
            return
        await self.app(scope, receive, send)
