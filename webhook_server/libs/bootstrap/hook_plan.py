"""Webhook reconciliation (pure): the desired hook, which existing hook is ours, and what to change
(`bootstrap.md` §5)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

Json = dict[str, Any]
WEBHOOK_PATH_SUFFIX = "/webhook_server"


def normalized_url(url: str) -> str:
    """The URL with one trailing `/` removed (the only normalisation of the exact match)."""
    return url.removesuffix("/")


@dataclass(frozen=True)
class DesiredHook:
    """The hook every managed repository should have."""

    url: str
    events: tuple[str, ...]
    secret: str | None

    def request_body(self, *, clear_secret: bool = False, create: bool = False) -> Json:
        """The POST/PATCH body: the complete config, the secret always included when set."""
        config: Json = {"url": self.url, "content_type": "json", "insecure_ssl": "0"}
        if self.secret is not None:
            config["secret"] = self.secret
        elif clear_secret:
            config["secret"] = ""
        body: Json = {"active": True, "events": list(self.events), "config": config}
        return {"name": "web", **body} if create else body

    def matches_url(self, hook: Mapping[str, Any]) -> bool:
        return normalized_url(str(hook["config"].get("url", ""))) == normalized_url(self.url)

    def visible_config_matches(self, hook: Mapping[str, Any]) -> bool:
        """Whether everything GitHub shows of `hook` is as desired (the secret only by its presence)."""
        config = hook["config"]
        return (
            config.get("url") == self.url
            and config.get("content_type") == "json"
            and str(config.get("insecure_ssl", "0")) == "0"
            and sorted(hook["events"]) == sorted(self.events)
            and hook["active"] is True
            and ("secret" in config) == (self.secret is not None)
        )


@dataclass(frozen=True)
class HookPlan:
    """Our hook to update (None: create one), duplicates to delete, and other hooks that look stale."""

    ours: Json | None
    duplicates: tuple[Json, ...]
    stale_looking: tuple[Json, ...]


def _looks_like_ours(hook: Mapping[str, Any]) -> bool:
    path = urlparse(str(hook["config"].get("url", ""))).path
    return normalized_url(path).endswith(WEBHOOK_PATH_SUFFIX)


def plan_hooks(hooks: Sequence[Json], desired: DesiredHook, recorded_hook_id: int | None) -> HookPlan:
    """Exact-URL matches are ours (the first is kept, the rest are duplicates). Without a match, the hook
    this server wrote last (by id) is ours: it still points at an old `webhook-ip` and gets moved."""
    matches = [hook for hook in hooks if desired.matches_url(hook)]
    if matches:
        ours: Json | None = matches[0]
        duplicates = tuple(matches[1:])
    else:
        ours = next((hook for hook in hooks if hook["id"] == recorded_hook_id), None)
        duplicates = ()
    handled = {id(hook) for hook in matches} | ({id(ours)} if ours is not None else set())
    stale = tuple(hook for hook in hooks if id(hook) not in handled and _looks_like_ours(hook))
    return HookPlan(ours=ours, duplicates=duplicates, stale_looking=stale)
