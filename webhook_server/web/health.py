"""Liveness endpoint: answers without touching config, GitHub or disk. It reports the runtime's
life-long background tasks that stopped for good (503 `Degraded`), since the server is then not whole."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()

HEALTHY = {"status": 200, "message": "Alive"}


@router.get("/webhook_server/healthcheck", operation_id="healthcheck")
async def healthcheck(request: Request) -> JSONResponse:
    """Report that the process is alive, or which background tasks are down."""
    runtime = getattr(request.app.state, "runtime", None)
    degraded = runtime.supervisor.degraded() if runtime is not None else {}
    if degraded:
        return JSONResponse(status_code=503, content={"status": 503, "message": "Degraded", "degraded_tasks": degraded})
    return JSONResponse(content=HEALTHY)
