"""GraphQL requests through gql's async client over httpx, behind the same door as REST.

gql's HTTPX transport uses `httpx2` when it is installed (the `mcp` package brings it), else `httpx`; this
module depends on neither: responses are read through the small `HttpResponse` protocol, and connection
failures and timeouts arrive as gql's `TransportConnectionFailed`, which `call_with_retries` retries.

`graphql_request` sends one document as the client's current credential and gives back `data`. Like a
REST call through `github_api_call` it is
- retried, rate-limit waited and failed over by `api_call.call_with_retries` (same budgets): HTTP errors
  and `RATE_LIMITED` answers become `GithubException`s carrying GitHub's status, body and headers;
- paced by the shared per-credential `transport.PACER` (a mutation is a write, a query a read);
- counted and quota-accounted per response by `transport.record_response` (api="graphql");
- tagged with the delivery id header when it runs for a delivery;
- recorded instead of sent when it is a mutation during a dry run (`utils.dry_run`);
- sent over a kept-alive connection (`graphql_sessions`: one gql session per endpoint and event loop).
GraphQL `errors` raise as PyGithub's `graphql_query` did: a lone NOT_FOUND → `UnknownObjectException`,
anything else → `GithubException(400)`.
"""

import asyncio
import json
from collections.abc import Mapping
from typing import Any, Protocol

from github import Github, GithubException, UnknownObjectException
from gql import GraphQLRequest
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError, TransportServerError
from graphql import OperationDefinitionNode, OperationType

from webhook_server.libs.github import transport
from webhook_server.libs.github.api_call import call_with_retries
from webhook_server.libs.github.graphql_sessions import RESPONSE_OBSERVER, session_for
from webhook_server.libs.github.pacer import RequestPacer
from webhook_server.libs.github.transport import DELIVERY_HEADER, AttemptRecord, record_response
from webhook_server.utils.context import current_context
from webhook_server.utils.dry_run import intercept_http_write

USER_AGENT = "github-webhook-server"
RATE_LIMITED = "RATE_LIMITED"


class HttpResponse(Protocol):
    """What is read of an httpx / httpx2 response."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


async def graphql_request(github: Github, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    """`data` of one GraphQL document sent with `github`'s auth (the delivery's current token)."""
    request = GraphQLRequest(document, variable_values=variables)
    if _is_mutation(request):
        fake = intercept_http_write("POST", "/graphql", json.dumps({"query": document, "variables": variables}))
        if fake is not None:  # a dry run: recorded, not sent
            answer: dict[str, Any] = fake.body["data"]
            return answer

    async def attempt_once(attempt: AttemptRecord) -> dict[str, Any]:
        return await _attempt(github, request, attempt)

    return await call_with_retries(attempt_once)


def _is_mutation(request: GraphQLRequest) -> bool:
    return any(
        isinstance(definition, OperationDefinitionNode) and definition.operation is OperationType.MUTATION
        for definition in request.document.definitions
    )


def _credential(github: Github) -> str:
    auth = github.requester.auth
    if auth is None:
        raise GithubException(401, {"message": "GraphQL needs an authenticated client"}, None)
    return auth.token


def _headers(credential: str) -> dict[str, str]:
    headers = {"Authorization": f"bearer {credential}", "User-Agent": USER_AGENT}
    context = current_context()
    if context is not None:
        headers[DELIVERY_HEADER] = context.hook_id
    return headers


async def _acquire_pacer(pacer: RequestPacer, key: str, method: str, *, background: bool) -> None:
    """Wait for the pacer in a worker thread; a cancelled wait still frees the slot it obtains."""
    acquiring = asyncio.ensure_future(asyncio.to_thread(pacer.acquire, key, method, background=background))
    try:
        await asyncio.shield(acquiring)
    except asyncio.CancelledError:
        acquiring.add_done_callback(lambda done: None if done.cancelled() or done.exception() else pacer.release(key))
        raise


async def _attempt(github: Github, request: GraphQLRequest, attempt: AttemptRecord) -> dict[str, Any]:
    credential = _credential(github)
    responses: list[HttpResponse] = []

    def observe(response: HttpResponse) -> None:
        responses.append(response)
        record_response(credential, response.status_code, response.headers, api="graphql")
        attempt.credential = credential
        attempt.statuses.append(response.status_code)

    session = await session_for(github.requester.graphql_url)
    pacer = transport.PACER
    method = "POST" if _is_mutation(request) else "GET"
    await _acquire_pacer(pacer, credential, method, background=current_context() is None)
    observing = RESPONSE_OBSERVER.set(observe)
    try:
        data: dict[str, Any] = await session.execute(request, extra_args={"headers": _headers(credential)})
        return data
    except TransportServerError as error:
        raise _http_error(responses, error) from error
    except TransportQueryError as error:
        raise _query_error(responses, error) from error
    except TimeoutError as error:  # gql's own execute deadline, beyond httpx's timeout
        raise TransportConnectionFailed(f"GraphQL request timed out: {error}") from error
    finally:
        RESPONSE_OBSERVER.reset(observing)
        pacer.release(credential)


def _last(responses: list[HttpResponse]) -> HttpResponse | None:
    return responses[-1] if responses else None


def _body(response: HttpResponse) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"message": response.text}


def _http_error(responses: list[HttpResponse], error: TransportServerError) -> GithubException:
    """A 4xx/5xx answer as PyGithub would raise it (status, body, headers), for the retry rules."""
    response = _last(responses)
    if response is None:
        return GithubException(error.code or 500, {"message": str(error)}, None)
    return GithubException(response.status_code, _body(response), dict(response.headers))


def _query_error(responses: list[HttpResponse], error: TransportQueryError) -> GithubException:
    """GraphQL `errors`: on an HTTP error its status; a primary rate limit (handled like REST's 403), a lone
    NOT_FOUND (404), else 400."""
    response = _last(responses)
    headers = dict(response.headers) if response is not None else None
    errors = error.errors or []
    body = {"data": error.data, "errors": errors}
    if response is not None and response.status_code >= 400:
        return GithubException(response.status_code, body, headers)
    types = {item.get("type") for item in errors if isinstance(item, dict)}
    if RATE_LIMITED in types:
        return GithubException(403, {**body, "message": "API rate limit exceeded"}, headers)
    if types == {"NOT_FOUND"} and len(errors) == 1:
        return UnknownObjectException(404, body, headers, errors[0].get("message"))
    return GithubException(400, body, headers)
