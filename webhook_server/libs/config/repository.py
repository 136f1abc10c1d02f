"""Resolve the typed effective config of one repository: repo-local file > repository entry > root."""

import logging
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from webhook_server.libs.config.blocks import (
    drop_unknown_label_categories,
    parse_ai_features,
    parse_container,
    parse_labels,
    parse_protected_branches,
    parse_security_checks,
    parse_size_thresholds,
    parse_test_oracle,
    parse_tox,
)
from webhook_server.libs.config.checks import validated_custom_checks
from webhook_server.libs.config.merge import (
    Layer,
    conversation_resolution_required,
    effective_tokens,
    generic_lookup,
    lookup_with_index,
    merge_branch_protection,
    merge_labels,
)
from webhook_server.libs.config.model import CustomCheckRun, RepositoryConfig
from webhook_server.libs.config.schema import drop_nulls, known_root_keys, label_categories
from webhook_server.libs.config.server import RepositoryEntry, ServerConfig

LOGGER = logging.getLogger(__name__)

WELCOME_EXTRA_INFO_MAX_BYTES = 10240
LOCAL_KEYS = frozenset(
    {
        "slack-webhook-url",
        "verified-job",
        "pypi",
        "tox",
        "tox-python-version",
        "pre-commit",
        "container",
        "auto-verified-and-merged-users",
        "auto-verify-cherry-picked-prs",
        "set-auto-merge-prs",
        "can-be-merged-required-labels",
        "welcome-extra-info",
        "conventional-title",
        "minimum-lgtm",
        "create-issue-for-new-pr",
        "cherry-pick-assign-to-pr-author",
        "allow-commands-on-draft-prs",
        "labels",
        "pr-size-thresholds",
        "ai-features",
        "security-checks",
        "custom-check-runs",
        "branch-protection",
    }
)
LOCAL_BRANCH_PROTECTION_KEYS = frozenset({"required_conversation_resolution"})


def split_local_layer(local: Layer) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The honoured part of a repo-local document, and the dotted keys it sets that are not honoured."""
    honoured: dict[str, Any] = {}
    ignored: list[str] = []
    for key, value in local.items():
        if key not in LOCAL_KEYS:
            ignored.append(key)
        elif key == "branch-protection":
            honoured[key] = {name: flag for name, flag in value.items() if name in LOCAL_BRANCH_PROTECTION_KEYS}
            ignored.extend(f"{key}.{name}" for name in value if name not in LOCAL_BRANCH_PROTECTION_KEYS)
        else:
            honoured[key] = value
    return honoured, tuple(ignored)


def root_layer(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The root keys of config.yaml that act as per-repository fallbacks (known keys only)."""
    known = known_root_keys()
    return {key: value for key, value in raw.items() if key in known and key != "repositories"}


def _welcome_extra_info(layers: Sequence[Layer], repository: str) -> str:
    text: str = generic_lookup(layers, "welcome-extra-info", "")
    if len(text.encode("utf-8")) > WELCOME_EXTRA_INFO_MAX_BYTES:
        LOGGER.warning(
            "%s: welcome-extra-info is over %d UTF-8 bytes; ignoring it", repository, WELCOME_EXTRA_INFO_MAX_BYTES
        )
        return ""
    return text


def _custom_checks(layers: Sequence[Layer], repository: str, timeout_minutes: int) -> tuple[CustomCheckRun, ...]:
    entries, layer_index = lookup_with_index(layers, "custom-check-runs")
    return validated_custom_checks(
        entries or [], repository=repository, default_timeout_minutes=timeout_minutes, cap_timeout=layer_index == 0
    )


def _optional_tuple(value: list[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def repository_config(
    server: ServerConfig, entry: RepositoryEntry, local: Mapping[str, Any] | None = None
) -> RepositoryConfig:
    """The effective typed config of `entry`, with spec config.md §7 precedence applied.

    `local` is the parsed repo-local file, already checked with `validate_local_config`.
    """
    repository = entry.full_name
    honoured_local, ignored_local_keys = split_local_layer(drop_nulls(local or {}))
    local_layer = drop_unknown_label_categories(honoured_local, label_categories(), repository)
    root, repo = root_layer(server.raw), entry.raw
    layers = (local_layer, repo, root)

    def pick(key: str, default: Any = None) -> Any:
        return generic_lookup(layers, key, default)

    timeout_minutes: int = pick("check-timeout-minutes", 30)
    return RepositoryConfig(
        full_name=repository,
        short_name=entry.short_name,
        github_tokens=effective_tokens(root, repo),
        github_app_id=pick("github-app-id"),
        events=tuple(repo.get("events", ["*"])),
        default_status_checks=tuple(pick("default-status-checks", [])),
        protected_branches=parse_protected_branches(pick("protected-branches", {})),
        branch_protection=merge_branch_protection(root, repo),
        conversation_resolution_required=conversation_resolution_required(layers),
        slack_webhook_url=pick("slack-webhook-url"),
        verified_job=pick("verified-job", True),
        pypi_token=pick("pypi.token"),
        tox=parse_tox(pick("tox"), pick("tox-python-version"), repository),
        pre_commit=pick("pre-commit", False),
        container=parse_container(pick("container")),
        auto_verified_users=tuple(pick("auto-verified-and-merged-users", [])),
        auto_verify_cherry_picked_prs=pick("auto-verify-cherry-picked-prs", True),
        set_auto_merge_prs=tuple(pick("set-auto-merge-prs", [])),
        can_be_merged_required_labels=tuple(pick("can-be-merged-required-labels", [])),
        welcome_extra_info=_welcome_extra_info(layers, repository),
        conventional_title=pick("conventional-title"),
        minimum_lgtm=pick("minimum-lgtm", 0),
        create_issue_for_new_pr=pick("create-issue-for-new-pr", True),
        cherry_pick_assign_to_pr_author=pick("cherry-pick-assign-to-pr-author", True),
        allow_commands_on_draft_prs=_optional_tuple(pick("allow-commands-on-draft-prs")),
        labels=parse_labels(merge_labels(root, repo, local_layer), label_categories()),
        pr_size_thresholds=parse_size_thresholds(pick("pr-size-thresholds")),
        test_oracle=parse_test_oracle(pick("test-oracle")),
        ai_features=parse_ai_features(pick("ai-features")),
        security_checks=parse_security_checks(pick("security-checks")),
        custom_check_runs=_custom_checks(layers, repository, timeout_minutes),
        check_timeout_minutes=timeout_minutes,
        check_environment_passthrough=tuple(pick("check-environment-passthrough", [])),
        check_network=MappingProxyType(dict(pick("check-network", {}))),
        log_level=pick("log-level", "INFO"),
        log_file=pick("log-file"),
        mask_sensitive_data=pick("mask-sensitive-data", True),
        ignored_local_keys=ignored_local_keys,
    )
