"""Branch-protection bodies: read form → PUT form, managed fields laid over, and the no-change test."""

from typing import Any

import pytest

from webhook_server.libs.bootstrap.protection_body import desired_put_body, protection_differs, put_form
from webhook_server.libs.config import BranchProtection

LOGIN = "api-user"

READ_FORM: dict[str, Any] = {
    "url": "https://api.example/repos/o/r/branches/main/protection",
    "required_status_checks": {
        "strict": True,
        "contexts": ["can-be-merged", "ci/external"],
        "checks": [{"context": "can-be-merged", "app_id": None}, {"context": "ci/external", "app_id": 15368}],
    },
    "required_pull_request_reviews": {
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": False,
        "required_approving_review_count": 0,
        "require_last_push_approval": True,
        "dismissal_restrictions": {"users": [{"login": "lead"}], "teams": [{"slug": "core"}], "apps": []},
        "bypass_pull_request_allowances": {"users": [{"login": LOGIN}], "teams": [], "apps": []},
    },
    "restrictions": {"users": [{"login": "pusher"}], "teams": [{"slug": "release"}], "apps": [{"slug": "bot"}]},
    "enforce_admins": {"enabled": True},
    "required_linear_history": {"enabled": True},
    "allow_force_pushes": {"enabled": False},
    "allow_deletions": {"enabled": True},
    "block_creations": {"enabled": False},
    "required_conversation_resolution": {"enabled": True},
    "lock_branch": {"enabled": False},
    "allow_fork_syncing": {"enabled": True},
}


def test_put_form_of_unprotected_branch_has_nothing_required() -> None:
    body = put_form(None)
    assert body["required_status_checks"] is None
    assert body["required_pull_request_reviews"] is None
    assert body["restrictions"] is None
    assert body["enforce_admins"] is False
    assert body["required_linear_history"] is False


def test_put_form_keeps_unmanaged_fields() -> None:
    body = put_form(READ_FORM)
    assert body["enforce_admins"] is True
    assert body["restrictions"] == {"users": ["pusher"], "teams": ["release"], "apps": ["bot"]}
    assert body["allow_deletions"] is True
    assert body["allow_fork_syncing"] is True
    reviews = body["required_pull_request_reviews"]
    assert reviews["require_last_push_approval"] is True
    assert reviews["dismissal_restrictions"] == {"users": ["lead"], "teams": ["core"], "apps": []}


def test_put_form_reads_contexts_when_checks_are_absent() -> None:
    read = {"required_status_checks": {"strict": False, "contexts": ["a", "b"]}}
    assert put_form(read)["required_status_checks"] == {
        "strict": False,
        "checks": [{"context": "a", "app_id": None}, {"context": "b", "app_id": None}],
    }


def test_desired_body_sets_managed_fields_and_keeps_the_rest() -> None:
    settings = BranchProtection(required_approving_review_count=2, require_code_owner_reviews=True)
    desired = desired_put_body(put_form(READ_FORM), settings, ["can-be-merged", "ci/external", "tox"], LOGIN)
    assert desired["required_status_checks"] == {
        "strict": True,
        "checks": [{"context": "can-be-merged"}, {"context": "ci/external", "app_id": 15368}, {"context": "tox"}],
    }
    reviews = desired["required_pull_request_reviews"]
    assert reviews["required_approving_review_count"] == 2
    assert reviews["require_code_owner_reviews"] is True
    assert reviews["bypass_pull_request_allowances"] == {"users": [LOGIN], "teams": [], "apps": []}
    assert reviews["dismissal_restrictions"] == {"users": ["lead"], "teams": ["core"], "apps": []}
    assert desired["enforce_admins"] is True
    assert desired["restrictions"] == {"users": ["pusher"], "teams": ["release"], "apps": ["bot"]}


def test_desired_body_for_unprotected_branch() -> None:
    desired = desired_put_body(put_form(None), BranchProtection(), ["can-be-merged"], LOGIN)
    assert desired["enforce_admins"] is False
    assert desired["restrictions"] is None
    assert desired["required_linear_history"] is True
    assert desired["required_conversation_resolution"] is True
    assert desired["required_pull_request_reviews"]["dismiss_stale_reviews"] is True


@pytest.mark.parametrize(
    ("settings", "contexts", "login", "differs"),
    [
        pytest.param(BranchProtection(), ["can-be-merged", "ci/external"], LOGIN, False, id="same-as-github"),
        pytest.param(BranchProtection(), ["ci/external", "can-be-merged"], LOGIN, False, id="check-order-ignored"),
        pytest.param(BranchProtection(), ["can-be-merged"], LOGIN, True, id="check-removed"),
        pytest.param(BranchProtection(), ["can-be-merged", "ci/external", "tox"], LOGIN, True, id="check-added"),
        pytest.param(BranchProtection(strict=False), ["can-be-merged", "ci/external"], LOGIN, True, id="strict-off"),
        pytest.param(
            BranchProtection(required_approving_review_count=1),
            ["can-be-merged", "ci/external"],
            LOGIN,
            True,
            id="approvals-changed",
        ),
        pytest.param(BranchProtection(), ["can-be-merged", "ci/external"], "other-user", True, id="bypass-user"),
        pytest.param(
            BranchProtection(required_linear_history=False),
            ["can-be-merged", "ci/external"],
            LOGIN,
            True,
            id="linear-history-off",
        ),
    ],
)
def test_protection_differs(settings: BranchProtection, contexts: list[str], login: str, differs: bool) -> None:
    current = put_form(READ_FORM)
    assert protection_differs(current, desired_put_body(current, settings, contexts, login)) is differs


def test_unprotected_branch_always_differs() -> None:
    current = put_form(None)
    assert protection_differs(current, desired_put_body(current, BranchProtection(), [], LOGIN))
