"""PyGithub clients built from `github-api-url`: one per token pool, PyGithub's own retry and sleeps off."""

import asyncio
import logging
import time

from github import Auth, Github, GithubException

from webhook_server.libs.github.api_call import github_api_call, register_pool
from webhook_server.libs.github.auth import PoolAuth
from webhook_server.libs.github.token_pool import TokenPool, TokenState

LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 15
PER_PAGE = 100
REPROBE_UNUSABLE_SECONDS = 600.0
LOW_QUOTA_WARNING = 700


def make_github(api_url: str, auth: Auth.Auth) -> Github:
    """A PyGithub client with no built-in retry and no fixed sleeps (pacing is ours)."""
    return Github(
        base_url=api_url,
        auth=auth,
        retry=None,
        timeout=REQUEST_TIMEOUT_SECONDS,
        per_page=PER_PAGE,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


class PooledClient:
    """One token pool and the client that authenticates with the delivery's chosen token."""

    def __init__(self, api_url: str, tokens: tuple[str, ...]) -> None:
        self.pool = TokenPool(tokens)
        register_pool(self.pool)
        self.github = make_github(api_url, PoolAuth(self.pool))
        # Objects built from a URL without fetching (e.g. the delivery's repository); same auth and session.
        self.lazy_github = self.github.withLazy(True)
        self._api_url = api_url

    async def probe(self, force: bool = False) -> None:
        """`GET /user` and `GET /rate_limit` per token (unusable ones again after 10 minutes)."""
        due = [
            state
            for state in self.pool.states
            if force
            or state.probed_at is None
            or (not state.usable and time.time() - state.probed_at > REPROBE_UNUSABLE_SECONDS)
        ]
        await asyncio.gather(*(self._probe_one(state) for state in due))

    async def _probe_one(self, state: TokenState) -> None:
        client = make_github(self._api_url, Auth.Token(state.token))

        def fetch_identity() -> tuple[str, int]:
            user = client.get_user()
            return user.login, user.id

        try:
            login, user_id = await github_api_call(fetch_identity)
            limits = await github_api_call(client.get_rate_limit)
        except GithubException as error:
            position = self.pool.states.index(state) + 1
            LOGGER.error("GitHub token #%d is unusable: %s %s", position, error.status, error.data)
            self.pool.apply_probe(state, login=None, user_id=None, limit=None)
            return
        core = limits.resources.core
        self.pool.apply_probe(state, login=login, user_id=user_id, limit=core.limit)
        state.remaining = core.remaining
        level = logging.WARNING if core.remaining < LOW_QUOTA_WARNING else logging.DEBUG
        LOGGER.log(level, "Rate limit of %s: %d of %d left, reset %s", login, core.remaining, core.limit, core.reset)
