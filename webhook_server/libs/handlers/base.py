"""The shape every event handler has: built from the delivery's `GithubWebhook`, then `process_event()`."""

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook


class EventHandler(Protocol):
    """One class per GitHub event. A handler never imports another handler."""

    def __init__(self, webhook: "GithubWebhook") -> None: ...

    async def process_event(self) -> None: ...
