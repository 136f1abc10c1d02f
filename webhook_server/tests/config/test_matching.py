"""Matching a delivery's `repository.full_name` to a `repositories` entry (spec config.md §3.3) and secrets."""

import logging
from typing import Any

import pytest

from webhook_server.tests.config.support import minimal_config, snapshot

MATCH_CASES = [
    ({"my-repo": {"name": "my-org/my-repo"}}, "my-org/my-repo", "my-repo"),
    ({"my-repo": {"name": "my-org/my-repo"}}, "MY-ORG/My-Repo", "my-repo"),
    ({"my-repo": {"name": "my-org/my-repo"}, "fork": {"name": "other-org/my-repo"}}, "other-org/my-repo", "fork"),
    ({"my-repo": {"name": "my-org/my-repo"}}, "other-org/my-repo", None),
    ({"my-repo": {"github-app-id": 1}}, "any-org/my-repo", "my-repo"),
    ({"my-org/my-repo": {"github-app-id": 1}}, "my-org/my-repo", "my-org/my-repo"),
    ({"my-org/my-repo": {"github-app-id": 1}}, "other-org/my-repo", None),
    ({"alias": {"name": "my-org/my-repo"}}, "my-org/my-repo", "alias"),
    ({"my-repo": {"name": "my-org/my-repo"}}, "my-org/unknown", None),
]


@pytest.mark.parametrize(
    ("repositories", "full_name", "expected_key"),
    MATCH_CASES,
    ids=[
        "name-equals-full-name",
        "name-match-is-case-insensitive",
        "same-short-name-different-orgs",
        "short-key-with-other-name-does-not-match",
        "short-key-without-name-matches",
        "key-with-slash-is-a-full-name",
        "key-with-slash-does-not-match-other-org",
        "key-differs-from-short-name",
        "not-configured",
    ],
)
def test_find_repository(repositories: dict[str, Any], full_name: str, expected_key: str | None) -> None:
    config = snapshot(minimal_config(repositories=repositories))
    entry = config.find_repository(full_name)
    assert (entry.key if entry else None) == expected_key


def test_short_name_entry_takes_the_delivery_full_name() -> None:
    config = snapshot(minimal_config(repositories={"my-repo": {}}))
    entry = config.find_repository("some-org/my-repo")
    assert entry is not None
    assert (entry.full_name, entry.short_name) == ("some-org/my-repo", "my-repo")


def test_short_name_match_with_other_name_is_warned(caplog: pytest.LogCaptureFixture) -> None:
    config = snapshot(minimal_config())
    with caplog.at_level(logging.WARNING):
        assert config.find_repository("other-org/my-repo") is None
    assert "other-org/my-repo" in caplog.text
    assert "that entry's name is my-org/my-repo" in caplog.text


def test_all_secret_values() -> None:
    document = minimal_config(
        webhook_secret="hook-secret",
        docker={"username": "docker-user", "password": "docker-pass"},
        log_viewer={"bearer-token": "bearer", "basic-auth": {"username": "viewer", "password": "viewer-pass"}},
        pypi={"token": "root-pypi"},
        slack_webhook_url="https://hooks.slack.com/root",
    )
    document["repositories"]["my-repo"].update(
        {
            "github-tokens": ["repo-token", "ghp_root_token"],
            "container": {"username": "quay-user", "password": "quay-pass", "repository": "quay.io/o/r"},
            "pypi": {"token": "repo-pypi"},
            "slack-webhook-url": "",
        }
    )
    assert snapshot(document).all_secret_values() == (
        "ghp_root_token",
        "root-pypi",
        "https://hooks.slack.com/root",
        "hook-secret",
        "docker-pass",
        "bearer",
        "viewer-pass",
        "repo-token",
        "quay-pass",
        "repo-pypi",
    )


def test_root_values_and_defaults() -> None:
    config = snapshot(minimal_config(github_api_url="https://ghe.example.com/api/v3/", max_workers=4))
    assert config.github_api_url == "https://ghe.example.com/api/v3"
    assert (config.max_workers, config.max_concurrent_jobs) == (4, 4)
    assert (config.ip_bind, config.port) == ("0.0.0.0", 5000)  # noqa: S104 - the documented default
    assert (config.verify_github_ips, config.verify_cloudflare_ips, config.disable_ssl_warnings) == (
        False,
        False,
        False,
    )
    assert (config.log_retention_days, config.delivery_ledger_retention_days) == (30, 7)
    assert (config.mcp_log_file, config.logs_server_log_file) == ("mcp_server.log", "logs_server.log")
    assert config.log_viewer is None
    assert config.webhook_secret is None
    assert config.private_key_path.name == "webhook-server.private-key.pem"
    assert snapshot(minimal_config()).github_api_url == "https://api.github.com"
