"""GitHub App authentication: cached JWT, installation ids and installation tokens, bot login."""

import asyncio
import time
from dataclasses import dataclass

from github import Auth, Github, GithubIntegration, UnknownObjectException
from github.Requester import Requester

from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.github.clients import make_github
from webhook_server.utils.masking import SECRETS

JWT_LIFETIME_SECONDS = 9 * 60
JWT_BACKDATE_SECONDS = 60
JWT_RENEW_MARGIN_SECONDS = 60
INSTALLATION_TOKEN_RENEW_MARGIN_SECONDS = 5 * 60


class AppNotInstalledError(RuntimeError):
    """The App has no installation on the repository."""


class CachedJwtAuth(Auth.AppAuth):
    """PyGithub's App JWT (claims and signature are its own), signed once and reused until a minute
    before it expires instead of once per request."""

    def __init__(self, app_id: int, private_key: str) -> None:
        super().__init__(app_id, private_key, jwt_expiry=JWT_LIFETIME_SECONDS, jwt_issued_at=-JWT_BACKDATE_SECONDS)
        self._jwt = ""
        self._expires_at = 0.0

    @property
    def token(self) -> str:
        now = time.time()
        if now >= self._expires_at - JWT_RENEW_MARGIN_SECONDS:
            self._jwt = self.create_jwt()
            self._expires_at = now + JWT_LIFETIME_SECONDS
        return self._jwt


@dataclass
class _InstallationToken:
    client: Github
    expires_at: float


class GithubApp:
    """Everything done as the App: installation clients per repository, and the bot login."""

    def __init__(self, api_url: str, app_id: int, private_key: str) -> None:
        self.api_url = api_url
        self.app_id = app_id
        self._auth = CachedJwtAuth(app_id, private_key)
        self._integration = GithubIntegration(
            auth=self._auth,
            base_url=api_url,
            retry=None,
            timeout=15,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self._installation_ids: dict[str, int] = {}
        self._tokens: dict[int, _InstallationToken] = {}
        self._bot_login: str | None = None
        self._lock = asyncio.Lock()

    @property
    def jwt_requester(self) -> Requester:
        """The requester that authenticates as the App itself (JWT), for `/app/...` endpoints."""
        return self._integration.requester

    async def installation_id(self, full_name: str) -> int:
        cached = self._installation_ids.get(full_name)
        if cached is not None:
            return cached
        owner, repo = full_name.split("/", 1)
        try:
            installation = await github_api_call(self._integration.get_repo_installation, owner, repo)
        except UnknownObjectException:
            raise AppNotInstalledError(f"GitHub App {self.app_id} is not installed on {full_name}") from None
        self._installation_ids[full_name] = installation.id
        return installation.id

    def forget_installation(self, full_name: str) -> None:
        self._installation_ids.pop(full_name, None)

    async def client_for(self, full_name: str) -> Github:
        """A client authenticated as the App's installation on `full_name` (token cached until near expiry)."""
        installation = await self.installation_id(full_name)
        async with self._lock:
            cached = self._tokens.get(installation)
            if cached is not None and time.time() < cached.expires_at - INSTALLATION_TOKEN_RENEW_MARGIN_SECONDS:
                return cached.client
            try:
                authorization = await github_api_call(self._integration.get_access_token, installation)
            except UnknownObjectException:
                self.forget_installation(full_name)
                raise AppNotInstalledError(f"GitHub App {self.app_id} is not installed on {full_name}") from None
            SECRETS.add(authorization.token)
            client = make_github(self.api_url, Auth.Token(authorization.token))
            self._tokens[installation] = _InstallationToken(client, authorization.expires_at.timestamp())
            return client

    @property
    def known_bot_login(self) -> str | None:
        """`<app slug>[bot]` when already looked up (no request)."""
        return self._bot_login

    async def bot_login(self) -> str:
        """`<app slug>[bot]`, looked up once per process."""
        if self._bot_login is None:
            app = await github_api_call(self._integration.get_app)
            self._bot_login = f"{app.slug}[bot]"
        return self._bot_login
