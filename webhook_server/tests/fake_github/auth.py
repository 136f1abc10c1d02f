"""Credentials and quotas: who a request is (PAT, installation token, App JWT) and its rate limit."""

from __future__ import annotations

import base64
import binascii
import time
from typing import TYPE_CHECKING

import jwt

from webhook_server.tests.fake_github.protocol import ApiError, Identity
from webhook_server.tests.fake_github.state import RateBucket, State

if TYPE_CHECKING:
    from webhook_server.tests.fake_github.backend import Backend

DEFAULT_LIMITS = {"user": 5000, "installation": 5000, "app": 5000, "anonymous": 60}
RATE_WINDOW_SECONDS = 3600


def bearer_value(authorization: str | None) -> str | None:
    """The credential in an Authorization header: `token X`, `Bearer X`, or the password of Basic."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() in ("token", "bearer"):
        return value
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ApiError(401, "Bad credentials") from error
        return decoded.partition(":")[2]
    raise ApiError(401, "Bad credentials")


def resolve_identity(backend: Backend, authorization: str | None, client: str) -> Identity:
    """Authenticate a request, or raise 401 with GitHub's message."""
    value = bearer_value(authorization)
    if value is None:
        return Identity("anonymous", client=client)
    if value.count(".") == 2:
        return _app_identity(backend, value)
    st = backend.state
    token = st.tokens.get(value)
    if token is None or (token.expires_at is not None and token.expires_at < time.time()):
        raise ApiError(401, "Bad credentials")
    if token.kind == "installation":
        return Identity("installation", user=st.app.bot, token=value, installation_id=token.installation_id)
    return Identity("user", user=token.user, token=value)


def _app_identity(backend: Backend, value: str) -> Identity:
    try:
        claims = jwt.decode(
            value,
            backend.app_public_key_pem,
            algorithms=["RS256"],
            options={"require": ["exp", "iat", "iss"]},
            leeway=60,
        )
    except jwt.PyJWTError as error:
        raise ApiError(401, "A JSON web token could not be decoded") from error
    if str(claims["iss"]) != str(backend.state.app.id):
        raise ApiError(401, "A JSON web token could not be decoded")
    if int(claims["exp"]) - int(claims["iat"]) > 660:
        raise ApiError(
            401,
            "'Expiration time' claim ('exp') is too far in the future",
        )
    return Identity("app", token=value)


def bucket_for(st: State, identity: Identity, resource: str) -> RateBucket:
    """The quota this identity spends for `resource` (core | graphql), refilled once its window ends."""
    key = (identity.bucket_key, resource)
    bucket = st.buckets.get(key)
    now = int(time.time())
    if bucket is None or bucket.reset_at <= now:
        limit = DEFAULT_LIMITS[identity.kind]
        if identity.kind == "user" and identity.user is not None:
            limit = st.token_limits.get(identity.user.login.casefold(), limit)
        bucket = RateBucket(limit=limit, remaining=limit, reset_at=now + RATE_WINDOW_SECONDS)
        st.buckets[key] = bucket
    return bucket


def rate_headers(bucket: RateBucket, resource: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(bucket.limit),
        "X-RateLimit-Remaining": str(bucket.remaining),
        "X-RateLimit-Reset": str(bucket.reset_at),
        "X-RateLimit-Used": str(bucket.used),
        "X-RateLimit-Resource": resource,
    }


def charge(st: State, identity: Identity, resource: str) -> RateBucket:
    """Spend one request of quota, or raise GitHub's primary rate-limit 403."""
    bucket = bucket_for(st, identity, resource)
    if bucket.remaining <= 0:
        who = f"user ID {identity.user.id}" if identity.user is not None else identity.client or identity.kind
        raise ApiError(
            403,
            f"API rate limit exceeded for {who}.",
            headers=rate_headers(bucket, resource),
        )
    bucket.remaining -= 1
    return bucket


def rate_limit_document(st: State, identity: Identity) -> dict[str, object]:
    """The body of `GET /rate_limit` for this identity."""
    resources: dict[str, object] = {}
    for resource in ("core", "graphql", "search", "integration_manifest", "code_search"):
        bucket = bucket_for(st, identity, resource)
        resources[resource] = {
            "limit": bucket.limit,
            "remaining": bucket.remaining,
            "reset": bucket.reset_at,
            "used": bucket.used,
            "resource": resource,
        }
    return {"resources": resources, "rate": resources["core"]}
