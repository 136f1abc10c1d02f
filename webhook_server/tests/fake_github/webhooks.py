"""Webhook emission: signed deliveries posted by a background thread, in order, like GitHub's Hookshot."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from webhook_server.tests.fake_github.state import Hook

USER_AGENT = "GitHub-Hookshot/fa4e1c7"


def signature_256(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value GitHub sends for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    """One webhook delivery to one hook, and what happened when it was posted."""

    guid: str
    hook_id: int
    url: str
    event: str
    action: str | None
    repository: str
    payload: dict[str, Any]
    body: bytes
    headers: dict[str, str]
    generation: int
    status_code: int | None = None
    response_body: str | None = None
    error: str | None = None
    sent_at: float | None = None
    sent: threading.Event = field(default_factory=threading.Event)


class WebhookEmitter:
    """Queues deliveries and posts them from one thread, so API responses are never delayed."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._generation = 0
        self._client = httpx.Client(timeout=30.0)
        self._thread = threading.Thread(target=self._run, name="fake-github-webhooks", daemon=True)
        self._thread.start()

    def enqueue(self, hook: Hook, event: str, payload: dict[str, Any], repository: str, target_id: int) -> Delivery:
        body = json.dumps(payload).encode()
        guid = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": guid,
            "X-GitHub-Hook-ID": str(hook.id),
            "X-GitHub-Hook-Installation-Target-ID": str(target_id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
        }
        if hook.secret:
            headers["X-Hub-Signature"] = "sha1=" + hmac.new(hook.secret.encode(), body, hashlib.sha1).hexdigest()
            headers["X-Hub-Signature-256"] = signature_256(hook.secret, body)
        with self._lock:
            delivery = Delivery(
                guid=guid,
                hook_id=hook.id,
                url=hook.url,
                event=event,
                action=payload.get("action"),
                repository=repository,
                payload=payload,
                body=body,
                headers=headers,
                generation=self._generation,
            )
            self._deliveries.append(delivery)
        self._queue.put(delivery)
        return delivery

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def wait_sent(self, timeout: float) -> bool:
        """Wait until every queued delivery has been posted (or failed); False on timeout."""
        deadline = time.monotonic() + timeout
        return all(delivery.sent.wait(max(0.0, deadline - time.monotonic())) for delivery in self.deliveries())

    def reset(self) -> None:
        """Forget deliveries; queued ones from before are dropped unsent."""
        with self._lock:
            self._generation += 1
            for delivery in self._deliveries:
                delivery.sent.set()
            self._deliveries.clear()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
        self._client.close()

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            with self._lock:
                current = delivery.generation == self._generation
            if current and delivery.url:
                self._post(delivery)
            delivery.sent.set()

    def _post(self, delivery: Delivery) -> None:
        try:
            response = self._client.post(delivery.url, content=delivery.body, headers=delivery.headers)
        except httpx.HTTPError as error:
            delivery.error = f"{type(error).__name__}: {error}"
        else:
            delivery.status_code = response.status_code
            delivery.response_body = response.text
        delivery.sent_at = time.time()
