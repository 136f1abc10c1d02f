"""Exact-value and keyword masking (logging-and-viewer.md §3, checks.md §5.2)."""

from __future__ import annotations

from typing import Any

import pytest

from webhook_server.utils.masking import (
    MASK,
    SecretRegistry,
    mask_keywords,
    mask_secret_values,
    mask_structure,
    mask_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("token: abc", "token: *****"),
        ("Token spend: 35 API calls", "Token spend: 35 API calls"),
        ("podman login -u bob -p pw", "podman login -u ***** -p *****"),
        ("password=hunter2", "password=*****"),
        ("PASSWORD = hunter2 next", "PASSWORD = ***** next"),
        ('{"token": "abc"}', '{"token": *****'),
        ("GITHUB_TOKEN=ghp_x rest", "GITHUB_TOKEN=***** rest"),
        ("github_token:ghp_x", "github_token:*****"),
        ("docker --password=pw --username bob", "docker --password=***** --username *****"),
        ("skopeo copy --creds user:pw src", "skopeo copy --creds ***** src"),
        ("mytoken: abc", "mytoken: abc"),
        ("tokens: 5", "tokens: 5"),
        ("token_spend: 35", "token_spend: 35"),
        ("podman login -u", "podman login -u"),
        ("ls -la /tmp", "ls -la /tmp"),
        ("podman login --password-stdin bob", "podman login --password-stdin bob"),
        ("webhook-secret: s3cr3t", "webhook-secret: *****"),
        ("api_key=abc&x=1 done", "api_key=***** done"),
        ("apikey: k", "apikey: *****"),
        ("pypi: {token: abc}", "pypi: {token: *****"),
        ("secret:", "secret:"),
        ("private-key: /data/key.pem", "private-key: *****"),
        ("private_key=x", "private_key=*****"),
        ("Login: bob", "Login: *****"),
        ("username = bob", "username = *****"),
        ("container_repository_password: pw", "container_repository_password: *****"),
        ("github-app-id: 123456", "github-app-id: *****"),
        ("slack-webhook-url: https://hooks.slack.test/x", "slack-webhook-url: *****"),
        ("slack_webhook_url=https://hooks.slack.test/x", "slack_webhook_url=*****"),
        ("webhook-url: https://h/x", "webhook-url: *****"),
        ("webhook_url: https://h/x", "webhook_url: *****"),
        ("webhook_secret: s", "webhook_secret: *****"),
        ("X-Token: abc", "X-Token: *****"),
        ("no secrets here", "no secrets here"),
        ("podman login -U bob -P pw", "podman login -U ***** -P *****"),
        ("SKOPEO --CREDS u:p x", "SKOPEO --CREDS ***** x"),
        ("x --Password pw", "x --Password *****"),
        ("\u017fecret: abc", "\u017fecret: *****"),
        ("podman login -ubob", "podman login -ubob"),
        ("2026-12-04T08:54:31.973640+00:00", "2026-12-04T08:54:31.973640+00:00"),
        ("3f8b07c1-143d-45f2-a0d5", "3f8b07c1-143d-45f2-a0d5"),
        ("token abc", "token abc"),
    ],
    ids=[
        "colon-value",
        "token-spend-untouched",
        "podman-login-flags",
        "equals-value",
        "case-insensitive-spaced",
        "json-quoted-key",
        "env-var",
        "no-space-after-colon",
        "long-flags",
        "creds-flag",
        "not-a-whole-word",
        "plural-is-another-word",
        "snake-case-word",
        "flag-without-value",
        "unrelated-flag",
        "longer-flag",
        "kebab-keyword",
        "value-is-run-of-non-space",
        "apikey",
        "structure-value-skipped",
        "keyword-without-value",
        "private-key-kebab",
        "private-key-snake",
        "login-keyword",
        "username-keyword",
        "container-password",
        "github-app-id",
        "slack-url-kebab",
        "slack-url-snake",
        "webhook-url-kebab",
        "webhook-url-snake",
        "webhook-secret-snake",
        "header-style",
        "nothing-to-mask",
        "upper-case-short-flags",
        "upper-case-long-flag",
        "mixed-case-long-flag",
        "long-s-matches-s-case-insensitively",
        "flag-glued-to-value",
        "timestamp",
        "uuid",
        "keyword-without-separator",
    ],
)
def test_keyword_masking(text: str, expected: str) -> None:
    assert mask_keywords(text) == expected
    assert mask_text(text, keyword_masking=True, secrets=()) == expected


def test_keyword_masking_off_keeps_keyword_values() -> None:
    assert mask_text("token: abc", keyword_masking=False, secrets=()) == "token: abc"


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("use ghp_abcdef now", ["ghp_abcdef"], "use ***** now"),
        ("abc stays", ["abc"], "abc stays"),
        ("abcdefgh", ["abcd", "abcdefgh"], "*****"),
        ("a.b*c(d) and a.b*c(d)", ["a.b*c(d)"], "***** and *****"),
        ("nothing", [], "nothing"),
        ("user:pass1234", ["user", "pass1234"], "*****:*****"),
        ("pw hunter2hunter2", ["hunter2", "hunter2hunter2"], "pw *****"),
    ],
    ids=[
        "replaced",
        "shorter-than-4-ignored",
        "longest-first",
        "regex-characters-literal",
        "no-secrets",
        "two-values",
        "longer-secret-containing-shorter",
    ],
)
def test_exact_value_masking(text: str, secrets: list[str], expected: str) -> None:
    assert mask_secret_values(text, secrets) == expected


def test_exact_values_are_masked_even_with_keyword_masking_off() -> None:
    assert mask_text("pw is p4ssw0rd", keyword_masking=False, secrets=["p4ssw0rd"]) == "pw is *****"


def test_exact_then_keyword_masking() -> None:
    masked = mask_text("token: ghp_secretvalue and ghp_secretvalue", keyword_masking=True, secrets=["ghp_secretvalue"])
    assert masked == "token: ***** and *****"


def test_registry_ignores_short_values_and_orders_longest_first() -> None:
    registry = SecretRegistry()
    for value in ("abc", "abcd", "abcdefgh", "abcd"):
        registry.add(value)
    assert registry.values() == ("abcdefgh", "abcd")


def test_registry_pattern_follows_additions() -> None:
    registry = SecretRegistry()
    assert registry.pattern() is None
    registry.add("first-secret")
    first = registry.pattern()
    assert first is not None
    assert first.sub(MASK, "x first-secret") == "x *****"
    registry.add("second-secret")
    second = registry.pattern()
    assert second is not None
    assert second.sub(MASK, "first-secret second-secret") == "***** *****"


def test_process_registry_is_used_by_default() -> None:
    from webhook_server.utils.masking import SECRETS

    SECRETS.add("process-wide-secret-1f2e")
    assert mask_text("leak process-wide-secret-1f2e", keyword_masking=False) == "leak *****"


def test_mask_structure_walks_dicts_lists_and_tuples() -> None:
    value: dict[str, Any] = {
        "message": "token: abc and s3cret-value",
        "nested": [{"text": "s3cret-value"}, ("s3cret-value", 5)],
        "count": 3,
        "flag": None,
    }
    from webhook_server.utils.masking import SECRETS

    SECRETS.add("s3cret-value")
    masked = mask_structure(value, keyword_masking=True)
    assert masked == {
        "message": "token: ***** and *****",
        "nested": [{"text": "*****"}, ["*****", 5]],
        "count": 3,
        "flag": None,
    }
    assert value["nested"][0]["text"] == "s3cret-value"


@pytest.mark.parametrize(
    ("keyword_masking", "expected"),
    [
        (True, {"password": MASK, "Token": MASK, "token_spend": 35, "login": "", "user": "bob"}),
        (False, {"password": "hunter2", "Token": "abc", "token_spend": 35, "login": "", "user": "bob"}),
    ],
    ids=["sensitive-keys-masked", "keyword-masking-off"],
)
def test_mask_structure_sensitive_keys(keyword_masking: bool, expected: dict[str, Any]) -> None:
    value = {"password": "hunter2", "Token": "abc", "token_spend": 35, "login": "", "user": "bob"}
    assert mask_structure(value, keyword_masking=keyword_masking) == expected
