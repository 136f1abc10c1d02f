"""The cherry-pick PR (`release.md` §1.2 steps 0, 11–13): finding an existing one, opening it as the App,
its labels, assignee and review request, and the report comments."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import size_buckets
from webhook_server.libs.git.content import read_owners
from webhook_server.libs.release import cherry_pick_text as text
from webhook_server.libs.release.cherry_pick_record import CREATED, CherryPickRecord, read_record, write_record
from webhook_server.libs.release.cherry_pick_task import CherryPickTask
from webhook_server.libs.release.cherry_pick_text import PullDraft, TargetOutcome
from webhook_server.libs.release.repo_api import GithubErrors, RepositoryApi, rest
from webhook_server.libs.release.service import ReleaseService
from webhook_server.libs.rules.labels import AI_RESOLVED_CONFLICTS, resolve_label_color
from webhook_server.libs.rules.logins import same_login

LOGGER = logging.getLogger(__name__)


def existing_outcome(task: CherryPickTask, number: int, url: str) -> TargetOutcome:
    """The outcome when the cherry-pick PR already exists (nothing is created)."""
    return TargetOutcome(task.target, True, f"Cherry-pick PR #{number} already exists", url)


async def find_existing_pull(service: ReleaseService, api: RepositoryApi, task: CherryPickTask) -> TargetOutcome | None:
    """The recorded cherry-pick PR if it is open or merged, else one found by the fallback lookup."""
    record = await read_record(service.ledger, api.full_name, task.number, task.target)
    if record is not None and record.state == CREATED and record.pr_number is not None:
        pull = await api.pull(record.pr_number)
        if pull["state"] == "open" or pull.get("merged"):
            LOGGER.info("Cherry-pick of #%d to %s exists: #%d", task.number, task.target, record.pr_number)
            return existing_outcome(task, record.pr_number, pull["html_url"])
        return None
    if record is not None:
        return None
    prefix = text.branch_prefix(task.head_ref)
    for pull in await api.open_pulls(task.target):
        if pull["head"]["ref"].startswith(prefix) and task.html_url in (pull.get("body") or ""):
            found = CherryPickRecord(task.target, pull["head"]["ref"], CREATED, pr_number=pull["number"])
            await write_record(service.ledger, api.full_name, task.number, replace(found, pr_url=pull["html_url"]))
            LOGGER.info("Cherry-pick of #%d to %s found by lookup: #%d", task.number, task.target, pull["number"])
            return existing_outcome(task, pull["number"], pull["html_url"])
    return None


def draft_for(task: CherryPickTask, record: CherryPickRecord) -> PullDraft:
    """Base, head, title, body and labels of the new PR."""
    labels = [text.cherry_picked_from_label(task.source_branch)]
    if record.ai_resolved:
        labels.append(AI_RESOLVED_CONFLICTS)
    return PullDraft(
        base=task.target,
        head=record.branch,
        title=text.pull_title(task.target, task.title),
        body=text.pull_body(task.source_branch, task.html_url, task.author),
        labels=tuple(labels),
    )


class PullOpener:
    """Opens the cherry-pick PR for a pushed branch and reports it."""

    def __init__(
        self, service: ReleaseService, api: RepositoryApi, config: RepositoryConfig, task: CherryPickTask
    ) -> None:
        self.service = service
        self.api = api
        self.config = config
        self.task = task

    async def open(self, record: CherryPickRecord, git_output: str) -> TargetOutcome:
        """Create the PR as the App, record it, decorate it and report it on the original PR."""
        draft = draft_for(self.task, record)
        body = {"title": draft.title, "body": draft.body, "head": draft.head, "base": draft.base}
        try:
            created = await rest(await self.api.app_github(), "POST", f"/repos/{self.api.full_name}/pulls", body)
        except GithubErrors as error:
            LOGGER.error("Could not open the cherry-pick PR for %s: %s", draft.head, error)
            await self.api.comment(self.task.number, text.open_by_hand(draft, str(error)))
            result = "Branch pushed, but the PR could not be opened"
            return TargetOutcome(self.task.target, False, result, None, git_output)
        number, url = created["number"], created["html_url"]
        record = replace(record, state=CREATED, pr_number=number, pr_url=url)
        await write_record(self.service.ledger, self.api.full_name, self.task.number, record)
        await self._decorate(number, draft)
        await self._report(record, url)
        return TargetOutcome(self.task.target, True, f"Created cherry-pick PR #{number}", url, git_output)

    async def _decorate(self, number: int, draft: PullDraft) -> None:
        await self._add_labels(number, draft.labels)
        if self.config.cherry_pick_assign_to_pr_author:
            await self._assign(number)
        try:
            await rest(
                self.api.github,
                "POST",
                f"/repos/{self.api.full_name}/pulls/{number}/requested_reviewers",
                {"reviewers": [self.task.author]},
            )
        except GithubErrors as error:
            LOGGER.warning("Could not request a review from %s on #%d: %s", self.task.author, number, error)

    async def _add_labels(self, number: int, labels: tuple[str, ...]) -> None:
        try:
            for label in labels:
                color = resolve_label_color(label, self.config.labels.colors, size_buckets(self.config))
                await self.service.label_cache.ensure(self.api.github, self.api.full_name, label, color)
            url = f"/repos/{self.api.full_name}/issues/{number}/labels"
            await rest(self.api.github, "POST", url, {"labels": list(labels)})
        except GithubErrors as error:
            LOGGER.warning("Could not label cherry-pick PR #%d: %s", number, error)
            names = ", ".join(f"`{label}`" for label in labels)
            await self.api.comment(self.task.number, f"Could not add the labels {names} to cherry-pick PR #{number}.")

    async def _assign(self, number: int) -> None:
        """The original author; the first root approver when GitHub does not take the author."""
        if await self._assigned(number, self.task.author):
            return
        mirror = self.service.mirrors.mirror(self.api.full_name)
        owners = await read_owners(mirror, await mirror.resolve(f"refs/heads/{self.task.target}"))
        root = owners.files.get(".")
        if root is not None and root.approvers and await self._assigned(number, root.approvers[0]):
            return
        LOGGER.warning("Could not assign cherry-pick PR #%d", number)

    async def _assigned(self, number: int, login: str) -> bool:
        url = f"/repos/{self.api.full_name}/issues/{number}/assignees"
        try:
            data: dict[str, Any] = await rest(self.api.github, "POST", url, {"assignees": [login]})
        except GithubErrors as error:
            LOGGER.warning("Could not assign %s to #%d: %s", login, number, error)
            return False
        return any(same_login(item["login"], login) for item in data.get("assignees") or [])

    async def _report(self, record: CherryPickRecord, url: str) -> None:
        await self.api.comment(self.task.number, text.report(self.task.target, url, record.ai_model, self.task.author))
        if record.ai_model is not None and record.pr_number is not None:
            await self.api.comment(record.pr_number, text.ai_warning(record.ai_model))
