"""A check run left unfinished by a previous process is re-run at startup: bootstrap recovery hands it to
the check service, which runs the command again and completes the same check run."""

import asyncio

from webhook_server.tests.e2e.conftest import GithubBackedServers
from webhook_server.tests.fake_github.api import FakeGitHub

REPO = "org/repo"


async def _until(predicate: object, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if callable(predicate) and predicate():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("condition not reached")


async def test_unfinished_command_check_is_rerun_at_startup(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    fake_github.create_repo(REPO, {"README.md": "x\n"}, collaborators={"bot-user": "admin"})
    fake_github.install_app(REPO)
    token = fake_github.create_token("bot-user")
    number = fake_github.open_pr(REPO, head="feature", base="main", title="feat: x", files={"x.py": "x = 1\n"})
    head = fake_github.pull(REPO, number)["head"]["sha"]
    left_over = fake_github.check_run(REPO, head, "lint", status="in_progress", conclusion=None)
    fake_github.check_run(REPO, head, "can-be-merged", status="in_progress", conclusion=None)

    repositories = {"repo": {"name": REPO, "custom-check-runs": [{"name": "lint", "command": "true"}]}}
    server = github_servers.start(repositories, [token])

    await _until(lambda: fake_github.check_run_conclusions(REPO, head).get("lint") == "success")
    runs = fake_github.check_runs(REPO, head, "lint")
    assert [run["id"] for run in runs] == [left_over]  # the same run, updated in place
    jobs = await server.runtime.ledger.jobs_for_pr(REPO, number)
    assert [(job.name, job.head_sha, job.status.value) for job in jobs] == [("lint", head, "succeeded")]
    # can-be-merged is set back to queued and left to the PR's next event (not run as a command)
    [gate] = fake_github.check_runs(REPO, head, "can-be-merged")
    assert (gate["status"], gate["conclusion"]) == ("queued", None)
