"""`GithubWebhook`: the per-delivery context — early exits, repository and PR resolution, draft and
staleness rules. It says whether the delivery goes on; the runtime then hands it to the event's handler."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from github import Github
from github.PullRequest import PullRequest
from github.Repository import Repository

from webhook_server.libs.config import RepositoryConfig, ServerConfig, repository_config
from webhook_server.libs.context.config_early_exits import config_early_exit
from webhook_server.libs.context.early_exits import early_exit
from webhook_server.libs.context.pr_resolution import (
    PullRequestResolution,
    payload_pull_usable,
    resolve_pull_request,
    stale_sha,
)
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.auth import TOKEN_CHOICES, TokenChoices, choose_token
from webhook_server.libs.github.repository_context import LOCAL_CONFIG_PATH, LocalConfig, RepositoryContext
from webhook_server.libs.pipeline.delivery import Delivery, synthetic_pr_delivery
from webhook_server.libs.pipeline.dispatcher import current_turn
from webhook_server.libs.pipeline.services import ServerServices
from webhook_server.libs.rules.logins import contains_login
from webhook_server.libs.rules.payload_shape import malformed_field
from webhook_server.utils.context import DeliveryContext, StepHandle

LOGGER = logging.getLogger(__name__)

Followup = Callable[[], Awaitable[None]]
DEFERRED_EVENT = "deferred"  # the event name of a stand-in delivery (work outside any delivery)


class RepositoryNotFoundInConfigError(Exception):
    """The delivery's repository has no entry in config.yaml."""


class InvalidRepoConfigError(Exception):
    """The repository's `.github-webhook-server.yaml` is invalid (recorded on the `repo_config` step)."""


@dataclass(frozen=True)
class PipelineOutcome:
    """How the lane phase ended: `processed`, or the `skipped:*` reason."""

    outcome: str

    @property
    def skipped(self) -> bool:
        return self.outcome.startswith("skipped:")


PROCESSED = PipelineOutcome("processed")
MALFORMED = "skipped:malformed"


@dataclass(frozen=True)
class _PullFacts:
    number: int
    title: str
    author: str
    draft: bool
    head_sha: str


def _pull_facts(pull: PullRequest) -> _PullFacts:
    return _PullFacts(pull.number, pull.title, pull.user.login, pull.draft, pull.head.sha)


class GithubWebhook:
    """Everything one delivery's handlers need, resolved stage by stage."""

    def __init__(
        self, delivery: Delivery, config: ServerConfig, services: ServerServices, ctx: DeliveryContext
    ) -> None:
        self.delivery = delivery
        self.config = config
        self.services = services
        self.access = services.access
        self.ctx = ctx
        self.followups: list[Followup] = []
        self.event = delivery.event
        self.payload: dict[str, Any] = delivery.payload
        self.action: str | None = self.payload.get("action")
        self.repo_context: RepositoryContext
        self.repo_config: RepositoryConfig
        self.local_config: LocalConfig
        self.github: Github
        self.repository: Repository
        self.pull_request: PullRequest | None = None
        self.pull_fetched_in_turn: int | None = None  # the lane turn whose request fetched `pull_request`

    async def resolve(self, handler_name: str) -> PipelineOutcome:
        """Run the resolution stages in order; return why the delivery stops, or PROCESSED when
        `handler_name` (recorded on the routing step) should process it.

        A repository without a config entry is an expected stop, reported without a traceback (intake.md
        §6.3): the routing step fails with the error but no traceback (formatting one cost the event loop
        more than the rest of such a delivery), then `RepositoryNotFoundInConfigError` is raised."""
        async with self.ctx.step("webhook_routing", event_type=self.event) as step:
            try:
                return await self._route(step, handler_name)
            except RepositoryNotFoundInConfigError as error:
                step.failure = unconfigured = error
        raise unconfigured  # reached only through the except clause: `_route` returns otherwise

    async def _route(self, step: StepHandle, handler_name: str) -> PipelineOutcome:
        problem = malformed_field(self.event, self.payload)
        if problem is not None:
            step.data["skipped"], step.data["malformed"] = MALFORMED, problem
            LOGGER.warning("Skipping malformed %s delivery: field %s", self.event, problem)
            return PipelineOutcome(MALFORMED)
        reason = early_exit(self.event, self.payload)
        if reason is None:
            await self._resolve_repository()
            reason = config_early_exit(self.event, self.payload, self.repo_config)
        if reason is None:
            reason = await self._resolve_pull_request()
        if reason is not None:
            step.data["skipped"] = reason
            LOGGER.info("Skipping %s delivery: %s", self.event, reason)
            return PipelineOutcome(reason)
        step.data["handler"] = handler_name
        return PROCESSED

    async def resolve_repository(self) -> None:
        """Resolve the repository alone (config entry, token, repo-local layer); for requests outside deliveries."""
        await self._resolve_repository()

    async def _resolve_repository(self) -> None:
        entry = self.config.find_repository(self.delivery.repository_full_name)
        if entry is None:
            raise RepositoryNotFoundInConfigError("Repository not found in configuration")
        server_view = repository_config(self.config, entry)
        self.repo_context = self.access.repository(entry, server_view.github_tokens, server_view.github_app_id)
        pooled = self.repo_context.pooled
        TOKEN_CHOICES.set(TokenChoices())
        await pooled.probe()
        token = choose_token(pooled.pool)
        self.ctx.api_user = token.login or ""
        self.ctx.initial_rate_limit = token.remaining
        self.github = pooled.github
        self.repository = pooled.lazy_github.get_repo(entry.full_name)
        await self._load_local_config()
        self.repo_config = repository_config(self.config, entry, self.local_config.document)
        if self.repo_config.ignored_local_keys:
            LOGGER.warning("Keys not honoured in .github-webhook-server.yaml: %s", self.repo_config.ignored_local_keys)

    async def _load_local_config(self) -> None:
        """Step `repo_config`: an invalid file is ignored as a whole, logged, and fails the step (the
        delivery ends `partial`)."""
        async with self.ctx.step("repo_config") as step:
            self.local_config = await self.repo_context.load_local_config(reuse_last=self._echoes_own_write())
            errors = self.local_config.errors
            if errors:
                step.data["blob_sha"] = self.local_config.blob_sha
                LOGGER.error(
                    "Ignoring invalid %s of %s (blob %s); the server config applies:\n%s",
                    LOCAL_CONFIG_PATH,
                    self.repo_context.full_name,
                    self.local_config.blob_sha,
                    "\n".join(errors),
                )
                step.failure = InvalidRepoConfigError("\n".join(errors))

    async def _resolve_pull_request(self) -> str | None:
        if self.event == "push":
            return None
        if payload_pull_usable(self.event, self.payload):
            payload_pull = self.github.create_from_raw_data(PullRequest, self.payload["pull_request"])
            resolution = PullRequestResolution(payload_pull)
        else:
            resolution = await resolve_pull_request(self.repository, self.event, self.payload)
            self.pull_fetched_in_turn = current_turn()
        if resolution.stale:
            return "skipped:stale"
        pull = resolution.pull_request
        if pull is None:
            return "skipped:no-pr"
        self.pull_request = pull
        facts = await github_api_call(_pull_facts, pull)  # attribute reads stay off the event loop
        self.ctx.pr_number, self.ctx.pr_title, self.ctx.pr_author = facts.number, facts.title, facts.author
        if facts.draft and not self._processed_on_draft():
            return "skipped:draft"
        expected = stale_sha(self.event, self.payload)
        if expected is not None and not resolution.head_matched and expected != facts.head_sha:
            return "skipped:stale"
        return None

    async def resolve_pull(self, number: int) -> None:
        """For work outside any delivery (a deferred re-check): resolve the repository, then fetch PR `number`.

        No early exits and no draft or staleness rules: the caller decides from the fetched PR.
        """
        await self._resolve_repository()
        self.pull_request = await github_api_call(self.repository.get_pull, number)
        self.ctx.pr_number = number

    def _echoes_own_write(self) -> bool:
        """Whether the delivery reports a change the server made (sent by an API user or the App's bot)."""
        sender = str((self.payload.get("sender") or {}).get("login") or "")
        app = self.repo_context.app
        bot = app.known_bot_login if app is not None else None
        own = (*self.repo_context.pooled.pool.api_users, *([bot] if bot else []))
        return bool(sender) and contains_login(own, sender)

    def after_lane(self, followup: Followup) -> None:
        """Run `followup` after the lane phase, outside the lane and the worker slot (waiting for jobs,
        requesting merge evaluations); the delivery is finalised when every followup has ended."""
        self.followups.append(followup)

    @property
    def pr_lane_key(self) -> str:
        """The ordering key of this delivery's PR lane (`pr:<full name>#<number>`)."""
        assert self.pull_request is not None
        return f"pr:{self.delivery.repository_full_name}#{self.pull_request.number}"

    def _processed_on_draft(self) -> bool:
        return (self.event == "pull_request" and self.action == "closed") or self.event == "issue_comment"


def stand_in_webhook(
    config: ServerConfig, services: ServerServices, repository_full_name: str, number: int, work_id: str
) -> GithubWebhook:
    """A `GithubWebhook` for work outside any delivery on PR `number`; call `resolve_pull(number)` next.

    Its context (hook id `work_id`, event `deferred`) records steps and tags log lines; no summary is written.
    """
    ctx = DeliveryContext(
        hook_id=work_id,
        event_type=DEFERRED_EVENT,
        repository=repository_full_name.split("/", 1)[1],
        repository_full_name=repository_full_name,
        pr_number=number,
    )
    return GithubWebhook(stand_in_delivery(repository_full_name, number, work_id), config, services, ctx)


def stand_in_delivery(repository_full_name: str, number: int, work_id: str) -> Delivery:
    """The delivery-shaped input of work that belongs to no delivery: the repository and PR number only."""
    payload = {
        "repository": {"full_name": repository_full_name, "name": repository_full_name.split("/", 1)[1]},
        "pull_request": {"number": number},
    }
    return synthetic_pr_delivery(work_id, DEFERRED_EVENT, None, repository_full_name, number, payload=payload)
