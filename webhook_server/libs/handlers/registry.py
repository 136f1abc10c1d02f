"""Routing table: GitHub event name → handler class."""

from webhook_server.libs.handlers.base import EventHandler
from webhook_server.libs.handlers.check_run import CheckRunHandler
from webhook_server.libs.handlers.issue_comment import IssueCommentHandler
from webhook_server.libs.handlers.pull_request import PullRequestHandler
from webhook_server.libs.handlers.pull_request_review import PullRequestReviewHandler
from webhook_server.libs.handlers.push import PushHandler
from webhook_server.libs.handlers.review_thread import ReviewThreadHandler
from webhook_server.libs.handlers.status import StatusHandler

HANDLERS: dict[str, type[EventHandler]] = {
    "pull_request": PullRequestHandler,
    "pull_request_review": PullRequestReviewHandler,
    "pull_request_review_thread": ReviewThreadHandler,
    "issue_comment": IssueCommentHandler,
    "check_run": CheckRunHandler,
    "status": StatusHandler,
    "push": PushHandler,
}


def handler_for(event: str) -> type[EventHandler] | None:
    """The handler class of an event, or None for events the early exits always skip (`ping`, unknown)."""
    return HANDLERS.get(event)
