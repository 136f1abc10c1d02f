"""The typed effective repository view: defaults, local layer handling and block normalisation."""

import logging
import math
from typing import Any

import pytest

from webhook_server.libs.config import (
    AiFeatures,
    ProtectedBranch,
    RepositoryConfig,
    SecurityChecks,
    SizeBucket,
    repository_config,
)
from webhook_server.libs.rules.security import DEFAULT_SUSPICIOUS_PATHS
from webhook_server.tests.config.support import minimal_config, snapshot

ALL_CATEGORIES = frozenset(
    {
        "verified",
        "hold",
        "wip",
        "needs-rebase",
        "has-conflicts",
        "can-be-merged",
        "size",
        "branch",
        "cherry-pick",
        "automerge",
    }
)


def effective(
    root: dict[str, Any] | None = None, repo: dict[str, Any] | None = None, local: Any = None
) -> RepositoryConfig:
    """The effective config of `my-org/my-repo` for the given root keys, entry keys and local document."""
    document = minimal_config(**(root or {}))
    document["repositories"]["my-repo"].update(repo or {})
    config = snapshot(document)
    entry = config.find_repository("my-org/my-repo")
    assert entry is not None
    return repository_config(config, entry, local)


def test_defaults_of_a_bare_repository() -> None:
    config = effective()
    assert (config.full_name, config.short_name) == ("my-org/my-repo", "my-repo")
    assert config.github_tokens == ("ghp_root_token",)
    assert config.github_app_id == 12345
    assert config.events == ("*",)
    assert (config.verified_job, config.pre_commit, config.minimum_lgtm) == (True, False, 0)
    assert (config.tox, config.container, config.pypi_token, config.slack_webhook_url) == (None, None, None, None)
    assert (config.create_issue_for_new_pr, config.cherry_pick_assign_to_pr_author) == (True, True)
    assert config.auto_verify_cherry_picked_prs is True
    assert config.allow_commands_on_draft_prs is None
    assert config.labels.enabled_categories == ALL_CATEGORIES
    assert config.pr_size_thresholds is None
    assert config.security_checks == SecurityChecks()
    assert config.security_checks.suspicious_paths == DEFAULT_SUSPICIOUS_PATHS
    assert (config.test_oracle, config.ai_features) == (None, None)
    assert config.check_timeout_minutes == 30
    assert config.conversation_resolution_required is True
    assert (config.log_level, config.log_file, config.mask_sensitive_data) == ("INFO", None, True)
    assert config.welcome_extra_info == ""


def test_root_fallback_keys_apply_to_every_repository() -> None:
    config = effective(root={"pre_commit": True, "minimum_lgtm": 2, "tox": {"main": "py312"}})
    assert config.pre_commit is True
    assert config.minimum_lgtm == 2
    assert config.tox is not None
    assert config.tox.envs_for_branch("main") == "py312"


NOT_HONOURED_LOCALLY = [
    ("log-level", "DEBUG", "log_level", "INFO"),
    ("github-tokens", ["ghp_local"], "github_tokens", ("ghp_root_token",)),
    ("events", ["push"], "events", ("*",)),
    ("check-timeout-minutes", 99, "check_timeout_minutes", 30),
    ("check-environment-passthrough", ["SECRET"], "check_environment_passthrough", ()),
    ("test-oracle", {"server-url": "http://evil", "ai-provider": "claude", "ai-model": "m"}, "test_oracle", None),
    ("protected-branches", {"main": []}, "protected_branches", {}),
    ("default-status-checks", ["x"], "default_status_checks", ()),
]


@pytest.mark.parametrize(
    ("key", "local_value", "attribute", "expected"),
    NOT_HONOURED_LOCALLY,
    ids=[case[0] for case in NOT_HONOURED_LOCALLY],
)
def test_server_only_keys_ignore_the_local_file(key: str, local_value: Any, attribute: str, expected: Any) -> None:
    config = effective(local={key: local_value})
    assert getattr(config, attribute) == expected
    assert config.ignored_local_keys == (key,)


def test_local_branch_protection_honours_only_the_conversation_flag() -> None:
    local = {"branch-protection": {"required_conversation_resolution": False, "strict": False}}
    config = effective(local=local)
    assert config.conversation_resolution_required is False
    assert config.branch_protection.strict is True
    assert config.ignored_local_keys == ("branch-protection.strict",)


def test_local_keys_override_repository_and_root() -> None:
    config = effective(
        root={"minimum_lgtm": 1},
        repo={"minimum-lgtm": 2, "allow-commands-on-draft-prs": ["wip"]},
        local={"minimum-lgtm": 3, "allow-commands-on-draft-prs": [], "pr-size-thresholds": {"S": {"threshold": 5}}},
    )
    assert config.minimum_lgtm == 3
    assert config.allow_commands_on_draft_prs == ()
    assert config.pr_size_thresholds == (SizeBucket("S", 5),)
    assert config.ignored_local_keys == ()


def test_local_unknown_label_categories_are_dropped_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        config = effective(local={"labels": {"enabled-labels": ["hold", "bogus"]}})
    assert config.labels.enabled_categories == frozenset({"hold"})
    assert "ignoring unknown labels.enabled-labels values in the repo-local file: ['bogus']" in caplog.text


def test_labels_colours_merge_local_over_repository() -> None:
    config = effective(
        root={"labels": {"colors": {"hold": "red"}}},
        repo={"labels": {"enabled-labels": ["hold"], "colors": {"approved-": "green"}}},
        local={"labels": {"colors": {"wip": "orange"}}},
    )
    assert config.labels.enabled_categories == frozenset({"hold"})
    assert list(config.labels.colors.items()) == [("approved-", "green"), ("wip", "orange")]


def test_whole_block_replace_for_security_checks_and_ai_features() -> None:
    config = effective(
        root={
            "security_checks": {"mandatory": False, "trusted-committers": ["Root-Bot"]},
            "ai_features": {"ai-provider": "claude", "ai-model": "m", "conventional-title": {"enabled": True}},
        },
        local={"security-checks": {"suspicious-paths": []}, "ai-features": {"ai-provider": "gemini", "ai-model": "g"}},
    )
    assert config.security_checks == SecurityChecks(suspicious_paths=())
    assert config.ai_features == AiFeatures(ai_provider="gemini", ai_model="g")


def test_trusted_committers_are_lower_cased() -> None:
    config = effective(root={"security_checks": {"trusted-committers": ["Release-Bot"]}})
    assert config.security_checks.trusted_committers == frozenset({"release-bot"})


def test_auto_verified_users_do_not_include_api_users() -> None:
    config = effective(
        root={"auto_verified_and_merged_users": ["root-user"]}, local={"auto-verified-and-merged-users": ["x"]}
    )
    assert config.auto_verified_users == ("x",)


TOX_CASES = [
    ({"main": "py312, lint"}, None, "main", "py312,lint", None),
    ({"main": ["py311", "py312"]}, None, "main", "py311,py312", None),
    ({"main": "all"}, None, "main", None, None),
    ({"main": "py312"}, None, "dev", None, None),
    ({"python-version": "3.12"}, "3.11", "main", None, "3.12"),
    ({"main": "py312"}, "3.11", "main", "py312", "3.11"),
]


@pytest.mark.parametrize(
    ("tox", "legacy", "branch", "envs", "python_version"),
    TOX_CASES,
    ids=[
        "spaces-removed",
        "list-joined",
        "all-means-every-env",
        "missing-branch-means-every-env",
        "tox-python-version-wins-over-alias",
        "alias-used-when-tox-python-version-absent",
    ],
)
def test_tox_settings(
    tox: dict[str, Any], legacy: str | None, branch: str, envs: str | None, python_version: str | None
) -> None:
    repo: dict[str, Any] = {"tox": tox}
    if legacy is not None:
        repo["tox-python-version"] = legacy
    config = effective(repo=repo)
    assert config.tox is not None
    assert config.tox.envs_for_branch(branch) == envs
    assert config.tox.python_version == python_version


def test_tox_args_split_shell_style_and_empty_tox_disabled() -> None:
    config = effective(repo={"tox": {"args": "-p auto --override 'a=b c'"}})
    assert config.tox is not None
    assert config.tox.args == ("-p", "auto", "--override", "a=b c")
    assert effective(repo={"tox": {}}).tox is None


PROTECTED_BRANCH_CASES = [
    (None, ProtectedBranch()),
    ([], ProtectedBranch()),
    ({}, ProtectedBranch()),
    (["tox", "verified"], ProtectedBranch(include_runs=("tox", "verified"))),
    ({"include-runs": ["tox"], "exclude-runs": ["pre-commit"]}, ProtectedBranch(("tox",), ("pre-commit",))),
    ({"include-runs": [], "exclude-runs": ["pre-commit"]}, ProtectedBranch(None, ("pre-commit",))),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    PROTECTED_BRANCH_CASES,
    ids=[
        "null",
        "empty-list",
        "empty-map",
        "list-is-include-runs",
        "include-and-exclude",
        "empty-include-uses-exclude",
    ],
)
def test_protected_branch_forms(value: Any, expected: ProtectedBranch) -> None:
    assert effective(repo={"protected-branches": {"main": value}}).protected_branches == {"main": expected}


def test_container_strings_split_and_defaults() -> None:
    block = {"username": "u", "password": "p", "repository": "quay.io/o/r", "build-args": "A=1 'B=two words'"}
    container = effective(repo={"container": block}).container
    assert container is not None
    assert container.build_args == ("A=1", "B=two words")
    assert (container.args, container.tag, container.dockerfile, container.context) == ((), "latest", "Dockerfile", "")
    assert container.oci_annotations.enabled is False
    assert container.oci_annotations.auto_title is True


def test_size_thresholds_sorted_with_infinite_bucket() -> None:
    thresholds = {"L": {"threshold": "inf", "color": "red"}, "S": {"threshold": 10}, "M": {"threshold": 100}}
    buckets = effective(root={"pr_size_thresholds": thresholds}).pr_size_thresholds
    assert buckets == (SizeBucket("S", 10), SizeBucket("M", 100), SizeBucket("L", math.inf, "red"))


def test_welcome_extra_info_over_byte_limit_is_discarded(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        config = effective(repo={"welcome-extra-info": "é" * 6000})
    assert config.welcome_extra_info == ""
    assert "welcome-extra-info is over 10240 UTF-8 bytes" in caplog.text
    assert effective(local={"welcome-extra-info": "local"}).welcome_extra_info == "local"


def test_test_oracle_defaults() -> None:
    oracle = {"server-url": "http://127.0.0.1:1/", "ai-provider": "claude", "ai-model": "m"}
    config = effective(root={"test_oracle": oracle})
    assert config.test_oracle is not None
    assert config.test_oracle.triggers == frozenset({"approved"})
    assert config.test_oracle.test_patterns is None


def test_per_repository_logging_and_app_id() -> None:
    config = effective(
        root={"log_level": "DEBUG", "log_file": "root.log"},
        repo={"log-level": "INFO", "mask-sensitive-data": False, "github-app-id": 7},
    )
    assert (config.log_level, config.log_file, config.mask_sensitive_data) == ("INFO", "root.log", False)
    assert config.github_app_id == 7
