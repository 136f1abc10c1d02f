"""Cherry-pick requests whose label could not be added (over 50 characters, `release.md` §1.1 step 5): each
is recorded as `cherry-pick-request:<repo>#<pr>:<branch>` and listed under `cherry-pick-requests:<repo>#<pr>`,
so the merge schedules it like a label."""

from __future__ import annotations

import json
from typing import Any

from webhook_server.libs.pipeline.ledger import Ledger

REQUEST_KIND = "cherry-pick-request"
INDEX_KIND = "cherry-pick-requests"


def request_key(full_name: str, number: int, branch: str) -> str:
    return f"{REQUEST_KIND}:{full_name}#{number}:{branch}"


def index_key(full_name: str, number: int) -> str:
    return f"{INDEX_KIND}:{full_name}#{number}"


async def recorded_targets(ledger: Ledger, full_name: str, number: int) -> list[str]:
    """The branches of the PR's recorded requests."""
    value = await ledger.effect_get(index_key(full_name, number))
    targets: list[str] = json.loads(value) if value is not None else []
    return targets


async def record_request(ledger: Ledger, full_name: str, number: int, branch: str, details: dict[str, Any]) -> None:
    """Record the request and add its branch to the PR's list."""
    await ledger.effect_put(request_key(full_name, number, branch), json.dumps(details, sort_keys=True))
    targets = await recorded_targets(ledger, full_name, number)
    if branch not in targets:
        await ledger.effect_put(index_key(full_name, number), json.dumps([*targets, branch]))


async def has_request(ledger: Ledger, full_name: str, number: int, branch: str) -> bool:
    """Whether a request for `branch` was recorded."""
    return await ledger.effect_get(request_key(full_name, number, branch)) is not None
