"""Drift reconciliation: for each managed repository, list open PRs and, in each PR's lane (after the
deliveries already queued for it), bring its derived state in line with GitHub (`pull_state`).

A PR is resolved like a delivery's PR (a synthetic `pull_request` delivery that never enters the ledger),
so the usual rules apply: drafts are skipped, the repository's local config is honoured.
"""

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from webhook_server.libs.autoheal.pull_state import reconcile_can_be_merged, reconcile_check_runs, reconcile_labels
from webhook_server.libs.bootstrap.model import ActiveJobCheck, RerunCheck
from webhook_server.libs.config import RepositoryEntry, ServerConfig, repository_config
from webhook_server.libs.context.github_webhook import GithubWebhook
from webhook_server.libs.github.auth import TOKEN_CHOICES, TokenChoices
from webhook_server.libs.github.pages import get_all_pages
from webhook_server.libs.pipeline.delivery import Delivery, synthetic_pr_delivery
from webhook_server.libs.pipeline.services import ServerServices
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.pr.snapshot import pull_snapshot
from webhook_server.utils.context import DeliveryContext
from webhook_server.utils.metrics import DRIFT_CORRECTIONS_TOTAL

LOGGER = logging.getLogger(__name__)

RECONCILE_EVENT = "pull_request"
RECONCILE_ACTION = "edited"  # a handled PR action bound to no SHA: resolution fetches the PR by number
RECONCILE_HANDLER = "reconcile"


def reconcile_delivery(full_name: str, pull: dict[str, Any]) -> Delivery:
    """A synthetic delivery naming one open PR (never recorded in the ledger)."""
    payload = {
        "action": RECONCILE_ACTION,
        "number": pull["number"],
        "pull_request": pull,
        "repository": {"full_name": full_name, "name": full_name.rsplit("/", 1)[-1]},
    }
    delivery_id = f"reconcile-{uuid.uuid4().hex}"
    return synthetic_pr_delivery(
        delivery_id, RECONCILE_EVENT, RECONCILE_ACTION, full_name, pull["number"], payload=payload
    )


class Reconciler:
    """Reconciles every open PR of the configured repositories; counts the PRs it corrected."""

    def __init__(
        self,
        config: Callable[[], ServerConfig],
        services: ServerServices,
        rerun_check: RerunCheck,
        active_job: ActiveJobCheck,
    ) -> None:
        self._config = config
        self.services = services
        self.rerun_check = rerun_check
        self.active_job = active_job

    async def reconcile_all(self) -> int:
        """Every configured repository (one failing does not stop the others); returns PRs corrected."""
        corrected = 0
        for entry in self._config().repositories():
            try:
                corrected += await self.reconcile_repository(entry)
            except Exception:  # isolation boundary: one repository never stops the others
                LOGGER.exception("%s: drift reconciliation failed", entry.full_name)
        return corrected

    async def reconcile_repository(self, entry: RepositoryEntry) -> int:
        config = self._config()
        view = repository_config(config, entry)
        context = self.services.access.repository(entry, view.github_tokens, view.github_app_id)
        TOKEN_CHOICES.set(TokenChoices())
        await context.pooled.probe()
        url = f"/repos/{entry.full_name}/pulls"
        pulls = await get_all_pages(context.pooled.github, url, {"state": "open"})
        corrected = 0
        for pull in pulls:
            delivery = reconcile_delivery(entry.full_name, pull)
            if await self.services.dispatcher.run_in_lane(
                delivery.ordering_key, functools.partial(self._pull, delivery)
            ):
                corrected += 1
        if corrected:
            LOGGER.info("%s: drift corrected on %d of %d open pull requests", entry.full_name, corrected, len(pulls))
        else:
            LOGGER.debug("%s: no drift on %d open pull requests", entry.full_name, len(pulls))
        return corrected

    async def _pull(self, delivery: Delivery) -> bool:
        """One PR; a failure is logged and the next PR goes on. True when anything was written."""
        try:
            return await self._reconcile_pull(delivery)
        except Exception:  # isolation boundary: one PR never stops the others
            LOGGER.exception("%s: reconciling %s failed", delivery.repository_full_name, delivery.ordering_key)
            return False

    async def _reconcile_pull(self, delivery: Delivery) -> bool:
        """Each part isolated; a PR merged or closed since it was listed is left alone."""
        full_name = delivery.repository_full_name
        ctx = DeliveryContext(
            hook_id=delivery.delivery_id,
            event_type=delivery.event,
            repository=full_name.rsplit("/", 1)[-1],
            repository_full_name=full_name,
            action=delivery.action,
        )
        webhook = GithubWebhook(delivery, self._config(), self.services, ctx)
        if (await webhook.resolve(RECONCILE_HANDLER)).skipped:
            return False
        pull = await pull_snapshot(webhook)
        if pull.merged or pull.state != "open":
            return False
        labels = LabelService.reset(webhook, pull.labels)
        wrote = False
        parts: dict[str, Callable[[], Awaitable[bool]]] = {
            "labels": lambda: reconcile_labels(webhook, pull, labels),
            "can-be-merged": lambda: reconcile_can_be_merged(webhook, pull, labels),
            "check runs": lambda: reconcile_check_runs(webhook, pull, self.rerun_check, self.active_job),
        }
        for name, part in parts.items():
            try:
                wrote = await part() or wrote
            except Exception:  # isolation boundary: one part never stops the others
                LOGGER.exception("%s#%d: reconciling %s failed", full_name, pull.number, name)
        if wrote:
            DRIFT_CORRECTIONS_TOTAL.inc()
            LOGGER.info("%s#%d: corrected drift", full_name, pull.number)
        return wrote
