"""Stage 3 early exits that need the repository's config (`intake.md` §6.3 (4)). Pure: payload and config in,
the `skipped:*` outcome (or None) out, before any PR is fetched."""

from typing import Any

from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.rules.label_events import LabelAction, LabelEvent, decide_label_event

LABEL_ACTIONS = frozenset(action.value for action in LabelAction)


def _label_exit(payload: dict[str, Any], config: RepositoryConfig) -> str | None:
    label = (payload.get("label") or {}).get("name")
    if label is None:
        return "skipped:label"
    event = LabelEvent(
        label=str(label),
        action=LabelAction(payload["action"]),
        sender=str((payload.get("sender") or {}).get("login", "")),
        verified_job=config.verified_job,
        required_labels=config.can_be_merged_required_labels,
    )
    decision = decide_label_event(event)
    return f"skipped:{decision.skip_reason}" if decision.skip_reason else None


def config_early_exit(event: str, payload: dict[str, Any], config: RepositoryConfig) -> str | None:
    """`skipped:conversation-resolution-off` for review threads when resolution is not required;
    `skipped:label` for a `labeled`/`unlabeled` whose label triggers nothing (`pr-workflow.md` §6)."""
    if event == "pull_request_review_thread" and not config.conversation_resolution_required:
        return "skipped:conversation-resolution-off"
    if event == "pull_request" and payload.get("action") in LABEL_ACTIONS:
        return _label_exit(payload, config)
    return None
