"""Turn schema-valid config blocks (tox, container, labels, ...) into typed objects with defaults applied."""

import logging
import math
import shlex
from collections.abc import Mapping
from typing import Any

from webhook_server.libs.config.model import (
    AiCherryPickConflicts,
    AiConventionalTitle,
    AiFeatures,
    ContainerConfig,
    LabelsConfig,
    OciAnnotations,
    ProtectedBranch,
    SecurityChecks,
    SizeBucket,
    TestOracleConfig,
    ToxConfig,
)
from webhook_server.libs.rules.security import DEFAULT_SUSPICIOUS_PATHS

LOGGER = logging.getLogger(__name__)

TOX_OPTION_KEYS = frozenset({"args", "python-version"})
INFINITE_THRESHOLD = "inf"


def _tox_envs(value: str | list[str]) -> str:
    joined = ",".join(value) if isinstance(value, list) else value
    return "".join(joined.split())


def parse_tox(block: Mapping[str, Any] | None, legacy_python_version: str | None, repository: str) -> ToxConfig | None:
    """The `tox` check settings; None when `tox` is unset or empty. `tox-python-version` is the fallback."""
    if not block:
        return None
    if legacy_python_version is not None:
        LOGGER.warning("%s: 'tox-python-version' is deprecated; use 'tox.python-version'", repository)
    branch_envs = {branch: _tox_envs(value) for branch, value in block.items() if branch not in TOX_OPTION_KEYS}
    return ToxConfig(
        branch_envs=branch_envs,
        args=tuple(shlex.split(block.get("args", ""))),
        python_version=block.get("python-version", legacy_python_version),
    )


def _split_string_or_list(value: str | list[str]) -> tuple[str, ...]:
    return tuple(shlex.split(value)) if isinstance(value, str) else tuple(value)


def _oci_annotations(block: Mapping[str, Any]) -> OciAnnotations:
    auto = block.get("auto", {})
    return OciAnnotations(
        enabled=block.get("enabled", False),
        static=dict(block.get("static", {})),
        auto_created=auto.get("created", True),
        auto_source=auto.get("source", True),
        auto_revision=auto.get("revision", True),
        auto_version=auto.get("version", True),
        auto_title=auto.get("title", True),
    )


def parse_container(block: Mapping[str, Any] | None) -> ContainerConfig | None:
    """Container build settings; `build-args`/`args` strings are split shell-style."""
    if block is None:
        return None
    return ContainerConfig(
        username=block["username"],
        password=block["password"],
        repository=block["repository"],
        tag=block.get("tag", "latest"),
        release=block.get("release", False),
        build_args=_split_string_or_list(block.get("build-args", [])),
        args=_split_string_or_list(block.get("args", [])),
        context=block.get("context", ""),
        dockerfile=block.get("dockerfile", "Dockerfile"),
        oci_annotations=_oci_annotations(block.get("oci-annotations", {})),
    )


def _protected_branch(value: list[str] | Mapping[str, Any] | None) -> ProtectedBranch:
    if isinstance(value, list):
        return ProtectedBranch(include_runs=tuple(value) or None)
    if value is None:
        return ProtectedBranch()
    include_runs = tuple(value.get("include-runs", ()))
    return ProtectedBranch(include_runs=include_runs or None, exclude_runs=tuple(value.get("exclude-runs", ())))


def parse_protected_branches(block: Mapping[str, Any]) -> dict[str, ProtectedBranch]:
    """Normalise every value form of `protected-branches` (null, list, include/exclude map)."""
    return {branch: _protected_branch(value) for branch, value in block.items()}


def parse_size_thresholds(block: Mapping[str, Any] | None) -> tuple[SizeBucket, ...] | None:
    """Size buckets sorted by threshold; None when none are configured (the built-in buckets apply)."""
    if not block:
        return None
    buckets = [
        SizeBucket(
            suffix=suffix,
            threshold=math.inf if entry["threshold"] == INFINITE_THRESHOLD else entry["threshold"],
            color=entry.get("color", "lightgray"),
        )
        for suffix, entry in block.items()
    ]
    return tuple(sorted(buckets, key=lambda bucket: bucket.threshold))


def parse_labels(block: Mapping[str, Any], all_categories: tuple[str, ...]) -> LabelsConfig:
    """Enabled categories (unset = all) and colour overrides in config order."""
    enabled = block.get("enabled-labels")
    return LabelsConfig(
        enabled_categories=frozenset(all_categories if enabled is None else enabled),
        colors=dict(block.get("colors", {})),
    )


def drop_unknown_label_categories(
    local: Mapping[str, Any], all_categories: tuple[str, ...], repository: str
) -> Mapping[str, Any]:
    """The repo-local layer with unknown `labels.enabled-labels` values removed (each logged at WARNING)."""
    enabled = local.get("labels", {}).get("enabled-labels")
    if enabled is None:
        return local
    unknown = [value for value in enabled if value not in all_categories]
    if not unknown:
        return local
    LOGGER.warning("%s: ignoring unknown labels.enabled-labels values in the repo-local file: %s", repository, unknown)
    labels = {**local["labels"], "enabled-labels": [value for value in enabled if value in all_categories]}
    return {**local, "labels": labels}


def parse_security_checks(block: Mapping[str, Any] | None) -> SecurityChecks:
    """The security-check settings with the spec defaults."""
    block = block or {}
    return SecurityChecks(
        mandatory=block.get("mandatory", True),
        suspicious_paths=tuple(block.get("suspicious-paths", DEFAULT_SUSPICIOUS_PATHS)),
        committer_identity_check=block.get("committer-identity-check", True),
        trusted_committers=frozenset(login.lower() for login in block.get("trusted-committers", ())),
    )


def _ai_conventional_title(block: Mapping[str, Any] | None) -> AiConventionalTitle | None:
    if block is None:
        return None
    return AiConventionalTitle(
        enabled=block["enabled"], mode=block.get("mode", "suggest"), timeout_minutes=block.get("timeout-minutes", 10)
    )


def _ai_cherry_pick_conflicts(block: Mapping[str, Any] | None) -> AiCherryPickConflicts | None:
    if block is None:
        return None
    return AiCherryPickConflicts(enabled=block["enabled"], timeout_minutes=block.get("timeout-minutes", 10))


def parse_ai_features(block: Mapping[str, Any] | None) -> AiFeatures | None:
    """The `ai-features` block, or None when unset."""
    if block is None:
        return None
    return AiFeatures(
        ai_provider=block["ai-provider"],
        ai_model=block["ai-model"],
        conventional_title=_ai_conventional_title(block.get("conventional-title")),
        resolve_cherry_pick_conflicts=_ai_cherry_pick_conflicts(block.get("resolve-cherry-pick-conflicts-with-ai")),
    )


def parse_test_oracle(block: Mapping[str, Any] | None) -> TestOracleConfig | None:
    """The `test-oracle` block, or None when unset."""
    if block is None:
        return None
    patterns = block.get("test-patterns")
    return TestOracleConfig(
        server_url=block["server-url"],
        ai_provider=block["ai-provider"],
        ai_model=block["ai-model"],
        test_patterns=None if patterns is None else tuple(patterns),
        triggers=frozenset(block.get("triggers", ["approved"])),
    )


def shell_split_errors(block: Mapping[str, Any], path_prefix: str) -> list[str]:
    """`dotted.path: message` lines for string values that must split shell-style but do not."""
    candidates = {
        "tox.args": block.get("tox", {}).get("args"),
        "container.build-args": block.get("container", {}).get("build-args"),
        "container.args": block.get("container", {}).get("args"),
    }
    errors = []
    for key, value in candidates.items():
        if not isinstance(value, str):
            continue
        try:
            shlex.split(value)
        except ValueError as error:
            errors.append(f"{path_prefix}{key}: does not split shell-style: {error}")
    return errors
