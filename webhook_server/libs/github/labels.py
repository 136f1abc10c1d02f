"""Creating a repository label that someone else may have created first.

GitHub answers `POST /repos/{owner}/{repo}/labels` for a name that exists (compared case-insensitively)
with 422 and `errors[].code == "already_exists"`: in a race between the PR workflow and the startup
bootstrap, or when a person created the label by hand. That answer is success; the existing label then
gets the wanted colour if its colour differs (labels carry no description of ours to compare).
"""

from urllib.parse import quote

from github import Github, GithubException

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.rules.colors import same_color

ALREADY_EXISTS = "already_exists"
VALIDATION_FAILED = 422


def is_already_exists(error: GithubException) -> bool:
    """Whether GitHub refused a create because the resource exists (422, an error with `already_exists`)."""
    if error.status != VALIDATION_FAILED or not isinstance(error.data, dict):
        return False
    errors = error.data.get("errors") or []
    return any(isinstance(item, dict) and item.get("code") == ALREADY_EXISTS for item in errors)


async def create_label(github: Github, full_name: str, name: str, color: str) -> bool:
    """Create label `name` with `color`; True when created, False when it existed (its colour is then aligned).

    Any other refusal (an invalid name or colour, no permission) is raised.
    """
    url = f"/repos/{full_name}/labels"
    try:
        await github_api_call(github.requester.requestJsonAndCheck, "POST", url, input={"name": name, "color": color})
    except GithubException as error:
        if not is_already_exists(error):
            raise
        await _align_color(github, f"{url}/{quote(name, safe='')}", color)
        return False
    return True


async def _align_color(github: Github, label_url: str, color: str) -> None:
    _, existing = await github_api_call(github.requester.requestJsonAndCheck, "GET", label_url)
    if not same_color(str(existing["color"]), color):
        await github_api_call(github.requester.requestJsonAndCheck, "PATCH", label_url, input={"color": color})
