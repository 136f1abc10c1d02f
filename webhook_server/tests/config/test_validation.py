"""config.yaml and repo-local validation: examples are valid; every invalid config names its key path."""

import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

from webhook_server.libs.config import ConfigError, ConfigMissingError, load_config, validate_local_config
from webhook_server.tests.config.support import minimal_config, snapshot, write_config

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples"
LABEL_CATEGORIES = (
    "['verified', 'hold', 'wip', 'needs-rebase', 'has-conflicts', 'can-be-merged', 'size', 'branch', "
    "'cherry-pick', 'automerge']"
)


def with_repo(**keys: Any) -> dict[str, Any]:
    """The minimal config with `keys` (`_` for `-`) set on its `my-repo` entry."""
    document = minimal_config()
    document["repositories"]["my-repo"].update({key.replace("_", "-"): value for key, value in keys.items()})
    return document


def load_errors(document: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        snapshot(document)  # type: ignore[arg-type]
    return caught.value.errors


def test_example_config_validates(data_dir: Path) -> None:
    write_config(data_dir, yaml.safe_load((EXAMPLES_DIR / "config.yaml").read_text()))
    config = load_config(data_dir)
    assert [entry.full_name for entry in config.repositories()] == ["my-org/my-repo", "other-org/my-repo"]
    assert config.github_app_id == 123456


def test_example_local_file_validates() -> None:
    document = yaml.safe_load((EXAMPLES_DIR / ".github-webhook-server.yaml").read_text())
    assert validate_local_config(document) == []


def test_example_config_shows_every_schema_key() -> None:
    schema = yaml.safe_load((Path(__file__).resolve().parents[2] / "config" / "schema.yaml").read_text())
    example = yaml.safe_load((EXAMPLES_DIR / "config.yaml").read_text())
    repository_keys = set(schema["definitions"]["repository"]["properties"])
    assert repository_keys - set(example["repositories"]["my-repo"]) == set()
    assert set(schema["properties"]) - set(example) <= repository_keys


INVALID_CONFIGS = [
    (
        with_repo(minimum_lgtm="two"),
        "config.yaml: repositories.my-repo.minimum-lgtm: 'two' is not of type 'integer'",
    ),
    (minimal_config(log_level="TRACE"), "config.yaml: log-level: 'TRACE' is not one of ['INFO', 'DEBUG']"),
    (
        minimal_config(labels={"enabled-labels": ["verified", "bogus"]}),
        f"config.yaml: labels.enabled-labels.1: 'bogus' is not one of {LABEL_CATEGORIES}",
    ),
    (
        with_repo(custom_check_runs=[{"name": 42, "command": "true"}]),
        "config.yaml: repositories.my-repo.custom-check-runs.0.name: 42 is not of type 'string'",
    ),
    (
        {"github-app-id": 1, "github-tokens": ["t"]},
        "config.yaml: repositories: 'repositories' is a required property",
    ),
    (minimal_config(repositories={}), "config.yaml: repositories: {} should be non-empty"),
    (
        minimal_config(pr_size_thresholds={"S": {"threshold": 0}}),
        "config.yaml: pr-size-thresholds.S.threshold: 0 is not valid under any of the given schemas",
    ),
    (
        minimal_config(pr_size_thresholds={"S": {"color": "red"}}),
        "config.yaml: pr-size-thresholds.S.threshold: 'threshold' is a required property",
    ),
    (
        minimal_config(ai_features={"ai-provider": "claude", "ai-model": "m", "model": "x"}),
        "config.yaml: ai-features.model: unknown key 'model' "
        "(allowed: ai-provider, ai-model, conventional-title, resolve-cherry-pick-conflicts-with-ai)",
    ),
    (
        minimal_config(ai_features={"ai-provider": "openai", "ai-model": "m"}),
        "config.yaml: ai-features.ai-provider: 'openai' is not one of ['claude', 'gemini', 'cursor']",
    ),
    (
        minimal_config(ai_features={"ai-provider": "claude", "ai-model": "m", "conventional-title": {"mode": "fix"}}),
        "config.yaml: ai-features.conventional-title.enabled: 'enabled' is a required property",
    ),
    (
        with_repo(test_oracle={"ai-provider": "claude", "ai-model": "m", "triggers": ["approved"]}),
        "config.yaml: repositories.my-repo.test-oracle.server-url: 'server-url' is a required property",
    ),
    (minimal_config(port="abc"), "config.yaml: port: 'abc' is not of type 'integer'"),
    (minimal_config(webhook_ip="hooks.example.com"), "config.yaml: webhook-ip: 'hooks.example.com' is not a 'uri'"),
    (
        with_repo(protected_branches={"main": 5}),
        "config.yaml: repositories.my-repo.protected-branches.main: 5 is not valid under any of the given schemas",
    ),
    (
        with_repo(container={"username": "u", "password": "p", "repository": "r", "context": "a b"}),
        "config.yaml: repositories.my-repo.container.context: 'a b' does not match '^[a-zA-Z0-9._/-]*$'",
    ),
    (
        with_repo(container={"username": "u", "password": "p"}),
        "config.yaml: repositories.my-repo.container.repository: 'repository' is a required property",
    ),
    (
        minimal_config(welcome_extra_info="x" * 10241),
        "config.yaml: welcome-extra-info: '" + "x" * 59 + "... is too long",
    ),
    (
        with_repo(tox={"main": "py312", "args": "'unclosed"}),
        "config.yaml: repositories.my-repo.tox.args: does not split shell-style: No closing quotation",
    ),
    (
        with_repo(name="just-a-name"),
        "config.yaml: repositories.my-repo.name: 'just-a-name' does not match '^[^/\\\\s]+/[^/\\\\s]+$'",
    ),
    (["not", "a", "mapping"], "config.yaml: <root>: ['not', 'a', 'mapping'] is not of type 'object'"),
    (minimal_config(mask_sensitive_data="yes"), "config.yaml: mask-sensitive-data: 'yes' is not of type 'boolean'"),
    (
        minimal_config(log_viewer={"basic-auth": {"username": "u"}}),
        "config.yaml: log-viewer.basic-auth.password: 'password' is a required property",
    ),
    (minimal_config(check_timeout_minutes=0), "config.yaml: check-timeout-minutes: 0 is less than the minimum of 1"),
    (
        minimal_config(ledger_url="mysql://db.example.com/ledger"),
        "config.yaml: ledger-url: (value not shown) does not match '^postgres(ql)?://'",
    ),
    (minimal_config(ledger_lease_seconds=2), "config.yaml: ledger-lease-seconds: 2 is less than the minimum of 3"),
    (minimal_config(worker_niceness=20), "config.yaml: worker-niceness: 20 is greater than the maximum of 19"),
    (minimal_config(worker_niceness=-5), "config.yaml: worker-niceness: -5 is less than the minimum of 0"),
    (minimal_config(github_app_id=True), "config.yaml: github-app-id: True is not of type 'integer'"),
    (
        minimal_config(branch_protection={"strict": "yes"}),
        "config.yaml: branch-protection.strict: 'yes' is not of type 'boolean'",
    ),
    (
        minimal_config(repositories={"a": {"name": "org/repo"}, "b": {"name": "ORG/Repo"}}),
        "config.yaml: repositories.b.name: duplicate name 'ORG/Repo' (also used by repositories.a)",
    ),
    (
        {"github-tokens": ["t"], "repositories": {"my-repo": {"name": "o/r"}}},
        "config.yaml: repositories.my-repo.github-app-id: not set here or at the root",
    ),
    (
        {"github-app-id": 1, "repositories": {"my-repo": {"name": "o/r", "github-tokens": []}}},
        "config.yaml: repositories.my-repo.github-tokens: no GitHub token here or at the root",
    ),
]
INVALID_IDS = [
    "wrong-type",
    "unknown-enum",
    "bad-label-category",
    "custom-check-name-type",
    "missing-repositories",
    "empty-repositories",
    "size-threshold-zero",
    "size-threshold-missing",
    "ai-features-unknown-key",
    "ai-features-bad-provider",
    "ai-features-title-enabled-missing",
    "test-oracle-missing-url",
    "port-not-integer",
    "webhook-ip-not-uri",
    "protected-branch-bad-value",
    "container-context-pattern",
    "container-missing-repository",
    "welcome-extra-info-too-long",
    "tox-args-unbalanced-quote",
    "repository-name-not-full",
    "root-not-mapping",
    "bool-not-string",
    "log-viewer-basic-auth-incomplete",
    "check-timeout-below-minimum",
    "ledger-url-not-postgresql",
    "ledger-lease-below-minimum",
    "worker-niceness-above-maximum",
    "worker-niceness-negative",
    "boolean-is-not-integer",
    "branch-protection-field-type",
    "duplicate-repository-name",
    "app-id-missing",
    "tokens-empty",
]


@pytest.mark.parametrize(("document", "expected_line"), INVALID_CONFIGS, ids=INVALID_IDS)
def test_invalid_config_names_the_key_path(document: object, expected_line: str) -> None:
    assert load_errors(document) == [expected_line]


def test_every_error_is_reported_one_per_line() -> None:
    document = with_repo(minimum_lgtm="two", pre_commit="no")
    document["log-level"] = "TRACE"
    assert load_errors(document) == [
        "config.yaml: log-level: 'TRACE' is not one of ['INFO', 'DEBUG']",
        "config.yaml: repositories.my-repo.minimum-lgtm: 'two' is not of type 'integer'",
        "config.yaml: repositories.my-repo.pre-commit: 'no' is not of type 'boolean'",
    ]


def test_missing_private_key_is_fatal(tmp_path: Path) -> None:
    write_config(tmp_path, minimal_config())
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.errors == [
        f"config.yaml: <root>: GitHub App private key not found: {tmp_path / 'webhook-server.private-key.pem'}"
    ]


def test_missing_config_file_names_its_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigMissingError) as caught:
        load_config(tmp_path)
    assert caught.value.path == tmp_path / "config.yaml"


def test_yaml_syntax_error_is_fatal(data_dir: Path) -> None:
    (data_dir / "config.yaml").write_text("repositories: [unclosed\n")
    with pytest.raises(ConfigError) as caught:
        load_config(data_dir)
    assert caught.value.errors[0].startswith("config.yaml: <root>: invalid YAML: ")


def test_unknown_keys_are_warned_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    document = with_repo(verified_jobs=False)
    document["log_level"] = "DEBUG"
    with caplog.at_level(logging.WARNING):
        config = snapshot(document)
    assert config.log_level == "INFO"
    warnings = [record.getMessage() for record in caplog.records if "unknown key" in record.getMessage()]
    assert warnings == [
        "config.yaml: unknown key log_level (ignored; check for a typo)",
        "config.yaml: unknown key repositories.my-repo.verified-jobs (ignored; check for a typo)",
    ]


def test_explicit_null_is_unset_and_protected_branch_null_is_kept() -> None:
    config = snapshot(with_repo(minimum_lgtm=None, protected_branches={"main": None}, tox=None))
    entry = config.repositories()[0]
    assert "minimum-lgtm" not in entry.raw
    assert entry.raw["protected-branches"] == {"main": None}


LOCAL_CASES = [
    ({"minimum-lgtm": 2, "tox": {"main": ["py312"]}}, []),
    ({"labels": {"enabled-labels": ["verified", "bogus"]}}, []),
    ({"minimum-lgtm": "two"}, ["minimum-lgtm: 'two' is not of type 'integer'"]),
    ("just text", ["<root>: 'just text' is not of type 'object'"]),
    (
        {"ai-features": {"ai-provider": "claude", "ai-model": "m", "extra": 1}},
        [
            "ai-features.extra: unknown key 'extra' "
            "(allowed: ai-provider, ai-model, conventional-title, resolve-cherry-pick-conflicts-with-ai)"
        ],
    ),
    (
        {"container": {"username": "u", "password": "p", "repository": "r", "args": "'x"}},
        ["container.args: does not split shell-style: No closing quotation"],
    ),
    ({"pre-commit": None, "unknown-key": 1}, []),
]


@pytest.mark.parametrize(
    ("document", "expected"),
    LOCAL_CASES,
    ids=[
        "valid",
        "unknown-label-category-is-not-an-error",
        "wrong-type",
        "not-a-mapping",
        "ai-features-extra-key",
        "container-args-unsplittable",
        "null-and-unknown-keys-allowed",
    ],
)
def test_validate_local_config(document: object, expected: list[str]) -> None:
    assert validate_local_config(document) == expected
