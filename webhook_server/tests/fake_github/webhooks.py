"""Webhook emission: signed deliveries posted by a background thread, in order, like GitHub's Hookshot.

Every attempt is recorded like GitHub's hook deliveries (id, guid, status, redelivery), so the
deliveries API can list them and ask for a redelivery (same guid and body, a new attempt id).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
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
    id: int = 0
    redelivery: bool = False
    target_type: str = "repository"  # repository | integration (the App's hook)
    installation_id: int | None = None
    repository_id: int | None = None
    created_at: float = field(default_factory=time.time)
    duration: float = 0.0
    status_code: int | None = None
    response_body: str | None = None
    error: str | None = None
    sent_at: float | None = None
    sent: threading.Event = field(default_factory=threading.Event)

    @property
    def attempted(self) -> bool:
        """Posted (answered or failed); deliveries of recording-only hooks never are."""
        return self.sent_at is not None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def status(self) -> str:
        """GitHub's `status` text of the attempt."""
        if self.succeeded:
            return "OK"
        if self.status_code is None:
            return "failed to connect to host" if self.attempted else "pending"
        return f"Invalid HTTP Response: {self.status_code}"


class WebhookEmitter:
    """Queues deliveries and posts them from one thread, so API responses are never delayed."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._lock = threading.Lock()
        self._deliveries: list[Delivery] = []
        self._generation = 0
        self._ids = itertools.count(1)
        self._client = httpx.Client(timeout=30.0)
        self._thread = threading.Thread(target=self._run, name="fake-github-webhooks", daemon=True)
        self._thread.start()

    def enqueue(
        self,
        hook: Hook,
        event: str,
        payload: dict[str, Any],
        repository: str,
        target_id: int,
        *,
        target_type: str = "repository",
    ) -> Delivery:
        body = json.dumps(payload).encode()
        guid = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": guid,
            "X-GitHub-Hook-ID": str(hook.id),
            "X-GitHub-Hook-Installation-Target-ID": str(target_id),
            "X-GitHub-Hook-Installation-Target-Type": target_type,
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
                id=next(self._ids),
                target_type=target_type,
                installation_id=(payload.get("installation") or {}).get("id"),
                repository_id=(payload.get("repository") or {}).get("id"),
            )
            self._deliveries.append(delivery)
        self._queue.put(delivery)
        return delivery

    def redeliver(self, original: Delivery, url: str) -> Delivery:
        """A new attempt of `original` to `url` (the hook's current URL): same guid, headers and body."""
        with self._lock:
            delivery = Delivery(
                guid=original.guid,
                hook_id=original.hook_id,
                url=url,
                event=original.event,
                action=original.action,
                repository=original.repository,
                payload=original.payload,
                body=original.body,
                headers=dict(original.headers),
                generation=self._generation,
                id=next(self._ids),
                redelivery=True,
                target_type=original.target_type,
                installation_id=original.installation_id,
                repository_id=original.repository_id,
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
        started = time.monotonic()
        try:
            response = self._client.post(delivery.url, content=delivery.body, headers=delivery.headers)
        except httpx.HTTPError as error:
            delivery.error = f"{type(error).__name__}: {error}"
        else:
            delivery.status_code = response.status_code
            delivery.response_body = response.text
        delivery.duration = round(time.monotonic() - started, 3)
        delivery.sent_at = time.time()
