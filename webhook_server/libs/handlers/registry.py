"""Routing table: GitHub event name → handler class."""

from webhook_server.libs.handlers.base import EventHandler
from webhook_server.libs.handlers.pending import PendingHandler

HANDLERS: dict[str, type[EventHandler]] = {
    "pull_request": PendingHandler,
    "pull_request_review": PendingHandler,
    "pull_request_review_thread": PendingHandler,
    "issue_comment": PendingHandler,
    "check_run": PendingHandler,
    "status": PendingHandler,
    "push": PendingHandler,
}


def handler_for(event: str) -> type[EventHandler]:
    """The handler class of an event that passed the early exits."""
    return HANDLERS[event]
