"""The workflow's command checks through the check service: queued in stage 1, run as jobs in stage 2 (the
delivery waits for them after its lane phase), required by `can-be-merged`, cancelled by a newer push."""

import uuid
from typing import Any

from webhook_server.tests.pr_workflow.conftest import AUTHOR, EnvFactory


async def test_custom_check_runs_and_counts_for_can_be_merged(make_env: EnvFactory) -> None:
    env = await make_env({"custom-check-runs": [{"name": "lint", "command": "test -f a.py"}]})
    number = await env.open_pr()

    lint = env.check(number, "lint")
    assert (lint["status"], lint["conclusion"]) == ("completed", "success")

    def lint_completions() -> list[dict[str, Any]]:
        deliveries = env.fake.deliveries("check_run", action="completed", full_name=env.repo)
        return [delivery.payload for delivery in deliveries if delivery.payload["check_run"]["name"] == "lint"]

    completed = env.fake.wait_until(lint_completions)
    await env.deliver("check_run", completed[-1])
    assert "lint" not in env.check(number, "can-be-merged")["output"]["text"]


async def test_new_push_cancels_the_previous_heads_jobs(make_env: EnvFactory) -> None:
    slow_on_first_head = "grep -q 2 a.py || sleep 40"
    env = await make_env({"custom-check-runs": [{"name": "slow", "command": slow_on_first_head}]})
    env.fake.open_pr(env.repo, head="feature", title="feat: a", files={"a.py": "1\n"}, author=AUTHOR)
    first_head = env.head_sha(1)
    opened = str(uuid.uuid4())
    assert (
        await env.server.post("pull_request", env.latest_payload("pull_request", "opened"), opened)
    ).status_code == 200
    env.fake.wait_until(lambda: env.fake.check_runs(env.repo, first_head, "slow"))

    env.fake.push(env.repo, "feature", {"a.py": "2\n"}, author=AUTHOR)
    synchronize = str(uuid.uuid4())
    payload = env.latest_payload("pull_request", "synchronize")
    assert (await env.server.post("pull_request", payload, synchronize)).status_code == 200

    assert (await env.server.wait_finished(opened, timeout=30)).status == "succeeded"
    assert env.fake.check_runs(env.repo, first_head, "slow")[-1]["conclusion"] == "cancelled"
    assert (await env.server.wait_finished(synchronize, timeout=60)).status == "succeeded"
    assert env.check(1, "slow")["conclusion"] == "success"
