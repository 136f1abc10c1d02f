"""A `labeled`/`unlabeled` event (`pr-workflow.md` §6): forged review labels are removed with one comment,
`verified` moves its check run, and labels that matter request a merge evaluation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from webhook_server.libs.pr import owners_service
from webhook_server.libs.pr.comments import post_comment
from webhook_server.libs.pr.labels import LabelService, own_label_changes
from webhook_server.libs.pr.merge_gate import request_evaluation
from webhook_server.libs.pr.snapshot import PullSnapshot
from webhook_server.libs.pr.verified import set_verified_check
from webhook_server.libs.rules.label_events import (
    LabelAction,
    LabelEvent,
    decide_label_event,
    forged_label_comment,
    review_label_owner,
)
from webhook_server.libs.rules.logins import contains_login

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)


async def _label_event(webhook: GithubWebhook, label: str, action: LabelAction, sender: str) -> LabelEvent:
    """The event with the facts the forged-label rule needs (read only when they can matter)."""
    config = webhook.repo_config
    api_users = webhook.repo_context.pooled.pool.api_users
    needs_people = (
        action is LabelAction.LABELED
        and review_label_owner(label) is not None
        and not contains_login(api_users, sender)
    )
    maintainer = await owners_service.is_maintainer(webhook, sender) if needs_people else False
    approvers = (await owners_service.pr_owners(webhook)).approvers_with_root if needs_people else ()
    return LabelEvent(
        label=label,
        action=action,
        sender=sender,
        sender_is_maintainer=maintainer,
        api_users=api_users,
        approvers=approvers,
        verified_job=config.verified_job,
        required_labels=config.can_be_merged_required_labels,
    )


async def process_label_event(webhook: GithubWebhook, pull: PullSnapshot) -> None:
    """Apply the §6 decision for the delivery's label change."""
    payload = webhook.payload
    label = str(payload["label"]["name"])
    sender = str(payload["sender"]["login"])
    decision = decide_label_event(await _label_event(webhook, label, LabelAction(payload["action"]), sender))
    if decision.skip_reason is not None:
        LOGGER.debug("Label %s triggers nothing", label)
        return
    if decision.remove_forged_label:
        LOGGER.warning("Removing %s added by %s, who may not set it", label, sender)
        await LabelService.of(webhook).remove(label)
        await post_comment(webhook, forged_label_comment(label, sender))
        return
    if decision.verified_check is not None:
        await set_verified_check(webhook, pull.head_sha, decision.verified_check)
    if decision.request_evaluation:
        request_evaluation(webhook, changed_at=_own_change_time(webhook, label, sender))


def _own_change_time(webhook: GithubWebhook, label: str, sender: str) -> float | None:
    """When this process made the change the event reports (None for anyone else's change)."""
    if not contains_login(webhook.repo_context.pooled.pool.api_users, sender):
        return None
    return own_label_changes(webhook).changed_at(
        webhook.repo_context.full_name, int(webhook.payload["number"]), label, str(webhook.payload["action"])
    )
