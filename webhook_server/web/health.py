"""Liveness endpoint: answers without touching config, GitHub or disk."""

from fastapi import APIRouter

router = APIRouter()

HEALTHY = {"status": 200, "message": "Alive"}


@router.get("/webhook_server/healthcheck", operation_id="healthcheck")
async def healthcheck() -> dict[str, object]:
    """Report that the process is alive."""
    return HEALTHY
