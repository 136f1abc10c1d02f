"""Log-viewer gates beyond credentials: the trusted-network check (step-logs) and the WebSocket Origin check."""

from __future__ import annotations

import ipaddress
import logging
from typing import NoReturn
from urllib.parse import urlsplit

from fastapi import HTTPException
from starlette.requests import HTTPConnection

LOGGER = logging.getLogger("webhook_server.log_viewer")
NO_CLIENT_ADDRESS = "Access denied: Unable to determine client IP address."
INVALID_CLIENT_ADDRESS = "Access denied: Invalid client IP address format."
UNTRUSTED_NETWORK = "Access denied: Log viewer is only accessible from trusted networks."
_DEFAULT_PORTS = {"http": 80, "https": 443}


def require_trusted_network(connection: HTTPConnection) -> None:
    """Raise 403 unless the client address is private, loopback or link-local."""
    host = connection.client.host if connection.client is not None else None
    if not host:
        _deny(NO_CLIENT_ADDRESS, host)
    try:
        address = ipaddress.ip_address(str(host))
    except ValueError:
        _deny(INVALID_CLIENT_ADDRESS, host)
    if not (address.is_private or address.is_loopback or address.is_link_local):
        _deny(UNTRUSTED_NETWORK, host)


def _deny(detail: str, host: str | None) -> NoReturn:
    LOGGER.warning("Step-logs request denied for client %r: %s", host, detail)
    raise HTTPException(status_code=403, detail=detail)


def normalize_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case without a default port, or None when unparseable."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or _DEFAULT_PORTS.get(scheme) == port:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def own_origin(connection: HTTPConnection) -> str | None:
    """The server's origin as the client addressed it (scheme after trusted proxy headers, Host header)."""
    host = connection.headers.get("host")
    if not host:
        return None
    scheme = "https" if connection.url.scheme in ("https", "wss") else "http"
    return normalize_origin(f"{scheme}://{host}")


def origin_allowed(connection: HTTPConnection, allowed_origins: tuple[str, ...]) -> bool:
    """True when no ``Origin`` is sent, or it is the server's own origin, or it is configured as allowed."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    normalized = normalize_origin(origin)
    if normalized is None:
        return False
    if normalized == own_origin(connection):
        return True
    return normalized in {normalize_origin(allowed) for allowed in allowed_origins}
