"""Webhook reconciliation rules: exact URL match, duplicates, a recorded hook at an old URL, stale hooks."""

from typing import Any

import pytest

from webhook_server.libs.bootstrap.hook_plan import DesiredHook, plan_hooks

URL = "https://hooks.example.com/webhook_server"
DESIRED = DesiredHook(url=URL, events=("*",), secret="s3cret-value")


def hook(hook_id: int, url: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"url": url, "content_type": "json", "insecure_ssl": "0", "secret": "********"}
    config.update(overrides.pop("config", {}))
    return {"id": hook_id, "active": True, "events": ["*"], "config": config, **overrides}


@pytest.mark.parametrize(
    ("hooks", "recorded", "ours", "duplicates", "stale"),
    [
        pytest.param([], None, None, [], [], id="no-hooks"),
        pytest.param([hook(1, URL)], None, 1, [], [], id="exact-match"),
        pytest.param([hook(1, URL + "/")], None, 1, [], [], id="one-trailing-slash-ignored"),
        pytest.param([hook(1, URL + "//")], None, None, [], [], id="two-trailing-slashes-differ"),
        pytest.param([hook(1, URL + "?x=1")], None, None, [], [1], id="substring-is-not-a-match"),
        pytest.param([hook(1, URL.upper())], None, None, [], [], id="case-matters"),
        pytest.param([hook(1, URL), hook(2, URL + "/")], None, 1, [2], [], id="duplicates"),
        pytest.param([hook(7, "https://old.example.com/webhook_server")], 7, 7, [], [], id="recorded-old-url-is-ours"),
        pytest.param(
            [hook(7, "https://old.example.com/webhook_server")], None, None, [], [7], id="unrecorded-old-url-is-stale"
        ),
        pytest.param(
            [hook(7, "https://old.example.com/webhook_server"), hook(8, URL)],
            7,
            8,
            [],
            [7],
            id="match-wins-over-record",
        ),
        pytest.param([hook(3, "https://ci.example.com/hook")], None, None, [], [], id="foreign-hook-untouched"),
        pytest.param([hook(3, "https://ci.example.com/hook")], 99, None, [], [], id="recorded-hook-gone"),
    ],
)
def test_plan_hooks(
    hooks: list[dict[str, Any]], recorded: int | None, ours: int | None, duplicates: list[int], stale: list[int]
) -> None:
    plan = plan_hooks(hooks, DESIRED, recorded)
    assert (plan.ours["id"] if plan.ours else None) == ours
    assert [item["id"] for item in plan.duplicates] == duplicates
    assert [item["id"] for item in plan.stale_looking] == stale


@pytest.mark.parametrize(
    ("overrides", "matches"),
    [
        pytest.param({}, True, id="same"),
        pytest.param({"events": ["push", "pull_request"]}, False, id="events-differ"),
        pytest.param({"active": False}, False, id="inactive"),
        pytest.param({"config": {"content_type": "form"}}, False, id="form-content-type"),
        pytest.param({"config": {"insecure_ssl": "1"}}, False, id="insecure-ssl"),
        pytest.param({"config": {"url": URL + "/"}}, False, id="url-differs-by-slash"),
    ],
)
def test_visible_config_matches(overrides: dict[str, Any], matches: bool) -> None:
    assert DESIRED.visible_config_matches(hook(1, URL, **overrides)) is matches


def test_secret_presence_is_compared() -> None:
    no_secret = DesiredHook(url=URL, events=("*",), secret=None)
    with_secret = hook(1, URL)
    without_secret = hook(1, URL)
    del without_secret["config"]["secret"]
    assert not no_secret.visible_config_matches(with_secret)
    assert no_secret.visible_config_matches(without_secret)
    assert not DESIRED.visible_config_matches(without_secret)


def test_request_bodies() -> None:
    assert DESIRED.request_body(create=True) == {
        "name": "web",
        "active": True,
        "events": ["*"],
        "config": {"url": URL, "content_type": "json", "insecure_ssl": "0", "secret": "s3cret-value"},
    }
    no_secret = DesiredHook(url=URL, events=("push",), secret=None)
    assert "secret" not in no_secret.request_body()["config"]
    assert no_secret.request_body(clear_secret=True)["config"]["secret"] == ""
    assert "name" not in no_secret.request_body()
