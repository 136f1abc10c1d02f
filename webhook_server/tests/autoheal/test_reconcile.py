"""Drift reconciliation: an open PR the server never heard of, and labels, a review and a check run changed
behind its back, are brought in line on the next round; a round over an unchanged PR writes nothing."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from webhook_server.tests.autoheal.conftest import AUTHOR, REPO, HealEnv, quiet, until

RECONCILE_OFTEN = {"redeliver": False, "reconcile-interval-hours": 0.0005}  # a round every 1.8 s
LINT = {"custom-check-runs": [{"name": "lint", "command": "true"}]}


def writes_since(env: HealEnv, moment: float) -> list[str]:
    return [f"{call.method} {call.path}" for call in env.fake.calls(writes_only=True) if call.time > moment]


async def two_more_rounds(env: HealEnv) -> None:
    """Wait until a whole reconciliation round started and ended after now."""
    assert env.process is not None
    auto_heal = env.process_runtime().auto_heal
    target = auto_heal.reconciliations + 2
    await until(lambda: auto_heal.reconciliations >= target, what="two more reconciliation rounds")


async def test_reconcile_corrects_drift_and_an_unchanged_round_writes_nothing(
    make_heal_env: Callable[..., HealEnv],
) -> None:
    env = make_heal_env(RECONCILE_OFTEN, LINT)
    fake = env.fake
    env.start()
    with fake.webhooks_muted():  # a PR whose every delivery was lost
        number = fake.open_pr(REPO, head="feature", title="feat: a", files={"a.py": "a = 1\n"}, author=AUTHOR)
    head = env.head_sha(number)

    await until(lambda: {"size/XS", "branch-main"} <= env.labels(number), what="labels derived")
    await until(lambda: fake.check_run_conclusions(REPO, head).get("lint") == "success", what="missing lint run")
    await until(lambda: fake.check_run_conclusions(REPO, head).get("can-be-merged") == "failure", what="verdict")
    settled = await quiet(fake)
    await two_more_rounds(env)
    assert writes_since(env, settled) == []

    [gate] = fake.check_runs(REPO, head, "can-be-merged")
    installation = fake.installation_token(REPO)
    with fake.webhooks_muted():  # drift nobody reports
        fake.remove_label(REPO, number, "size/XS")
        fake.add_label(REPO, number, "needs-rebase")
        fake.review(REPO, number, author="bob", state="APPROVE")
        async with httpx.AsyncClient(base_url=fake.base_url) as client:
            response = await client.patch(
                f"/repos/{REPO}/check-runs/{gate['id']}",
                json={"status": "completed", "conclusion": "success"},
                headers={"Authorization": f"token {installation}"},
            )
        response.raise_for_status()
    drifted = time.time()

    await until(
        lambda: (
            {"size/XS", "branch-main", "lgtm-bob"} <= env.labels(number) and "needs-rebase" not in env.labels(number)
        ),
        what="labels corrected",
    )
    await until(lambda: fake.check_run_conclusions(REPO, head).get("can-be-merged") == "failure", what="gate fixed")
    corrections = writes_since(env, drifted)
    assert f"POST /repos/{REPO}/issues/{number}/labels" in corrections
    assert f"DELETE /repos/{REPO}/issues/{number}/labels/needs-rebase" in corrections
    settled = await quiet(fake)
    await two_more_rounds(env)
    assert writes_since(env, settled) == []
