"""Table tests for the small pure pieces around the rules: config-needing early exits, rule inputs taken
from the typed config, and the git base URL."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.config import RepositoryConfig, repository_config
from webhook_server.libs.config.rule_inputs import enabled_checks, label_categories, size_buckets
from webhook_server.libs.config.server import server_config_from_document
from webhook_server.libs.context.config_early_exits import config_early_exit
from webhook_server.libs.github.urls import git_base_url
from webhook_server.libs.rules.checks import CustomCheck, EnabledChecks
from webhook_server.libs.rules.labels import ALL_CATEGORIES, LabelCategory
from webhook_server.libs.rules.size import DEFAULT_SIZE_BUCKETS, SizeBucket


def config_of(repository: Mapping[str, Any] | None = None, **root: Any) -> RepositoryConfig:
    document = {
        "github-app-id": 1,
        "github-tokens": ["ghp_x"],
        "webhook-ip": "http://127.0.0.1/webhook_server",
        **root,
        "repositories": {"repo": {"name": "org/repo", **(repository or {})}},
    }
    server = server_config_from_document(Path("/tmp/data"), document)
    entry = server.find_repository("org/repo")
    assert entry is not None
    return repository_config(server, entry)


def labeled(label: str, action: str = "labeled", sender: str = "someone") -> dict[str, Any]:
    return {"action": action, "label": {"name": label}, "sender": {"login": sender}}


@pytest.mark.parametrize(
    ("event", "payload", "repository", "expected"),
    [
        ("pull_request_review_thread", {"action": "resolved"}, {}, None),
        (
            "pull_request_review_thread",
            {"action": "resolved"},
            {"branch-protection": {"required_conversation_resolution": False}},
            "skipped:conversation-resolution-off",
        ),
        ("pull_request", labeled("can-be-merged"), {}, "skipped:label"),
        ("pull_request", labeled("Can-Be-Merged", "unlabeled"), {}, "skipped:label"),
        ("pull_request", labeled("bug"), {}, "skipped:label"),
        ("pull_request", labeled("size/XS"), {}, "skipped:label"),
        ("pull_request", labeled("hold"), {}, None),
        ("pull_request", labeled("wip", "unlabeled"), {}, None),
        ("pull_request", labeled("automerge"), {}, None),
        ("pull_request", labeled("lgtm-bob"), {}, None),
        ("pull_request", labeled("approved-alice", sender="mallory"), {}, None),
        ("pull_request", labeled("changes-requested-bob", "unlabeled"), {}, None),
        ("pull_request", labeled("verified"), {}, None),
        ("pull_request", labeled("verified"), {"verified-job": False}, "skipped:label"),
        ("pull_request", labeled("qa-approved"), {}, "skipped:label"),
        ("pull_request", labeled("qa-approved"), {"can-be-merged-required-labels": ["qa-approved"]}, None),
        ("pull_request", {"action": "labeled", "sender": {"login": "x"}}, {}, "skipped:label"),
        ("pull_request", {"action": "opened"}, {}, None),
        ("check_run", {"action": "completed"}, {}, None),
    ],
    ids=[
        "thread-resolution-required",
        "thread-resolution-off",
        "can-be-merged-label",
        "can-be-merged-case-insensitive",
        "unrelated-label",
        "size-label",
        "hold",
        "wip-removed",
        "automerge",
        "lgtm",
        "forged-approval-is-not-skipped",
        "changes-requested-removed",
        "verified",
        "verified-without-verified-job",
        "custom-label-not-required",
        "custom-label-required",
        "label-missing-in-payload",
        "other-pr-action",
        "other-event",
    ],
)
def test_config_early_exit(
    event: str, payload: dict[str, Any], repository: dict[str, Any], expected: str | None
) -> None:
    assert config_early_exit(event, payload, config_of(repository)) == expected


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ({}, ALL_CATEGORIES),
        ({"labels": {"enabled-labels": []}}, frozenset()),
        ({"labels": {"enabled-labels": ["hold", "size"]}}, frozenset({LabelCategory.HOLD, LabelCategory.SIZE})),
    ],
    ids=["unset-all", "empty-none", "listed"],
)
def test_label_categories(repository: dict[str, Any], expected: frozenset[LabelCategory]) -> None:
    assert label_categories(config_of(repository)) == expected


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ({}, DEFAULT_SIZE_BUCKETS),
        (
            {"pr-size-thresholds": {"Small": {"threshold": 10, "color": "green"}, "Big": {"threshold": "inf"}}},
            (SizeBucket("Small", 10, "008000"), SizeBucket("Big", None, "d3d3d3")),
        ),
    ],
    ids=["built-in", "custom-with-inf"],
)
def test_size_buckets(repository: dict[str, Any], expected: tuple[SizeBucket, ...]) -> None:
    assert size_buckets(config_of(repository)) == expected


@pytest.mark.parametrize(
    ("repository", "expected"),
    [
        ({}, EnabledChecks()),
        (
            {
                "tox": {"main": "all"},
                "pre-commit": True,
                "pypi": {"token": "pypi-token"},
                "container": {"username": "u", "password": "p", "repository": "quay.io/org/repo"},
                "conventional-title": "feat,fix",
                "verified-job": False,
                "custom-check-runs": [
                    {"name": "lint", "command": "make lint"},
                    {"name": "docs", "command": "make docs", "mandatory": False},
                ],
                "security-checks": {"mandatory": False, "suspicious-paths": [], "committer-identity-check": False},
            },
            EnabledChecks(
                tox=True,
                pre_commit=True,
                python_module_install=True,
                build_container=True,
                conventional_title=True,
                verified=False,
                suspicious_paths=False,
                committer_identity=False,
                security_mandatory=False,
                custom_checks=(CustomCheck("lint"), CustomCheck("docs", mandatory=False)),
            ),
        ),
    ],
    ids=["defaults", "everything-configured"],
)
def test_enabled_checks(repository: dict[str, Any], expected: EnabledChecks) -> None:
    assert enabled_checks(config_of(repository)) == expected


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://api.github.com", "https://github.com"),
        ("https://api.github.com/", "https://github.com"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
    ids=["github.com", "trailing-slash", "enterprise", "fake"],
)
def test_git_base_url(api_url: str, expected: str) -> None:
    assert git_base_url(api_url) == expected
