"""``GET /logs``: the log viewer page (static HTML; a fallback page when the template cannot be read)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

LOGGER = logging.getLogger("webhook_server.log_viewer")
WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = WEB_DIR / "templates" / "log_viewer.html"
STATIC_DIR = WEB_DIR / "static"

FALLBACK_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log Viewer Template Error</title>
</head>
<body>
<main>
<h1>Log Viewer Template Error</h1>
<p>The log viewer page could not be loaded. The server log has the details.</p>
<button type="button" onclick="window.location.reload()">Refresh</button>
</main>
</body>
</html>
"""


def read_page(template_path: Path) -> str:
    """The template's HTML, or the fallback page when it cannot be read."""
    try:
        return template_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        LOGGER.error("Cannot read the log viewer template %s: %s", template_path, error)
        return FALLBACK_PAGE


def build_page_router(template_path: Path = TEMPLATE_PATH) -> APIRouter:
    """The router holding ``GET /logs`` (registered only when the log server is enabled)."""
    router = APIRouter()

    @router.get(
        "/logs",
        operation_id="get_log_viewer_page",
        response_class=HTMLResponse,
        tags=["mcp_exclude"],
    )
    async def get_log_viewer_page() -> HTMLResponse:
        """The log viewer web page."""
        return HTMLResponse(await asyncio.to_thread(read_page, template_path))

    return router
