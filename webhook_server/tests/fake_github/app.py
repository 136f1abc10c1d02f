"""ASGI app of the fake GitHub: one entry point that authenticates, rate-limits, injects faults, logs and
dispatches each request to a REST route, the GraphQL endpoint or the git smart-HTTP transport."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from webhook_server.tests.fake_github import (
    graphql,
    routes_app,
    routes_branches,
    routes_checks,
    routes_deliveries,
    routes_git,
    routes_issues,
    routes_pulls,
    routes_repos,
)
from webhook_server.tests.fake_github.auth import charge, rate_headers, resolve_identity
from webhook_server.tests.fake_github.backend import Backend
from webhook_server.tests.fake_github.faults import RequestRecord
from webhook_server.tests.fake_github.graphql_schema import github_graphql_schema
from webhook_server.tests.fake_github.protocol import ApiError, ApiRoute, Ctx, Identity, Reply, not_found

ROUTES: list[ApiRoute] = [
    *routes_app.TABLE.routes,
    *routes_repos.TABLE.routes,
    *routes_branches.TABLE.routes,
    *routes_issues.TABLE.routes,
    *routes_pulls.TABLE.routes,
    *routes_checks.TABLE.routes,
    *routes_deliveries.TABLE.routes,
]
UNCOUNTED_PATHS = ("/rate_limit",)


def match_route(method: str, path: str) -> tuple[ApiRoute, dict[str, str]]:
    for route in ROUTES:
        found = route.regex.match(path)
        if found and route.method == method:
            return route, found.groupdict()
    raise not_found()


def _json_response(reply: Reply, request: Request) -> Response:
    headers = {
        "X-GitHub-Media-Type": "github.v3; format=json",
        "X-GitHub-Request-Id": uuid.uuid4().hex[:20].upper(),
        **reply.headers,
    }
    if reply.status in (204, 304) or reply.body is None:
        return Response(status_code=reply.status, headers=headers)
    body = json.dumps(reply.body).encode()
    if request.method == "GET" and reply.status == 200:
        etag = f'W/"{hashlib.sha256(body).hexdigest()}"'
        headers["ETag"] = etag
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
    return Response(body, status_code=reply.status, headers=headers, media_type="application/json; charset=utf-8")


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    wanted = {value.strip().removeprefix("W/") for value in header.split(",")}
    return etag.removeprefix("W/") in wanted or "*" in wanted


class FakeGitHubApp:
    """The request pipeline. One instance per backend; `asgi` is the Starlette application."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.asgi = Starlette(
            routes=[Route("/{path:path}", self.handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
        )

    async def handle(self, request: Request) -> Response:
        started = time.time()
        path = request.url.path
        identity: Identity | None = None
        kind = "git" if routes_git.is_git_path(path) else "graphql" if path == "/graphql" else "api"
        try:
            delay = self.backend.faults.latency_for(path)
            if delay:
                await asyncio.sleep(delay)
            failure = self.backend.faults.take_failure(request.method, path)
            if failure is not None:
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                raise ApiError(failure.status, failure.message, headers=headers)
            identity = resolve_identity(self.backend, request.headers.get("authorization"), _client(request))
            if kind == "git":
                response = await routes_git.serve(self.backend, request, identity)
            else:
                response = await self._api(request, identity, kind)
        except ApiError as error:
            response = _json_response(Reply(error.status, error.body(), error.headers), request)
        self._log(request, identity, response.status_code, started, kind)
        hold = self.backend.faults.hold_for(request.method, path)
        if hold is not None:
            hold.reached.set()
            await asyncio.to_thread(hold.released.wait)
        return response

    async def _api(self, request: Request, identity: Identity, kind: str) -> Response:
        body = await request.body()
        try:
            parsed: Any = json.loads(body) if body.strip() else None
        except json.JSONDecodeError as error:
            raise ApiError(400, "Problems parsing JSON") from error
        resource = "graphql" if kind == "graphql" else "core"
        st = self.backend.state
        with st.lock:
            secondary = self.backend.faults.take_secondary(identity.token)
            if secondary is not None:
                raise ApiError(
                    secondary.status,
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                    headers={"Retry-After": str(secondary.retry_after)},
                )
            if request.url.path in UNCOUNTED_PATHS:
                bucket_headers: dict[str, str] = {}
            else:
                bucket_headers = rate_headers(charge(st, identity, resource), resource)
        try:
            reply = await run_in_threadpool(self._dispatch, request, identity, parsed, kind)
        except ApiError as error:
            error.headers.update(bucket_headers)
            raise
        reply.headers.update(bucket_headers)
        if identity.kind == "user":
            reply.headers.setdefault("X-OAuth-Scopes", "repo, admin:repo_hook, read:org, write:packages")
        response = _json_response(reply, request)
        if response.status_code == 304 and bucket_headers:
            self._refund(identity, resource, response)
        return response

    def _dispatch(self, request: Request, identity: Identity, parsed: Any, kind: str) -> Reply:
        query = dict(request.query_params)
        if kind == "graphql":
            github_graphql_schema()  # built once (about a second), outside the state lock
        with self.backend.state.lock:
            if kind == "graphql":
                return graphql.execute(self.backend, identity, parsed)
            route, params = match_route(request.method, request.url.path)
            if route.auth == "app" and identity.kind != "app":
                raise ApiError(401, "A JSON web token could not be decoded")
            if route.auth != "app" and identity.kind == "app":
                raise ApiError(403, "Resource not accessible by integration")
            ctx = Ctx(self.backend, request.method, request.url.path, params, query, parsed, identity)
            return route.handler(ctx)

    def _refund(self, identity: Identity, resource: str, response: Response) -> None:
        """GitHub does not charge a conditional request answered with 304."""
        st = self.backend.state
        with st.lock:
            bucket = st.buckets.get((identity.bucket_key, resource))
            if bucket is not None:
                bucket.remaining = min(bucket.limit, bucket.remaining + 1)
                response.headers.update(rate_headers(bucket, resource))

    def _log(self, request: Request, identity: Identity | None, status: int, started: float, kind: str) -> None:
        self.backend.request_log.add(
            RequestRecord(
                method=request.method,
                path=request.url.path,
                query=dict(request.query_params),
                identity=identity.label if identity else "unauthenticated",
                token=identity.token if identity else None,
                status=status,
                time=started,
                duration=time.time() - started,
                kind=kind,
                delivery=request.headers.get("x-github-delivery"),
            )
        )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"
