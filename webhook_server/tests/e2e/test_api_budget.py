"""The GitHub API budget of one PR's life (issue 21): opened → synchronize → /lgtm → approving review →
/verified → merged against the fake GitHub, every follow-up delivery the server's own writes cause included.

Each step's calls (the action's delivery plus its follow-ups) are pinned: a change that adds a call fails
here, so the budget cannot grow silently. Where the count depends on timing, the budget is the larger of
the two outcomes:
- whether the `labeled` echo of a label the server just added is already queued when the command's merge
  evaluation is requested;
- opened and synchronize: two `check_run.completed` deliveries share one merge evaluation, which re-reads
  the PR (one GET more) when the other delivery's lane turn ran between the PR read and the evaluation
  (seen once under a loaded CI run: synchronize 15).
Lower a budget when a change saves calls.
"""

from __future__ import annotations

from webhook_server.tests.e2e.conftest import GithubBackedServers
from webhook_server.tests.e2e.harness import WEBHOOK_SECRET
from webhook_server.tests.e2e.pr_scenario import APPROVER, REVIEWER, StepResult, prepare_repository, run_scenario
from webhook_server.tests.fake_github.api import FakeGitHub

REPO = "budget-org/service"
BOT = "budget-bot"

# Issue 21's targets: opened <= 25, synchronize <= 15, /lgtm, review and /verified <= 10 each, merged <= 5.
STEP_BUDGETS = {"opened": 25, "synchronize": 15, "lgtm": 8, "review": 6, "verified": 10, "merged": 4}


def _report(results: list[StepResult]) -> str:
    lines = []
    for result in results:
        lines.append(f"{result.name}: {result.step_calls} calls")
        for delivery in (result.main, *result.followups):
            lines.extend(f"  {delivery.event}.{delivery.action}: {call}" for call in delivery.described())
    return "\n".join(lines)


def test_each_step_of_a_pr_life_stays_within_its_api_budget(
    fake_github: FakeGitHub, github_servers: GithubBackedServers
) -> None:
    token = fake_github.create_token(BOT)
    prepare_repository(fake_github, REPO, BOT)
    server = github_servers.start({"service": {"name": REPO, "minimum-lgtm": 1}}, [token], log_level="INFO")
    fake_github.register_hook(REPO, f"{server.base_url}/webhook_server", secret=WEBHOOK_SECRET, events=["*"])
    fake_github.clear_request_log()

    results = run_scenario(fake_github, server.data_dir, REPO)

    pull = fake_github.pull(REPO, 1)
    assert pull["merged"] is True
    labels = {label["name"] for label in pull["labels"]}
    assert {f"lgtm-{REVIEWER}", f"lgtm-{APPROVER}", "verified", "branch-main"} <= labels
    check_runs = fake_github.check_run_conclusions(REPO, pull["head"]["sha"])
    assert check_runs["verified"] == "success"
    assert check_runs["can-be-merged"] == "failure", "no approved-* label: the approver reviewed without /approve"
    spent = {result.name: result.step_calls for result in results}
    over = {name: calls for name, calls in spent.items() if calls > STEP_BUDGETS[name]}
    assert not over, f"over budget {over} (budgets {STEP_BUDGETS}):\n{_report(results)}"
