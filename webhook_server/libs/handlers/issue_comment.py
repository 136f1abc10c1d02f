"""`issue_comment` `created` on a pull request: run the comment's commands (`commands.md`).

Comments by the bot login are ignored here (the welcome marker and plain issues were filtered at stage 2).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from webhook_server.libs.commands.context import CommentFacts
from webhook_server.libs.commands.runner import run_comment_commands
from webhook_server.libs.pr.snapshot import pull_snapshot
from webhook_server.libs.rules.commands import is_ignored_comment

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)


class IssueCommentHandler:
    """Commands of one PR comment, in order."""

    def __init__(self, webhook: GithubWebhook) -> None:
        self.webhook = webhook

    async def process_event(self) -> None:
        webhook = self.webhook
        comment = webhook.payload["comment"]
        facts = CommentFacts(comment_id=int(comment["id"]), author=comment["user"]["login"], body=comment["body"] or "")
        app = webhook.repo_context.app
        bot_login = await app.bot_login() if app is not None else None
        if is_ignored_comment(facts.body, facts.author, bot_login):
            LOGGER.debug("Ignoring a comment by %s (bot or welcome comment)", facts.author)
            return
        pull = await pull_snapshot(webhook)
        await run_comment_commands(webhook, facts, pull, bot_login)
