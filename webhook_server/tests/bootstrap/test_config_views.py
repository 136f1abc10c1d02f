"""What bootstrap derives from the server config: the label set with colours and the enabled checks."""

from pathlib import Path
from typing import Any

import pytest

from webhook_server.libs.bootstrap.labels import desired_labels
from webhook_server.libs.config.rule_inputs import enabled_checks
from webhook_server.libs.rules.checks import branch_protection_required_checks
from webhook_server.tests.bootstrap.conftest import widgets_config

ALL_STATIC = [
    "hold",
    "verified",
    "wip",
    "lgtm",
    "approve",
    "automerge",
    "CherryPicked",
    "ai-resolved-conflicts",
    "size/XS",
    "size/S",
    "size/M",
    "size/L",
    "size/XL",
    "size/XXL",
    "needs-rebase",
    "has-conflicts",
    "can-be-merged",
]


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        pytest.param(None, ALL_STATIC, id="unset-all-enabled"),
        pytest.param({"enabled-labels": []}, ["lgtm", "approve"], id="empty-only-always-on"),
        pytest.param(
            {"enabled-labels": ["hold", "size"]},
            ["hold", "lgtm", "approve", "size/XS", "size/S", "size/M", "size/L", "size/XL", "size/XXL"],
            id="hold-and-size",
        ),
        pytest.param(
            {"enabled-labels": ["cherry-pick", "branch"]},
            ["lgtm", "approve", "CherryPicked", "ai-resolved-conflicts"],
            id="cherry-pick-only",
        ),
    ],
)
def test_label_set_follows_enabled_labels(tmp_path: Path, labels: dict[str, Any] | None, expected: list[str]) -> None:
    repository = {"labels": labels} if labels is not None else {}
    assert [label.name for label in desired_labels(widgets_config(tmp_path, repository))] == expected


def test_label_colours_default_and_overrides(tmp_path: Path) -> None:
    config = widgets_config(tmp_path, {"labels": {"colors": {"hold": "red", "needs-": "navy", "wip": "nosuchcolor"}}})
    colours = {label.name: label.color.lower() for label in desired_labels(config)}
    assert colours["hold"] == "ff0000"
    assert colours["wip"] == "d3d3d3"
    assert colours["needs-rebase"] == "000080"
    assert colours["size/XS"] == "ededed"
    assert colours["verified"] == "0e8a16"
    assert colours["can-be-merged"] == "0e8a17"


def test_custom_size_buckets_replace_builtin_size_labels(tmp_path: Path) -> None:
    thresholds = {"tiny": {"threshold": 10, "color": "green"}, "huge": {"threshold": "inf"}}
    config = widgets_config(tmp_path, {"pr-size-thresholds": thresholds})
    labels = {label.name: label.color.lower() for label in desired_labels(config)}
    assert [name for name in labels if name.startswith("size/")] == ["size/tiny", "size/huge"]
    assert labels["size/tiny"] == "008000"
    assert labels["size/huge"] == "d3d3d3"


AUTOMATIC_CASES = [
    pytest.param({}, {}, ["can-be-merged", "verified"], id="defaults"),
    pytest.param({"verified-job": False}, {}, ["can-be-merged"], id="verified-off"),
    pytest.param(
        {"tox": {"main": "all"}, "pre-commit": True, "pypi": {"token": "pypi-token"}, "conventional-title": "*"},
        {},
        ["can-be-merged", "tox", "verified", "python-module-install", "pre-commit", "conventional-title"],
        id="every-check",
    ),
    pytest.param(
        {"container": {"username": "u", "password": "p", "repository": "quay.io/acme/widgets"}},
        {},
        ["can-be-merged", "verified", "build-container"],
        id="container",
    ),
    pytest.param(
        {"default-status-checks": ["ci/lint", "verified"]},
        {},
        ["ci/lint", "verified", "can-be-merged"],
        id="default-status-checks-first-and-deduplicated",
    ),
    pytest.param({}, {"default-status-checks": ["ci/root"]}, ["ci/root", "can-be-merged", "verified"], id="root-seed"),
    pytest.param(
        {"default-status-checks": ["ci/repo"]},
        {"default-status-checks": ["ci/root"]},
        ["ci/repo", "can-be-merged", "verified"],
        id="repository-seed-replaces-root",
    ),
]


@pytest.mark.parametrize(("repository", "root", "expected"), AUTOMATIC_CASES)
def test_required_checks_from_config(
    tmp_path: Path, repository: dict[str, Any], root: dict[str, Any], expected: list[str]
) -> None:
    config = widgets_config(tmp_path, repository, **root)
    required = branch_protection_required_checks(
        enabled_checks(config), default_status_checks=config.default_status_checks
    )
    assert list(required) == expected
