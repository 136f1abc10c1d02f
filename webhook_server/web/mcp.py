"""``/mcp``: the log queries as read-only MCP tools over streamable HTTP (stateless, JSON answers).

Tools are generated from the app's OpenAPI GET operations (named by ``operation_id``), leaving out
operations tagged ``mcp_exclude``. A tool call is answered by calling the same route in-process, with
the original request's client address and ``Authorization`` header, so every gate applies unchanged.
The ``mcp`` library is imported only when the endpoint is built; if that fails, ``/mcp`` answers 500.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

LOGGER = logging.getLogger("webhook_server.log_viewer")
NOT_INITIALIZED = b'{"detail":"MCP server not initialized"}'
EXCLUDE_TAG = "mcp_exclude"


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool made from one OpenAPI GET operation."""

    name: str
    path: str
    description: str
    input_schema: dict[str, Any]
    path_params: tuple[str, ...]


def tool_specs(openapi: dict[str, Any]) -> list[ToolSpec]:
    """Tools for every GET operation with an ``operationId`` that is not tagged ``mcp_exclude``."""
    specs = []
    for path, operations in openapi.get("paths", {}).items():
        operation = operations.get("get")
        if operation is None or "operationId" not in operation or EXCLUDE_TAG in operation.get("tags", []):
            continue
        parameters = operation.get("parameters", [])
        properties = {
            parameter["name"]: {**parameter.get("schema", {}), "description": parameter.get("description", "")}
            for parameter in parameters
        }
        required = [parameter["name"] for parameter in parameters if parameter.get("required")]
        specs.append(
            ToolSpec(
                name=operation["operationId"],
                path=path,
                description=operation.get("description") or operation.get("summary") or operation["operationId"],
                input_schema={"type": "object", "properties": properties, "required": required},
                path_params=tuple(parameter["name"] for parameter in parameters if parameter.get("in") == "path"),
            )
        )
    return specs


def tool_url(spec: ToolSpec, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The route path with its path parameters filled in, and the query parameters."""
    path = spec.path
    for name in spec.path_params:
        path = path.replace("{" + name + "}", quote(str(arguments.get(name, "")), safe=""))
    query = {name: value for name, value in arguments.items() if name not in spec.path_params and value is not None}
    return path, query


async def call_route(app: FastAPI, spec: ToolSpec, arguments: dict[str, Any], origin: Request | None) -> httpx.Response:
    """Call the tool's route in-process as the original client (address and ``Authorization``)."""
    client = (origin.client.host, origin.client.port) if origin is not None and origin.client else None
    headers = {}
    if origin is not None and "authorization" in origin.headers:
        headers["authorization"] = origin.headers["authorization"]
    transport = httpx.ASGITransport(app=app, client=cast("tuple[str, int]", client))
    path, query = tool_url(spec, arguments)
    async with httpx.AsyncClient(transport=transport, base_url="http://mcp.internal") as http:
        return await http.get(path, params=query, headers=headers)


class McpEndpoint:
    """The ``/mcp`` ASGI endpoint and the lifetime of its MCP session manager."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._specs: dict[str, ToolSpec] | None = None
        self._stopping = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        try:
            self._manager: Any = self._build_manager()
        except Exception:
            LOGGER.exception("MCP server initialisation failed; /mcp answers 500")
            self._manager = None

    def specs(self) -> dict[str, ToolSpec]:
        """The tools, built once from the app's OpenAPI schema on first use."""
        if self._specs is None:
            self._specs = {spec.name: spec for spec in tool_specs(self.app.openapi())}
        return self._specs

    def _build_manager(self) -> Any:
        import mcp_types
        from mcp.server import Server, ServerRequestContext
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

        async def list_tools(_ctx: ServerRequestContext[Any], _params: Any) -> mcp_types.ListToolsResult:
            tools = [
                mcp_types.Tool(name=spec.name, description=spec.description, input_schema=spec.input_schema)
                for spec in self.specs().values()
            ]
            return mcp_types.ListToolsResult(tools=tools)

        async def call_tool(
            ctx: ServerRequestContext[Any], params: mcp_types.CallToolRequestParams
        ) -> mcp_types.CallToolResult:
            spec = self.specs().get(params.name)
            if spec is None:
                text, failed, structured = f"Unknown tool: {params.name}", True, None
            else:
                origin = ctx.request if isinstance(ctx.request, Request) else None
                response = await call_route(self.app, spec, params.arguments or {}, origin)
                text, failed, structured = response.text, response.status_code >= 400, _json_object(response)
            return mcp_types.CallToolResult(
                content=[mcp_types.TextContent(text=text)], is_error=failed, structured_content=structured
            )

        server = Server("github-webhook-server", on_list_tools=list_tools, on_call_tool=call_tool)
        return StreamableHTTPSessionManager(app=server, stateless=True, json_response=True)

    async def start(self) -> None:
        """Run the session manager in its own task until ``stop``."""
        if self._manager is None:
            return
        self._task = asyncio.create_task(self._run(), name="mcp-session-manager")
        await self._ready.wait()

    async def _run(self) -> None:
        async with self._manager.run():
            self._ready.set()
            await self._stopping.wait()

    async def stop(self) -> None:
        """Stop the session manager."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one MCP HTTP request, or 500 when the MCP server is not running."""
        if self._manager is None or not self._ready.is_set() or self._stopping.is_set():
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": NOT_INITIALIZED})
            return
        await self._manager.handle_request(scope, receive, send)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        value = json.loads(response.text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def mount_mcp(app: FastAPI) -> McpEndpoint:
    """Register ``/mcp`` (GET, POST, DELETE; hidden from OpenAPI) and return its endpoint."""
    endpoint = McpEndpoint(app)
    app.router.routes.append(
        Route("/mcp", endpoint=endpoint, methods=["GET", "POST", "DELETE"], include_in_schema=False)
    )
    return endpoint
