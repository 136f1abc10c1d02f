"""Branch protection against the fake GitHub: required checks per branch, settings, private repositories,
missing branches and what the server does not manage."""

import logging
from pathlib import Path
from typing import Any

import pytest

from webhook_server.tests.bootstrap.world import API_USER, make_world
from webhook_server.tests.fake_github.api import FakeGitHub


def required_contexts(fake: FakeGitHub, full_name: str, branch: str) -> list[str]:
    protection = fake.branch_protection(full_name, branch)
    assert protection is not None, f"{branch} is not protected"
    return list(protection["required_status_checks"]["contexts"])


@pytest.mark.parametrize(
    ("branch_value", "entry", "files", "expected"),
    [
        pytest.param(None, {}, {}, ["can-be-merged", "verified"], id="automatic-defaults"),
        pytest.param([], {"verified-job": False}, {}, ["can-be-merged"], id="empty-list-automatic"),
        pytest.param({}, {"default-status-checks": ["ci/a"]}, {}, ["ci/a", "can-be-merged", "verified"], id="seed"),
        pytest.param(
            {"exclude-runs": ["verified"]}, {"tox": {"main": "all"}}, {}, ["can-be-merged", "tox"], id="exclude-runs"
        ),
        pytest.param(["ci/only", "tox"], {"tox": {"main": "all"}}, {}, ["ci/only", "tox"], id="list-form-verbatim"),
        pytest.param(
            {"include-runs": ["x"], "exclude-runs": ["x"]}, {}, {}, ["x"], id="include-runs-verbatim-ignores-exclude"
        ),
        pytest.param(
            None,
            {"pre-commit": True, "conventional-title": "feat,fix"},
            {".pre-commit-config.yaml": "repos: []\n"},
            ["can-be-merged", "verified", "pre-commit", "conventional-title", "pre-commit.ci - pr"],
            id="pre-commit-ci-from-default-branch",
        ),
    ],
)
async def test_required_checks(
    fake_github: FakeGitHub,
    tmp_path: Path,
    *,
    branch_value: Any,
    entry: dict[str, Any],
    files: dict[str, str],
    expected: list[str],
) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo(
        "widgets", {"protected-branches": {"main": branch_value}, **entry}, files={"README.md": "x\n", **files}
    )
    results = await world.bootstrap()
    assert results[full_name].ok, results[full_name].summary_line()
    assert required_contexts(fake_github, full_name, "main") == expected


async def test_protection_settings_merged_field_by_field(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    world.root["branch-protection"] = {"strict": False, "required_approving_review_count": 1}
    full_name = world.add_repo(
        "widgets",
        {"protected-branches": {"main": None}, "branch-protection": {"required_approving_review_count": 2}},
    )
    await world.bootstrap()
    protection = fake_github.branch_protection(full_name, "main")
    assert protection is not None
    assert protection["required_status_checks"]["strict"] is False
    reviews = protection["required_pull_request_reviews"]
    assert reviews["required_approving_review_count"] == 2
    assert reviews["dismiss_stale_reviews"] is True
    assert reviews["require_code_owner_reviews"] is False
    assert [user["login"] for user in reviews["bypass_pull_request_allowances"]["users"]] == [API_USER]
    assert reviews["bypass_pull_request_allowances"]["teams"] == []
    assert reviews["bypass_pull_request_allowances"]["apps"] == []
    assert protection["required_linear_history"]["enabled"] is True
    assert protection["required_conversation_resolution"]["enabled"] is True


async def test_unmanaged_protection_fields_are_kept(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets", {"protected-branches": {"main": ["ci/x"]}})
    fake_github.create_user("pusher")
    fake_github.set_branch_protection(
        full_name,
        "main",
        {
            "required_status_checks": {"strict": True, "contexts": ["old"]},
            "enforce_admins": True,
            "required_pull_request_reviews": None,
            "restrictions": {"users": ["pusher"], "teams": [], "apps": []},
            "allow_deletions": True,
        },
    )
    await world.bootstrap()
    protection = fake_github.branch_protection(full_name, "main")
    assert protection is not None
    assert protection["required_status_checks"]["contexts"] == ["ci/x"]
    assert protection["enforce_admins"]["enabled"] is True
    assert [user["login"] for user in protection["restrictions"]["users"]] == ["pusher"]
    assert protection["allow_deletions"]["enabled"] is True


async def test_missing_branch_is_skipped_and_others_protected(
    fake_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets", {"protected-branches": {"gone": None, "main": None, "release": None}})
    fake_github.create_branch(full_name, "release", from_ref="main")
    with caplog.at_level(logging.INFO):
        results = await world.bootstrap()
    result = results[full_name]
    assert result.summary_line() == f"Bootstrap {full_name}: failed (protection: branch not found: gone)"
    assert fake_github.branch_protection(full_name, "main") is not None
    assert fake_github.branch_protection(full_name, "release") is not None
    assert any(
        record.levelno == logging.ERROR and "protected branch gone does not exist" in record.getMessage()
        for record in caplog.records
    )
    assert f"Bootstrap {full_name}: failed (protection: branch not found: gone)" in caplog.text
    assert fake_github.hooks(full_name), "the webhook phase still ran after the protection failure"


async def test_private_repository_is_protected_when_the_plan_allows(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("secret-sauce", {"protected-branches": {"main": None}}, private=True)
    results = await world.bootstrap()
    assert results[full_name].ok
    assert required_contexts(fake_github, full_name, "main") == ["can-be-merged", "verified"]


async def test_private_repository_refused_by_plan_warns_once(
    fake_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo(
        "secret-sauce",
        {"protected-branches": {"main": None, "dev": None}},
        private=True,
        settings={"plan_blocks_protection": True},
    )
    fake_github.create_branch(full_name, "dev", from_ref="main")
    with caplog.at_level(logging.WARNING):
        results = await world.bootstrap()
    assert results[full_name].ok, results[full_name].summary_line()
    refusals = [record for record in caplog.records if "refused branch protection" in record.getMessage()]
    assert len(refusals) == 1
    assert refusals[0].levelno == logging.WARNING
    assert fake_github.branch_protection(full_name, "main") is None
    assert len(world.writes(f"/repos/{full_name}/branches")) == 1  # one refused PUT, then the phase stops


async def test_public_repository_forbidden_is_a_failure(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets", {"protected-branches": {"main": None}})
    fake_github.fail_next(1, 403, f"/repos/{full_name}/branches/main/protection", method="PUT", message="Forbidden")
    results = await world.bootstrap()
    assert results[full_name].summary_line() == f"Bootstrap {full_name}: failed (protection: 403 Forbidden)"


async def test_pre_commit_lookup_error_is_a_warning(
    fake_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets", {"protected-branches": {"main": None}}, files={".pre-commit-config.yaml": ""})
    fake_github.fail_next(1, 403, f"/repos/{full_name}/contents/", message="Forbidden")
    with caplog.at_level(logging.WARNING):
        results = await world.bootstrap()
    assert results[full_name].ok
    assert required_contexts(fake_github, full_name, "main") == ["can-be-merged", "verified"]
    assert "not requiring 'pre-commit.ci - pr'" in caplog.text
