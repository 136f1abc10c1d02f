"""Which deliveries take the PR from their payload instead of fetching it (issue 21)."""

import pytest

from webhook_server.libs.context.pr_resolution import payload_pull_usable


@pytest.mark.parametrize(
    ("event", "action", "usable"),
    [
        pytest.param("pull_request", "labeled", True, id="labeled"),
        pytest.param("pull_request", "unlabeled", True, id="unlabeled"),
        pytest.param("pull_request", "closed", True, id="closed"),
        pytest.param("pull_request_review", "submitted", True, id="review"),
        pytest.param("pull_request", "synchronize", False, id="synchronize-needs-the-current-head"),
        pytest.param("pull_request", "opened", False, id="opened-runs-the-full-workflow"),
        pytest.param("pull_request", "reopened", False, id="reopened"),
        pytest.param("pull_request", "ready_for_review", False, id="ready-for-review"),
        pytest.param("pull_request", "edited", False, id="edited"),
        pytest.param("issue_comment", "created", False, id="comment-has-no-pr-payload"),
        pytest.param("check_run", "completed", False, id="check-run"),
    ],
)
def test_payload_pull_usable(event: str, action: str, usable: bool) -> None:
    payload = {"action": action, "pull_request": {"number": 1, "mergeable": True}}
    assert payload_pull_usable(event, payload) is usable
