"""Phase 7: recover check runs of our App left `queued`/`in_progress` on open PRs' heads (`bootstrap.md` §6).

Command and inline checks are set back to `queued` and run again through `rerun_check` (the job system,
like `/retest` without permission checks); `can-be-merged` goes through the same callback, which turns
it into a merge evaluation. `verified` waits in `queued` by design. An interrupted `CherryPicked` run
is completed as failed with a hint to retry.
"""

import logging
from dataclasses import dataclass

from webhook_server.libs.bootstrap.model import ActiveJobCheck, RepositoryTarget, RerunCheck
from webhook_server.libs.bootstrap.rest import Json, rest_write
from webhook_server.libs.github.app import GithubApp
from webhook_server.libs.github.pages import get_all_pages
from webhook_server.libs.rules.checks import CHERRY_PICKED, VERIFIED, CheckConclusion, CheckStatus
from webhook_server.libs.rules.labels import CHERRY_PICK_PREFIX

LOGGER = logging.getLogger(__name__)

UNFINISHED = (CheckStatus.QUEUED.value, CheckStatus.IN_PROGRESS.value)


@dataclass(frozen=True)
class OpenPull:
    """An open PR as the open-PR list gives it."""

    number: int
    head_sha: str
    labels: tuple[str, ...]


def cherry_pick_interrupted_output(labels: tuple[str, ...]) -> Json:
    """The output of a `CherryPicked` run completed because a restart interrupted it."""
    branches = [label.removeprefix(CHERRY_PICK_PREFIX) for label in labels if label.startswith(CHERRY_PICK_PREFIX)]
    commands = ", ".join(f"`/cherry-pick-retry {branch}`" for branch in branches) or "`/cherry-pick-retry <branch>`"
    return {
        "title": "Cherry-pick interrupted",
        "summary": f"The cherry-pick was interrupted by a server restart. Use {commands} to run it again.",
    }


@dataclass(frozen=True)
class CheckRecovery:
    """Recovers the check runs of one repository."""

    target: RepositoryTarget
    app: GithubApp
    rerun_check: RerunCheck | None
    active_job: ActiveJobCheck | None

    async def open_pulls(self) -> list[OpenPull]:
        url = f"/repos/{self.target.full_name}/pulls"
        pulls = await get_all_pages(self.target.github, url, {"state": "open"})
        return [
            OpenPull(pull["number"], pull["head"]["sha"], tuple(label["name"] for label in pull["labels"]))
            for pull in pulls
        ]

    async def unfinished_runs(self, head_sha: str) -> list[Json]:
        url = f"/repos/{self.target.full_name}/commits/{head_sha}/check-runs"
        runs = await get_all_pages(self.target.github, url, {"app_id": self.app.app_id}, item_key="check_runs")
        return [run for run in runs if run["status"] in UNFINISHED]

    async def recover_pull(self, pull: OpenPull) -> None:
        for run in await self.unfinished_runs(pull.head_sha):
            await self.recover_run(pull, run)

    async def recover_run(self, pull: OpenPull, run: Json) -> None:
        name: str = run["name"]
        if name == VERIFIED:
            return
        if self.active_job is not None and await self.active_job(
            self.target.full_name, pull.number, pull.head_sha, name
        ):
            return
        run_url = f"/repos/{self.target.full_name}/check-runs/{run['id']}"
        if name == CHERRY_PICKED:
            body = {
                "status": CheckStatus.COMPLETED.value,
                "conclusion": CheckConclusion.FAILURE.value,
                "output": cherry_pick_interrupted_output(pull.labels),
            }
            await self._update_run(run_url, body)
            LOGGER.info("%s#%d: completed the interrupted %s run", self.target.full_name, pull.number, name)
            return
        if run["status"] == CheckStatus.IN_PROGRESS.value:
            await self._update_run(run_url, {"status": CheckStatus.QUEUED.value})
        LOGGER.info("%s#%d: re-queued the unfinished %s run", self.target.full_name, pull.number, name)
        if self.rerun_check is not None:
            await self.rerun_check(self.target.full_name, pull.number, pull.head_sha, name)

    async def _update_run(self, url: str, body: Json) -> None:
        """Check runs are written as the App (its installation token is only fetched when needed)."""
        client = await self.app.client_for(self.target.full_name)
        await rest_write(client, "PATCH", url, body)

    async def run(self) -> None:
        """Every open PR; a failure on one PR is a WARNING and the others continue."""
        for pull in await self.open_pulls():
            try:
                await self.recover_pull(pull)
            except Exception:
                LOGGER.warning("%s#%d: recovering check runs failed", self.target.full_name, pull.number, exc_info=True)
