"""`LabelService`: adds and removes a PR's labels (`pr-workflow.md` §2.3) — category and length checks,
the repository label created with its colour when missing (one created meanwhile by someone else counts as
created, in that colour), no polling, and a local copy of the PR's labels."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from github import Github, GithubException

from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import label_categories, size_buckets
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.labels import create_label
from webhook_server.libs.rules.label_changes import LabelDiff
from webhook_server.libs.rules.labels import LabelAddVerdict, check_label_to_add, resolve_label_color

if TYPE_CHECKING:
    from webhook_server.libs.context.github_webhook import GithubWebhook

LOGGER = logging.getLogger(__name__)

REPOSITORY_LABELS_EXTENSION = "repository_labels"
_STALE_CACHE_STATUSES = frozenset({404, 422})


class RepositoryLabelCache:
    """Label names per repository, listed once and refreshed when GitHub says the cache was wrong."""

    def __init__(self) -> None:
        self._names: dict[str, set[str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def ensure(self, github: Github, full_name: str, name: str, color: str) -> None:
        """Make sure the repository has label `name`, creating it with `color` when missing."""
        lock = self._locks.setdefault(full_name, asyncio.Lock())
        async with lock:
            names = self._names.get(full_name)
            if names is None:
                names = self._names[full_name] = await _list_repository_labels(github, full_name)
            if name in names:
                return
            if not await create_label(github, full_name, name, color):
                LOGGER.info("Label %s existed already (created meanwhile); colour #%s", name, color)
            names.add(name)

    def forget(self, full_name: str) -> None:
        """Drop the cached names of a repository (after a 404/422 that shows they were stale)."""
        self._names.pop(full_name, None)


async def _request(github: Github, verb: str, url: str, body: Any = None) -> Any:
    _, data = await github_api_call(github.requester.requestJsonAndCheck, verb, url, input=body)
    return data


async def _list_repository_labels(github: Github, full_name: str) -> set[str]:
    names: set[str] = set()
    page = 1
    while True:
        batch = await _request(github, "GET", f"/repos/{full_name}/labels?per_page=100&page={page}")
        names.update(label["name"] for label in batch)
        if len(batch) < 100:
            return names
        page += 1


def repository_label_cache(webhook: GithubWebhook) -> RepositoryLabelCache:
    """The server-wide label-name cache, kept in the services' extensions."""
    cache: RepositoryLabelCache = webhook.services.extensions.setdefault(
        REPOSITORY_LABELS_EXTENSION, RepositoryLabelCache()
    )
    return cache


_SERVICES: weakref.WeakKeyDictionary[GithubWebhook, LabelService] = weakref.WeakKeyDictionary()


class LabelService:
    """The labels of one PR for one unit of work, kept in sync locally after each change."""

    def __init__(
        self,
        webhook: GithubWebhook,
        number: int,
        labels: Iterable[str] | None = None,
        config: RepositoryConfig | None = None,
    ) -> None:
        self._webhook = webhook
        self._github = webhook.github
        self._full_name = webhook.repo_context.full_name
        self._number = number
        self._config = config or webhook.repo_config
        self._labels: set[str] | None = None if labels is None else set(labels)
        self._cache = repository_label_cache(webhook)

    @classmethod
    def of(cls, webhook: GithubWebhook) -> LabelService:
        """The delivery's service for its PR (created once per delivery, seeded from the fetched PR)."""
        service = _SERVICES.get(webhook)
        if service is None:
            assert webhook.pull_request is not None, "LabelService.of needs a delivery with a resolved PR"
            service = cls(webhook, webhook.pull_request.number)
            _SERVICES[webhook] = service
        return service

    @classmethod
    def reset(cls, webhook: GithubWebhook, labels: Iterable[str]) -> LabelService:
        """Start a new unit of work (for example a merge evaluation) from freshly read labels."""
        assert webhook.pull_request is not None, "LabelService.reset needs a delivery with a resolved PR"
        service = cls(webhook, webhook.pull_request.number, labels)
        _SERVICES[webhook] = service
        return service

    @property
    def number(self) -> int:
        return self._number

    async def current(self) -> frozenset[str]:
        """The PR's labels: read once, then updated locally by `add`/`remove`."""
        if self._labels is None:
            pull = self._webhook.pull_request
            if pull is not None and pull.number == self._number:
                self._labels = await github_api_call(lambda: {label.name for label in pull.labels})
            else:
                data = await _request(self._github, "GET", f"{self._issue_path}/labels?per_page=100")
                self._labels = {item["name"] for item in data}
        return frozenset(self._labels)

    def has(self, label: str) -> bool:
        """Whether the label is on the PR (after `current()` was awaited once)."""
        return self._labels is not None and label in self._labels

    @property
    def _issue_path(self) -> str:
        return f"/repos/{self._full_name}/issues/{self._number}"

    async def add(self, label: str) -> bool:
        """Add a label if allowed and absent; True when it was written."""
        verdict, name = check_label_to_add(label, label_categories(self._config))
        if verdict is LabelAddVerdict.TOO_LONG:
            LOGGER.warning("Label %r is longer than 50 characters; not added", name)
            return False
        if verdict is not LabelAddVerdict.ADD:
            LOGGER.debug("Label %r not added: %s", name, verdict.value)
            return False
        if name in await self.current():
            return False
        color = resolve_label_color(name, self._config.labels.colors, size_buckets(self._config))
        await self._cache.ensure(self._github, self._full_name, name, color)
        try:
            await _request(self._github, "POST", f"{self._issue_path}/labels", {"labels": [name]})
        except GithubException as error:
            if error.status not in _STALE_CACHE_STATUSES:
                raise
            self._cache.forget(self._full_name)
            await self._cache.ensure(self._github, self._full_name, name, color)
            await _request(self._github, "POST", f"{self._issue_path}/labels", {"labels": [name]})
        assert self._labels is not None
        self._labels.add(name)
        LOGGER.info("Added label %s", name)
        return True

    async def remove(self, label: str) -> bool:
        """Remove a label if present (a 404 counts as removed); True when a removal was sent."""
        if label not in await self.current():
            return False
        try:
            await _request(self._github, "DELETE", f"{self._issue_path}/labels/{quote(label, safe='')}")
        except GithubException as error:
            if error.status != 404:
                raise
        assert self._labels is not None
        self._labels.discard(label)
        LOGGER.info("Removed label %s", label)
        return True

    async def apply(self, diff: LabelDiff) -> None:
        """Removals first, then additions, one request each."""
        for label in diff.to_remove:
            await self.remove(label)
        for label in diff.to_add:
            await self.add(label)
