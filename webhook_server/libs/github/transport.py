"""The HTTP layer under PyGithub: one shared session per host, pacing, counting and quota updates.

PyGithub's public `Requester.injectConnectionClasses` lets us supply the connection objects it sends
requests through. Ours reuse one pooled `requests.Session` per (scheme, host, port), so creating one
per request is cheap and keep-alive is kept. Around every request they:
- wait on the per-credential pacer (secondary-rate-limit guidance);
- count the request on the current delivery context (`token_spend`) and in metrics;
- update the token registry from the `X-RateLimit-*` headers;
- remember the credential and response of the current `github_api_call` attempt, for retry decisions.
"""

import json
import threading
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import requests
import requests.adapters
from github.Requester import (
    HTTPRequestsConnectionClass,
    HTTPSRequestsConnectionClass,
    Requester,
    RequestsResponse,
)

from webhook_server.libs.github.pacer import RequestPacer
from webhook_server.libs.github.token_pool import TOKENS
from webhook_server.utils.context import current_context
from webhook_server.utils.dry_run import FakeAnswer, intercept_http_write
from webhook_server.utils.metrics import (
    GITHUB_API_CALLS_TOTAL,
    GITHUB_RATE_LIMIT_LIMIT,
    GITHUB_RATE_LIMIT_REMAINING,
)

POOL_SIZE = 64
# Sent with every request made for a delivery, so API calls can be correlated with the delivery
# (GitHub ignores it; the test fake and proxies can log it).
DELIVERY_HEADER = "X-GitHub-Delivery"


@dataclass
class AttemptRecord:
    """What the transport saw during one `github_api_call` attempt."""

    credential: str | None = None
    statuses: list[int] = field(default_factory=list)


CURRENT_ATTEMPT: ContextVar[AttemptRecord | None] = ContextVar("github_attempt", default=None)
PACER = RequestPacer()

_sessions: dict[tuple[str, str, int], requests.Session] = {}
_sessions_lock = threading.Lock()


def shared_session(protocol: str, host: str, port: int) -> requests.Session:
    """The pooled session for one GitHub endpoint (created once)."""
    key = (protocol, host, port)
    with _sessions_lock:
        session = _sessions.get(key)
        if session is None:
            session = requests.Session()
            session.auth = Requester.noopAuth
            adapter = requests.adapters.HTTPAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE, max_retries=0)
            session.mount(f"{protocol}://", adapter)
            _sessions[key] = session
        return session


def credential_of(authorization: str | None) -> str | None:
    """The secret in an `Authorization: token X` / `Bearer X` header."""
    if not authorization:
        return None
    _, _, secret = authorization.partition(" ")
    return secret or None


def is_personal_token(credential: str | None) -> bool:
    return credential is not None and TOKENS.known(credential) is not None


def record_response(credential: str | None, status: int, headers: Any, *, api: str = "rest") -> None:
    """Account for one GitHub response: quota, delivery counters, metrics, attempt record."""
    personal = is_personal_token(credential)
    GITHUB_API_CALLS_TOTAL.labels(api=api, credential="token" if personal else "app").inc()
    if personal and credential is not None:
        TOKENS.observe(credential, headers)
        _export_quota(credential)
    context = current_context()
    if context is not None:
        remaining = headers.get("x-ratelimit-remaining") if personal else None
        context.record_api_response(remaining=int(float(remaining)) if remaining is not None else None)
    attempt = CURRENT_ATTEMPT.get()
    if attempt is not None:
        attempt.credential = credential
        attempt.statuses.append(status)


def _export_quota(credential: str) -> None:
    state = TOKENS.known(credential)
    if state is None or state.login is None:
        return
    if state.remaining is not None:
        GITHUB_RATE_LIMIT_REMAINING.labels(api_user=state.login).set(state.remaining)
    if state.limit is not None:
        GITHUB_RATE_LIMIT_LIMIT.labels(api_user=state.login).set(state.limit)


class _ObservedConnection:
    """Mimics PyGithub's connection object over a shared session."""

    protocol = "https"
    default_port = 443

    def __init__(self, host: str, port: int | None = None, timeout: int | None = None, **kwargs: Any) -> None:
        self.host = host
        self.port = port or self.default_port
        self.timeout = timeout
        self.verify = kwargs.get("verify", True)
        self.session = shared_session(self.protocol, host, self.port)

    def request(self, verb: str, url: str, input: Any, headers: dict[str, str], stream: bool = False) -> None:
        self.verb = verb
        self.url = url
        self.input = input
        self.headers = headers
        self.stream = stream

    def getresponse(self) -> RequestsResponse:
        fake = intercept_http_write(self.verb, self.url, self.input)
        if fake is not None:
            return RequestsResponse(fake_response(fake))
        context = current_context()
        if context is not None:
            self.headers[DELIVERY_HEADER] = context.hook_id
        credential = credential_of(self.headers.get("Authorization"))
        pacing_key = credential or "anonymous"
        PACER.acquire(pacing_key, self.verb, background=context is None)
        try:
            response = self.session.request(
                self.verb,
                f"{self.protocol}://{self.host}:{self.port}{self.url}",
                headers=self.headers,
                data=self.input,
                timeout=self.timeout,
                verify=self.verify,
                allow_redirects=False,
                stream=self.stream,
            )
        finally:
            PACER.release(pacing_key)
        api = "graphql" if self.url.rstrip("/").endswith("/graphql") else "rest"
        record_response(credential, response.status_code, response.headers, api=api)
        return RequestsResponse(response)

    def close(self) -> None:
        """The session is shared; nothing to close per request."""


def fake_response(answer: FakeAnswer) -> requests.Response:
    """A `requests.Response` carrying a dry run's made-up answer (nothing was sent)."""
    response = requests.Response()
    response.status_code = answer.status
    response.headers["content-type"] = "application/json; charset=utf-8"
    response._content = b"" if answer.body is None else json.dumps(answer.body).encode()
    response.encoding = "utf-8"
    return response


class ObservedHTTPSConnection(_ObservedConnection, HTTPSRequestsConnectionClass):
    """HTTPS flavour."""

    def __init__(self, host: str, port: int | None = None, timeout: int | None = None, **kwargs: Any) -> None:
        _ObservedConnection.__init__(self, host, port, timeout, **kwargs)


class ObservedHTTPConnection(_ObservedConnection, HTTPRequestsConnectionClass):
    """Plain-HTTP flavour (GitHub Enterprise behind a proxy, the test fake)."""

    protocol = "http"
    default_port = 80

    def __init__(self, host: str, port: int | None = None, timeout: int | None = None, **kwargs: Any) -> None:
        _ObservedConnection.__init__(self, host, port, timeout, **kwargs)


def install_transport() -> None:
    """Route every PyGithub request of this process through the observed connections."""
    Requester.injectConnectionClasses(ObservedHTTPConnection, ObservedHTTPSConnection)
