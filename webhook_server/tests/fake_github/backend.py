"""The fake GitHub's long-lived parts: App key, state (replaced on reset), faults, log and webhook emitter."""

from __future__ import annotations

import functools
import itertools
import shutil
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from webhook_server.tests.fake_github.faults import Faults, RequestLog
from webhook_server.tests.fake_github.serializers import node_id
from webhook_server.tests.fake_github.state import WEB_FLOW_ID, App, Repo, State, User
from webhook_server.tests.fake_github.webhooks import WebhookEmitter

APP_ID = 424242
APP_SLUG = "fake-webhook-app"


@functools.cache
def _app_key_pair() -> tuple[str, str]:
    """The App's RSA key pair (PEM private, PEM public), generated once per process."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class Backend:
    """Shared by the HTTP app and the test API. `state` is swapped for a fresh one by `reset()`."""

    def __init__(self, root: Path, base_url: str = "", web_url: str = "") -> None:
        """`base_url` is the REST base (`github-api-url`); `web_url` the web/git base when it differs."""
        self.root = root
        self.base_url = base_url
        self.web_url = web_url
        self.app_private_key_pem, self.app_public_key_pem = _app_key_pair()
        self.faults = Faults()
        self.request_log = RequestLog()
        self.emitter = WebhookEmitter()
        self.generation = 0
        self.muted = False  # True: changes send no webhooks (drift GitHub never reports)
        self.state = self._fresh_state()

    @property
    def git_root(self) -> Path:
        return self.root / f"git-{self.generation}"

    def reset(self) -> None:
        """Forget everything tests created: state, git repositories, faults, request log, deliveries."""
        old_root = self.git_root
        with self.state.lock:
            self.generation += 1
            self.state = self._fresh_state()
        self.faults.clear()
        self.muted = False
        self.request_log.clear()
        self.emitter.reset()
        shutil.rmtree(old_root, ignore_errors=True)

    def close(self) -> None:
        self.emitter.close()
        shutil.rmtree(self.git_root, ignore_errors=True)

    def _app_hook_wants(self, repo: Repo, event: str) -> bool:
        hook = self.state.app_hook
        return hook is not None and repo.installation_id is not None and hook.wants(event)

    def wants(self, repo: Repo, event: str) -> bool:
        """Whether any hook would receive `event` of `repo` (the App's hook when the App is installed)."""
        if self.muted:
            return False
        return any(hook.wants(event) for hook in repo.hooks.values()) or self._app_hook_wants(repo, event)

    def emit(self, repo: Repo, event: str, payload: dict[str, Any]) -> None:
        """Send `payload` to every active hook of `repo` subscribed to `event`, and to the App's hook."""
        if self.muted:
            return
        for hook in list(repo.hooks.values()):
            if hook.wants(event):
                self.emitter.enqueue(hook, event, payload, repo.full_name, repo.id)
        app_hook = self.state.app_hook
        if app_hook is not None and self._app_hook_wants(repo, event):
            self.emitter.enqueue(app_hook, event, payload, repo.full_name, self.state.app.id, target_type="integration")

    def installation_lite(self, repo: Repo) -> dict[str, Any] | None:
        if repo.installation_id is None:
            return None
        return {"id": repo.installation_id, "node_id": node_id("Installation", repo.installation_id)}

    def _fresh_state(self) -> State:
        ids = itertools.count(1001)
        owner = User(id=next(ids), login="fake-app-owner", type="Organization")
        bot = User(id=next(ids), login=f"{APP_SLUG}[bot]", type="Bot")
        app = App(id=APP_ID, slug=APP_SLUG, name="Fake Webhook App", owner=owner, bot=bot)
        state = State(base_url=self.base_url, app=app, ids=ids, web_url=self.web_url)
        web_flow = User(id=WEB_FLOW_ID, login="web-flow", name="GitHub", email="noreply@github.com")
        for user in (owner, bot, web_flow):
            state.users[user.login.casefold()] = user
        self.git_root.mkdir(parents=True, exist_ok=True)
        return state
