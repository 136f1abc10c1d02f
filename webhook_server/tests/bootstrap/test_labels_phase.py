"""Labels against the fake GitHub: created, re-coloured, case-insensitive, enabled-labels and colours."""

from pathlib import Path

from webhook_server.tests.bootstrap.world import make_world
from webhook_server.tests.fake_github.api import FakeGitHub


async def test_every_static_label_is_created_with_its_colour(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    results = await world.bootstrap()
    assert results[full_name].ok, results[full_name].summary_line()
    labels = {name: colour.lower() for name, colour in fake_github.repo_labels(full_name).items()}
    assert labels["hold"] == "b60205"
    assert labels["can-be-merged"] == "0e8a17"
    assert labels["size/XS"] == "ededed"
    assert labels["CherryPicked"] == "1d76db"
    assert len(labels) == 17


async def test_existing_labels_recoloured_only_when_colour_differs(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets", {"labels": {"enabled-labels": ["hold", "wip", "verified"]}})
    fake_github.create_label(full_name, "HOLD", "b60205")  # same colour, other case: untouched
    fake_github.create_label(full_name, "wip", "000000")  # wrong colour: re-coloured
    fake_github.create_label(full_name, "verified", "0e8a16")  # lower-case hex of 0E8A16: untouched
    fake_github.create_label(full_name, "bug", "d73a4a")  # not ours: untouched
    await world.bootstrap()
    assert fake_github.repo_labels(full_name) == {
        "HOLD": "b60205",
        "wip": "B60205",
        "verified": "0e8a16",
        "bug": "d73a4a",
        "lgtm": "0E8A16",
        "approve": "0E8A16",
    }
    label_writes = [(call.method, call.path) for call in world.writes(f"/repos/{full_name}/labels")]
    assert ("PATCH", f"/repos/{full_name}/labels/wip") in label_writes
    assert not any(path.endswith(("/HOLD", "/verified", "/bug", "/hold")) for _, path in label_writes)
    assert len(label_writes) == 3  # PATCH wip, POST lgtm, POST approve


async def test_disabled_categories_neither_created_nor_deleted(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets", {"labels": {"enabled-labels": []}})
    fake_github.create_label(full_name, "size/XL", "123456")
    await world.bootstrap()
    assert fake_github.repo_labels(full_name) == {"size/XL": "123456", "lgtm": "0E8A16", "approve": "0E8A16"}


async def test_colour_overrides_and_prefix_recolouring(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    colors = {"hold": "purple", "lgtm-": "gold", "branch-": "teal"}
    full_name = world.add_repo("widgets", {"labels": {"enabled-labels": ["hold", "branch"], "colors": colors}})
    fake_github.create_label(full_name, "lgtm-alice", "DCED6F")
    fake_github.create_label(full_name, "branch-main", "ffd700")
    fake_github.create_label(full_name, "branch-dev", "008080")
    await world.bootstrap()
    labels = {name: colour.lower() for name, colour in fake_github.repo_labels(full_name).items()}
    assert labels["hold"] == "800080"
    assert labels["lgtm-alice"] == "ffd700"
    assert labels["branch-main"] == "008080"
    assert labels["branch-dev"] == "008080"
    assert not any(call.path.endswith("/branch-dev") for call in world.writes())


async def test_custom_size_thresholds_create_their_labels(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    thresholds = {"small": {"threshold": 50, "color": "green"}, "big": {"threshold": "inf", "color": "red"}}
    full_name = world.add_repo("widgets", {"labels": {"enabled-labels": ["size"]}, "pr-size-thresholds": thresholds})
    await world.bootstrap()
    labels = {name: colour.lower() for name, colour in fake_github.repo_labels(full_name).items()}
    assert labels == {"lgtm": "0e8a16", "approve": "0e8a16", "size/small": "008000", "size/big": "ff0000"}
