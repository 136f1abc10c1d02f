"""Provenance of config keys for `/explain`: the layer that set each key, named by file, commit and key path."""

from typing import Any

import pytest

from webhook_server.libs.config.provenance import config_origins
from webhook_server.libs.rules.explain import ConfigLayer
from webhook_server.tests.config.support import minimal_config, snapshot

KEY = "minimum-lgtm"


def origin_of(key: str, root: dict[str, Any], repo: dict[str, Any], local: dict[str, Any] | None) -> Any:
    document = minimal_config(**root)
    document["repositories"]["my-repo"].update(repo)
    config = snapshot(document)
    entry = config.find_repository("my-org/my-repo")
    assert entry is not None
    origins = config_origins(config, entry, local=local, local_commit="0123456789abcdef", keys=[key], defaults={key: 0})
    return origins[key]


@pytest.mark.parametrize(
    ("root", "repo", "local", "expected"),
    [
        pytest.param({}, {}, None, (ConfigLayer.DEFAULT, 0, "built-in default of `minimum-lgtm`"), id="default"),
        pytest.param({KEY: 1}, {}, None, (ConfigLayer.SERVER, 1, "`config.yaml`: `minimum-lgtm`"), id="server-root"),
        pytest.param(
            {KEY: 1},
            {KEY: 2},
            None,
            (ConfigLayer.REPOSITORY, 2, "`config.yaml`: `repositories.my-repo.minimum-lgtm`"),
            id="repository-entry-over-root",
        ),
        pytest.param(
            {KEY: 1},
            {KEY: 2},
            {KEY: 3},
            (ConfigLayer.LOCAL, 3, "`.github-webhook-server.yaml` at commit 0123456789ab: `minimum-lgtm`"),
            id="repo-local-over-all",
        ),
        pytest.param(
            {KEY: 1},
            {},
            {KEY: None},
            (ConfigLayer.SERVER, 1, "`config.yaml`: `minimum-lgtm`"),
            id="local-null-falls-through",
        ),
    ],
)
def test_the_most_specific_layer_is_named(
    root: dict[str, Any], repo: dict[str, Any], local: dict[str, Any] | None, expected: tuple[ConfigLayer, int, str]
) -> None:
    origin = origin_of(KEY, root, repo, local)

    assert (origin.layer, origin.value, origin.location) == expected


def test_a_local_key_the_server_does_not_honour_is_not_its_origin() -> None:
    origin = origin_of("github-app-id", {}, {}, {"github-app-id": 7})

    assert origin.layer is ConfigLayer.SERVER


def test_nested_keys_are_looked_up_by_dotted_path() -> None:
    key = "branch-protection.required_conversation_resolution"
    origin = origin_of(key, {"branch-protection": {"required_conversation_resolution": False}}, {}, None)

    assert (origin.layer, origin.value) == (ConfigLayer.SERVER, False)
    assert origin.location == f"`config.yaml`: `{key}`"
