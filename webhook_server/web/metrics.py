"""``GET /metrics``: the server's Prometheus metrics in the text exposition format."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from webhook_server.utils.metrics import render_metrics

router = APIRouter()


@router.get("/metrics", operation_id="get_metrics", tags=["mcp_exclude"], response_class=Response)
async def get_metrics() -> Response:
    """Prometheus text format of every metric of ``webhook_server.utils.metrics``."""
    body = await asyncio.to_thread(render_metrics)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
