"""Connected gql sessions, one per GraphQL endpoint and event loop, so httpx keeps its connections alive
between requests (as the REST transport's shared `requests` sessions do).

Each request passes its own headers (credential, delivery id). Responses are reported to the observer the
calling task set in `RESPONSE_OBSERVER` (httpx runs its event hooks in that task). `close_sessions` closes
the running loop's sessions at shutdown.
"""

import asyncio
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from gql import Client
from gql.client import AsyncClientSession
from gql.transport.httpx import HTTPXAsyncTransport

from webhook_server.libs.github.clients import REQUEST_TIMEOUT_SECONDS

# gql's own deadline for one execution: above httpx's per-request timeout, so httpx reports the timeout.
EXECUTE_TIMEOUT_SECONDS = REQUEST_TIMEOUT_SECONDS * 2

# Gets the response object of gql's HTTPX transport (an httpx2 or httpx response, whichever gql loaded).
RESPONSE_OBSERVER: ContextVar[Callable[[Any], None] | None] = ContextVar("graphql_response_observer", default=None)

_Open = dict[str, tuple[Client, AsyncClientSession]]
_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Open]" = weakref.WeakKeyDictionary()


async def _report(response: Any) -> None:
    observer = RESPONSE_OBSERVER.get()
    if observer is not None:
        observer(response)


async def session_for(url: str) -> AsyncClientSession:
    """The running loop's connected session for the GraphQL endpoint `url` (connected on first use)."""
    sessions = _by_loop.setdefault(asyncio.get_running_loop(), {})
    opened = sessions.get(url)
    if opened is not None:
        return opened[1]
    transport = HTTPXAsyncTransport(url=url, timeout=REQUEST_TIMEOUT_SECONDS, event_hooks={"response": [_report]})
    client = Client(transport=transport, execute_timeout=EXECUTE_TIMEOUT_SECONDS)
    session: AsyncClientSession = await client.connect_async()  # type: ignore[no-untyped-call]  # gql: no annotations
    raced = sessions.setdefault(url, (client, session))
    if raced[0] is not client:  # another task connected meanwhile: keep theirs
        await client.close_async()  # type: ignore[no-untyped-call]
    return raced[1]


async def close_sessions() -> None:
    """Close every session of the running loop (server shutdown)."""
    sessions = _by_loop.pop(asyncio.get_running_loop(), {})
    for client, _ in sessions.values():
        await client.close_async()  # type: ignore[no-untyped-call]
