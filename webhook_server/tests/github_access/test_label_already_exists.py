"""Which GitHub refusals of a label create mean "it exists already" (422 with an `already_exists` error)."""

import pytest
from github import GithubException

from webhook_server.libs.github.labels import is_already_exists

EXISTS = {"resource": "Label", "field": "name", "code": "already_exists"}


@pytest.mark.parametrize(
    ("status", "data", "expected"),
    [
        (422, {"message": "Validation Failed", "errors": [EXISTS]}, True),
        (422, {"message": "Validation Failed", "errors": [{"code": "invalid"}, EXISTS]}, True),
        (422, {"message": "Validation Failed", "errors": [{"resource": "Label", "code": "invalid"}]}, False),
        (422, {"message": "Validation Failed"}, False),
        (422, "Validation Failed", False),
        (403, {"message": "Forbidden", "errors": [EXISTS]}, False),
    ],
    ids=["exists", "exists-among-others", "invalid-name", "no-errors", "not-json", "other-status"],
)
def test_is_already_exists(status: int, data: object, expected: bool) -> None:
    assert is_already_exists(GithubException(status, data, None)) is expected
