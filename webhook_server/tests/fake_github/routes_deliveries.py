"""REST routes for webhook deliveries: list (cursor pagination, newest first), get and redeliver, for a
repository hook and for the App's hook; plus the App hook's config."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from webhook_server.tests.fake_github.protocol import ApiError, Ctx, Reply, RouteTable, not_found
from webhook_server.tests.fake_github.state import Hook
from webhook_server.tests.fake_github.webhooks import Delivery

TABLE = RouteTable()
JSON = dict[str, Any]
REFUSED_MESSAGE = "Resource not accessible by personal access token"


def _iso(moment: float | None) -> str:
    return datetime.fromtimestamp(moment or 0.0, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def delivery_item_json(delivery: Delivery) -> JSON:
    """GitHub's `hook-delivery-item` shape."""
    return {
        "id": delivery.id,
        "guid": delivery.guid,
        "delivered_at": _iso(delivery.sent_at or delivery.created_at),
        "redelivery": delivery.redelivery,
        "duration": delivery.duration,
        "status": delivery.status,
        "status_code": delivery.status_code or 0,
        "event": delivery.event,
        "action": delivery.action,
        "installation_id": delivery.installation_id,
        "repository_id": delivery.repository_id,
        "throttled_at": None,
    }


def delivery_json(delivery: Delivery) -> JSON:
    """GitHub's `hook-delivery` shape: the item plus the request and response."""
    return {
        **delivery_item_json(delivery),
        "url": delivery.url,
        "request": {"headers": dict(delivery.headers), "payload": delivery.payload},
        "response": {"headers": {}, "payload": delivery.response_body},
    }


def _attempts(ctx: Ctx, hook: Hook, target_type: str) -> list[Delivery]:
    """Attempted deliveries of `hook`, newest first."""
    found = [
        delivery
        for delivery in ctx.backend.emitter.deliveries()
        if delivery.hook_id == hook.id and delivery.target_type == target_type and delivery.attempted
    ]
    return sorted(found, key=lambda delivery: delivery.id, reverse=True)


def _cursor_page(ctx: Ctx, deliveries: list[Delivery]) -> Reply:
    """One page after `cursor` (an attempt id, exclusive), with a `Link: rel="next"` carrying the next cursor."""
    per_page = max(1, min(100, int(ctx.query.get("per_page", "30"))))
    if "cursor" in ctx.query:
        cursor = int(ctx.query["cursor"])
        deliveries = [delivery for delivery in deliveries if delivery.id < cursor]
    if ctx.query.get("status") in ("success", "failure"):
        wanted = ctx.query["status"] == "success"
        deliveries = [delivery for delivery in deliveries if delivery.succeeded == wanted]
    page = deliveries[:per_page]
    reply = Reply(body=[delivery_item_json(delivery) for delivery in page])
    if len(deliveries) > per_page:
        query = {**{key: value for key, value in ctx.query.items() if key != "cursor"}, "cursor": str(page[-1].id)}
        reply.headers["Link"] = f'<{ctx.st.base_url}{ctx.path}?{urlencode(query)}>; rel="next"'
    return reply


def _one(ctx: Ctx, hook: Hook, target_type: str) -> Delivery:
    wanted = ctx.int_param("delivery_id")
    delivery = next((item for item in _attempts(ctx, hook, target_type) if item.id == wanted), None)
    if delivery is None:
        raise not_found()
    return delivery


def _repo_hook(ctx: Ctx) -> Hook:
    repo = ctx.repo("admin")
    if ctx.st.hook_deliveries_refused:
        raise ApiError(403, REFUSED_MESSAGE)
    hook = repo.hooks.get(ctx.int_param("hook_id"))
    if hook is None:
        raise not_found()
    return hook


def _app_hook(ctx: Ctx) -> Hook:
    if ctx.st.hook_deliveries_refused:
        raise ApiError(403, REFUSED_MESSAGE)
    if ctx.st.app_hook is None:
        raise not_found()
    return ctx.st.app_hook


def _redeliver(ctx: Ctx, hook: Hook, original: Delivery) -> Reply:
    ctx.backend.emitter.redeliver(original, hook.url)
    return Reply(202, {})


@TABLE.add("GET", "/repos/{owner}/{repo}/hooks/{hook_id:int}/deliveries")
def list_repo_deliveries(ctx: Ctx) -> Reply:
    hook = _repo_hook(ctx)
    return _cursor_page(ctx, _attempts(ctx, hook, "repository"))


@TABLE.add("GET", "/repos/{owner}/{repo}/hooks/{hook_id:int}/deliveries/{delivery_id:int}")
def get_repo_delivery(ctx: Ctx) -> Reply:
    hook = _repo_hook(ctx)
    return Reply(body=delivery_json(_one(ctx, hook, "repository")))


@TABLE.add("POST", "/repos/{owner}/{repo}/hooks/{hook_id:int}/deliveries/{delivery_id:int}/attempts")
def redeliver_repo_delivery(ctx: Ctx) -> Reply:
    hook = _repo_hook(ctx)
    return _redeliver(ctx, hook, _one(ctx, hook, "repository"))


@TABLE.add("GET", "/app/hook/config", auth="app")
def app_hook_config(ctx: Ctx) -> Reply:
    hook = ctx.st.app_hook
    config: JSON = {"content_type": "json", "insecure_ssl": "0", "url": hook.url if hook else ""}
    if hook is not None and hook.secret:
        config["secret"] = "********"
    return Reply(body=config)


@TABLE.add("GET", "/app/hook/deliveries", auth="app")
def list_app_deliveries(ctx: Ctx) -> Reply:
    return _cursor_page(ctx, _attempts(ctx, _app_hook(ctx), "integration"))


@TABLE.add("GET", "/app/hook/deliveries/{delivery_id:int}", auth="app")
def get_app_delivery(ctx: Ctx) -> Reply:
    return Reply(body=delivery_json(_one(ctx, _app_hook(ctx), "integration")))


@TABLE.add("POST", "/app/hook/deliveries/{delivery_id:int}/attempts", auth="app")
def redeliver_app_delivery(ctx: Ctx) -> Reply:
    hook = _app_hook(ctx)
    return _redeliver(ctx, hook, _one(ctx, hook, "integration"))
