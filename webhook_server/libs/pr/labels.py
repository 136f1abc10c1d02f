"""`LabelService`: adds and removes a PR's labels (`pr-workflow.md` §2.3) — category and length checks,
the repository label created with its colour when missing (one created meanwhile by someone else counts as
created, in that colour), no polling, and a local copy of the PR's labels."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict
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
OWN_LABEL_CHANGES_EXTENSION = "own_label_changes"
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


class OwnLabelChanges:
    """When this process last added or removed a label on a PR (event-loop time), so that the `labeled` /
    `unlabeled` event GitHub sends back for it can be recognised as already handled."""

    REMEMBERED = 4096

    def __init__(self) -> None:
        self._changes: OrderedDict[tuple[str, int, str, str], float] = OrderedDict()

    def record(self, full_name: str, number: int, label: str, action: str) -> None:
        key = (full_name, number, label, action)
        self._changes[key] = asyncio.get_running_loop().time()
        self._changes.move_to_end(key)
        while len(self._changes) > self.REMEMBERED:
            self._changes.popitem(last=False)

    def changed_at(self, full_name: str, number: int, label: str, action: str) -> float | None:
        """When this process made that change (`action` is `labeled` or `unlabeled`), or None."""
        return self._changes.get((full_name, number, label, action))


def own_label_changes(webhook: GithubWebhook) -> OwnLabelChanges:
    """The server-wide record of label changes this process made."""
    changes: OwnLabelChanges = webhook.services.extensions.setdefault(OWN_LABEL_CHANGES_EXTENSION, OwnLabelChanges())
    return changes


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
        self._own_changes = own_label_changes(webhook)

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
        return bool(await self.add_all((label,)))

    def _allowed(self, label: str) -> str | None:
        verdict, name = check_label_to_add(label, label_categories(self._config))
        if verdict is LabelAddVerdict.TOO_LONG:
            LOGGER.warning("Label %r is longer than 50 characters; not added", name)
            return None
        if verdict is not LabelAddVerdict.ADD:
            LOGGER.debug("Label %r not added: %s", name, verdict.value)
            return None
        return name

    async def add_all(self, labels: Iterable[str]) -> tuple[str, ...]:
        """Add every allowed, absent label in one request (each missing repository label created first);
        returns the labels written."""
        current = await self.current()
        allowed = (self._allowed(label) for label in labels)
        names = tuple(dict.fromkeys(name for name in allowed if name is not None and name not in current))
        if not names:
            return ()
        await self._ensure_repository_labels(names)
        try:
            await _request(self._github, "POST", f"{self._issue_path}/labels", {"labels": list(names)})
        except GithubException as error:
            if error.status not in _STALE_CACHE_STATUSES:
                raise
            self._cache.forget(self._full_name)
            await self._ensure_repository_labels(names)
            await _request(self._github, "POST", f"{self._issue_path}/labels", {"labels": list(names)})
        assert self._labels is not None
        self._labels.update(names)
        for name in names:
            self._own_changes.record(self._full_name, self._number, name, "labeled")
        LOGGER.info("Added label%s %s", "s" if len(names) > 1 else "", ", ".join(names))
        return names

    async def _ensure_repository_labels(self, names: Iterable[str]) -> None:
        for name in names:
            color = resolve_label_color(name, self._config.labels.colors, size_buckets(self._config))
            await self._cache.ensure(self._github, self._full_name, name, color)

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
        self._own_changes.record(self._full_name, self._number, label, "unlabeled")
        LOGGER.info("Removed label %s", label)
        return True

    async def apply(self, diff: LabelDiff) -> None:
        """Removals first (one request each), then every addition in one request."""
        for label in diff.to_remove:
            await self.remove(label)
        await self.add_all(diff.to_add)
