"""An invalid `.github-webhook-server.yaml` (`config.md` §5): the delivery goes on with the server config,
step `repo_config` fails, the delivery ends `partial`, and the PR gets one comment per file version
naming each problem as `.github-webhook-server.yaml: key.path: message`."""

from typing import Any

from webhook_server.tests.e2e.conftest import GithubBackedServers
from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, RunningServer
from webhook_server.tests.fake_github.api import FakeGitHub

REPO = "org/repo"
INVALID = "minimum-lgtm: many\ntox:\n  - not-a-mapping\n"
EXPECTED_PROBLEMS = [
    ".github-webhook-server.yaml: minimum-lgtm: 'many' is not of type 'integer'",
    ".github-webhook-server.yaml: tox: ['not-a-mapping'] is not of type 'object'",
]


def _config_comments(fake: FakeGitHub, number: int) -> list[str]:
    return [
        str(comment["body"])
        for comment in fake.comments(REPO, number)
        if ".github-webhook-server.yaml` is invalid" in str(comment["body"])
    ]


async def _deliver_latest(fake: FakeGitHub, server: RunningServer, action: str) -> tuple[str, dict[str, Any]]:
    fake.wait_for_deliveries_sent()
    payload = fake.deliveries("pull_request", action=action)[-1].payload
    row = await server.deliver("pull_request", payload, timeout=60)
    assert row.status == "succeeded", row
    [delivery] = server.sent[-1:]
    return delivery, server.summary_of(delivery)


async def test_invalid_repo_config_fails_its_step_and_is_reported_once_per_file_version(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    fake_github.create_repo(
        REPO, {"README.md": "x\n", ".github-webhook-server.yaml": INVALID}, collaborators={"bot-user": "admin"}
    )
    fake_github.install_app(REPO)
    server = github_servers.start({"repo": {"name": REPO, "minimum-lgtm": 0}}, [fake_github.create_token("bot-user")])
    fake_github.register_hook(REPO, "", secret=WEBHOOK_SECRET, events=["pull_request"])  # record, do not send
    number = fake_github.open_pr(REPO, head="feature", base="main", title="feat: x", files={"x.py": "x = 1\n"})

    _, summary = await _deliver_latest(fake_github, server, "opened")
    assert summary["status"] == "partial"
    step = summary["workflow_steps"]["repo_config"]
    assert step["status"] == "failed"
    assert step["error"]["type"] == "InvalidRepoConfigError"
    assert step["error"]["message"].splitlines() == EXPECTED_PROBLEMS
    assert step["error"]["traceback"] == ""
    assert summary["workflow_steps"]["full_workflow"]["status"] == "completed"  # the workflow went on
    [comment] = _config_comments(fake_github, number)
    assert all(f"\n{problem}\n" in comment for problem in EXPECTED_PROBLEMS)

    fake_github.push(REPO, "feature", {"y.py": "y = 1\n"})
    _, again = await _deliver_latest(fake_github, server, "synchronize")
    assert again["status"] == "partial"
    assert len(_config_comments(fake_github, number)) == 1  # same file version: no second comment

    fake_github.push(REPO, "main", {".github-webhook-server.yaml": "can-be-merged-required-labels: 3\n"})
    fake_github.push(REPO, "feature", {"z.py": "z = 1\n"})
    await _deliver_latest(fake_github, server, "synchronize")
    comments = _config_comments(fake_github, number)
    assert len(comments) == 2  # a new version of the file is reported again
    assert ".github-webhook-server.yaml: can-be-merged-required-labels: 3 is not of type 'array'" in comments[1]

    fake_github.push(REPO, "main", {".github-webhook-server.yaml": "minimum-lgtm: 0\n"})
    fake_github.push(REPO, "feature", {"w.py": "w = 1\n"})
    _, fixed = await _deliver_latest(fake_github, server, "synchronize")
    assert fixed["status"] == "success"
    assert fixed["workflow_steps"]["repo_config"]["status"] == "completed"
    assert len(_config_comments(fake_github, number)) == 2
