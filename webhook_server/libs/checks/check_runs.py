"""Check-run writes for jobs: one run per (repository, head SHA, name), updated in place (`checks.md` §2).

Every write goes through the repository's GitHub App. The run id lives in the ledger's `check_runs` table;
when the ledger lost it, our App's runs of the SHA are listed (once per SHA and process, for every name at
once) and the newest one per name is adopted. A run is created only when none exists, or when GitHub
refuses to update it. A write identical to the last one this process made to the run is not sent again.
A write that still fails after `github_api_call`'s retries is logged at ERROR and reported to the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

import requests
from github import Github, GithubException

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.rules.checks import CheckOutput, CheckResult, CheckStatus

LOGGER = logging.getLogger(__name__)

CheckRunWriteError = (GithubException, requests.RequestException)
REMEMBERED = 2048  # SHAs listed / runs written, kept per process (oldest forgotten first)
RunKey = tuple[str, str, str]  # repository, head SHA, name


def check_run_body(
    name: str, head_sha: str, status: CheckStatus, output: CheckOutput, conclusion: str | None
) -> dict[str, Any]:
    """The REST body of a create or update: name, SHA, status, output and (when completed) conclusion."""
    body: dict[str, Any] = {
        "name": name,
        "head_sha": head_sha,
        "status": status.value,
        "output": {"title": output.title, "summary": output.summary, "text": output.text},
    }
    if conclusion is not None:
        body["conclusion"] = conclusion
    return body


class CheckRuns:
    """Writes the check runs our App owns."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._listings: OrderedDict[tuple[str, str], asyncio.Future[dict[str, int]]] = OrderedDict()
        self._last_written: OrderedDict[RunKey, dict[str, Any]] = OrderedDict()
        self._written_at: OrderedDict[RunKey, float] = OrderedDict()

    def written_at(self, full_name: str, head_sha: str, name: str) -> float | None:
        """When this process last changed the run (event-loop time), or None."""
        return self._written_at.get((full_name, head_sha, name))

    async def queue(self, repo: RepositoryContext, head_sha: str, name: str, output: CheckOutput) -> bool:
        """Set the run to `queued`; returns whether the write succeeded."""
        return await self._write(repo, check_run_body(name, head_sha, CheckStatus.QUEUED, output, None))

    async def start(self, repo: RepositoryContext, head_sha: str, name: str, output: CheckOutput) -> bool:
        """Set the run to `in_progress`; returns whether the write succeeded."""
        return await self._write(repo, check_run_body(name, head_sha, CheckStatus.IN_PROGRESS, output, None))

    async def complete(self, repo: RepositoryContext, head_sha: str, name: str, result: CheckResult) -> bool:
        """Complete the run with `result`; returns whether the write succeeded."""
        body = check_run_body(name, head_sha, CheckStatus.COMPLETED, result.output, result.conclusion.value)
        return await self._write(repo, body)

    def forget_written(self, full_name: str, head_sha: str, name: str) -> None:
        """GitHub shows something else than this process last wrote (changed behind its back): the next
        write of the run goes out even when its body equals the remembered one."""
        self._last_written.pop((full_name, head_sha, name), None)

    async def _write(self, repo: RepositoryContext, body: dict[str, Any]) -> bool:
        try:
            await self._write_or_raise(repo, body)
        except CheckRunWriteError as error:
            LOGGER.error(
                "Could not write check run %s (%s) for %s: %s", body["name"], body["status"], body["head_sha"], error
            )
            return False
        return True

    async def _write_or_raise(self, repo: RepositoryContext, body: dict[str, Any]) -> int | None:
        app = repo.app
        if app is None:
            raise RuntimeError(f"no GitHub App configured for {repo.full_name}: check runs need one")
        full_name = repo.full_name
        head_sha, name = body["head_sha"], body["name"]
        key = (full_name, head_sha, name)
        run_id = await self._ledger.check_run_get(full_name, head_sha, name)
        if run_id is not None and self._last_written.get(key) == body:
            return run_id  # GitHub already shows exactly this
        client = await app.client_for(full_name)
        if run_id is None:
            run_id = (await self._owned_runs(client, full_name, head_sha, app.app_id)).get(name)
        if run_id is not None and not await _update(client, full_name, run_id, body):
            run_id = None
        if run_id is None:
            _, created = await github_api_call(
                client.requester.requestJsonAndCheck, "POST", f"/repos/{full_name}/check-runs", input=body
            )
            run_id = int(created["id"])
        await self._ledger.check_run_put(full_name, head_sha, name, run_id)
        _remember(self._last_written, key, body)
        _remember(self._written_at, key, asyncio.get_running_loop().time())
        return run_id

    async def _owned_runs(self, client: Github, full_name: str, head_sha: str, app_id: int) -> dict[str, int]:
        """Our App's newest run per name on the SHA, listed once per process: runs made later are in the ledger."""
        key = (full_name, head_sha)
        listing = self._listings.get(key)
        if listing is None:
            listing = asyncio.get_running_loop().create_future()
            _remember(self._listings, key, listing)
            try:
                listing.set_result(await _owned_runs_of_sha(client, full_name, head_sha, app_id))
            except BaseException:
                self._listings.pop(key, None)
                listing.cancel()  # writers waiting for it list again themselves
                raise
        try:
            return dict(await asyncio.shield(listing))
        except asyncio.CancelledError:
            if not listing.cancelled():
                raise
            return await self._owned_runs(client, full_name, head_sha, app_id)


async def _update(client: Github, full_name: str, run_id: int, body: dict[str, Any]) -> bool:
    """PATCH the run; False when GitHub refuses to update it (then a new run is created)."""
    try:
        await github_api_call(
            client.requester.requestJsonAndCheck, "PATCH", f"/repos/{full_name}/check-runs/{run_id}", input=body
        )
    except GithubException as error:
        if error.status not in (403, 404, 422):
            raise
        LOGGER.debug("GitHub refused to update check run %d (%s); creating a new one", run_id, error.status)
        return False
    return True


def _remember(memory: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > REMEMBERED:
        memory.popitem(last=False)


async def _owned_runs_of_sha(client: Github, full_name: str, head_sha: str, app_id: int) -> dict[str, int]:
    """The newest run per name on `head_sha` created by our App (every page)."""
    newest: dict[str, int] = {}
    page = 1
    while True:
        _, listing = await github_api_call(
            client.requester.requestJsonAndCheck,
            "GET",
            f"/repos/{full_name}/commits/{head_sha}/check-runs",
            parameters={"app_id": app_id, "filter": "all", "per_page": 100, "page": page},
        )
        runs = listing["check_runs"]
        for run in runs:
            if run["app"]["id"] == app_id:
                newest[run["name"]] = max(newest.get(run["name"], 0), int(run["id"]))
        if len(runs) < 100:
            return newest
        page += 1
