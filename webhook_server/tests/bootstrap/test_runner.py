"""The per-repository sequence against the fake GitHub: repository settings, isolation of archived, missing,
unreachable and forbidden repositories, the result line and metric, the 4-at-a-time bound, and the no-op
second start (zero write calls)."""

import asyncio
import logging
import socket
from pathlib import Path

import pytest

from webhook_server.libs.bootstrap import MAX_PARALLEL_REPOSITORIES, startup_bootstrap
from webhook_server.libs.bootstrap.hook_records import RECORDS_FILE
from webhook_server.libs.github import api_call
from webhook_server.libs.github.repository_context import GithubAccess
from webhook_server.libs.github.transport import install_transport
from webhook_server.tests.bootstrap.world import API_USER, make_world
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.utils.metrics import METRICS_REGISTRY

SETTINGS = ("delete_branch_on_merge", "allow_auto_merge", "allow_update_branch")


def bootstrap_count(result: str) -> float:
    value = METRICS_REGISTRY.get_sample_value("webhook_server_bootstrap_repositories_total", {"result": result})
    return value or 0.0


async def test_public_repository_settings(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    await world.bootstrap()
    repository = fake_github.repo(full_name)
    assert all(repository[name] is True for name in SETTINGS)
    security = repository["security_and_analysis"]
    assert security["secret_scanning"]["status"] == "enabled"
    assert security["secret_scanning_push_protection"]["status"] == "enabled"


async def test_private_repository_gets_no_security_settings(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("secret-sauce", private=True, settings={"allow_auto_merge": True})
    await world.bootstrap()
    repository = fake_github.repo(full_name)
    assert all(repository[name] is True for name in SETTINGS)
    assert repository["security_and_analysis"] == {}
    patches = world.writes(f"/repos/{full_name}")
    assert len([call for call in patches if call.path == f"/repos/{full_name}"]) == 2  # auto-merge was already on


async def test_refused_setting_is_a_warning_and_the_others_apply(
    fake_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    fake_github.fail_next(1, 422, f"/repos/{full_name}", method="PATCH", message="Validation Failed")
    with caplog.at_level(logging.WARNING):
        results = await world.bootstrap()
    assert results[full_name].ok
    repository = fake_github.repo(full_name)
    assert repository["delete_branch_on_merge"] is False
    assert repository["allow_auto_merge"] is True
    assert "could not set delete_branch_on_merge: 422 Validation Failed" in caplog.text


async def test_archived_repository_gets_no_writes(
    fake_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(fake_github, tmp_path)
    archived = world.add_repo("old-stuff", {"protected-branches": {"main": None}}, archived=True)
    active = world.add_repo("widgets")
    with caplog.at_level(logging.INFO):
        results = await world.bootstrap()
    assert results[archived].ok
    assert set(results[archived].skipped) == {"labels", "settings", "protection", "webhook", "recovery"}
    assert world.writes(f"/repos/{archived}") == []
    assert fake_github.repo_labels(active)
    assert f"Bootstrap {archived}: the repository is archived" in caplog.text
    assert f"Bootstrap {archived}: ok" in caplog.text


async def test_missing_repository_never_stops_the_others(
    fake_github: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(fake_github, tmp_path)
    world.repositories["ghost"] = {"name": "acme/ghost"}
    present = world.add_repo("widgets")
    ok_before, failed_before = bootstrap_count("ok"), bootstrap_count("failed")
    with caplog.at_level(logging.INFO):
        results = await world.bootstrap()
    ghost = results["acme/ghost"]
    assert [failure.phase for failure in ghost.failures] == ["app", "repository"]
    assert ghost.failures[1].reason == "not found (404); check that the token can access the repository"
    assert results[present].ok
    assert fake_github.hooks(present)
    assert "Bootstrap acme/ghost: failed (app: " in caplog.text
    assert f"Bootstrap {present}: ok" in caplog.text
    assert bootstrap_count("ok") == ok_before + 1
    assert bootstrap_count("failed") == failed_before + 1


async def test_no_usable_token_skips_the_repository(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    broken = world.add_repo("broken", {"github-tokens": ["ghp_not-a-valid-token"]})
    working = world.add_repo("widgets")
    results = await world.bootstrap()
    assert results[broken].summary_line() == (
        f"Bootstrap {broken}: failed (token-pool: no usable token in repositories.broken.github-tokens)"
    )
    assert fake_github.repo_labels(broken) == {}
    assert results[working].ok


async def test_no_usable_root_token_names_the_root_pool(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    world.token = "ghp_revoked-token"
    full_name = world.add_repo("widgets")
    results = await world.bootstrap()
    assert results[full_name].summary_line() == (
        f"Bootstrap {full_name}: failed (token-pool: no usable token in github-tokens (root))"
    )


async def test_startup_bootstrap_covers_every_configured_repository(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    names = [world.add_repo("widgets"), world.add_repo("gadgets")]
    install_transport()
    config = world.config()
    results = await startup_bootstrap(config, GithubAccess(config, fake_github.app_private_key_pem))
    assert sorted(results) == sorted(names)
    assert all(result.ok for result in results.values())


async def test_forbidden_repository_and_installation_lookup(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    fake_github.fail_next(2, 403, f"/repos/{full_name}", method="GET", message="Forbidden")
    results = await world.bootstrap()
    assert results[full_name].summary_line() == (
        f"Bootstrap {full_name}: failed (app: 403 Forbidden; check-run recovery is skipped; "
        "repository: 403 Forbidden; check the token's repository permissions)"
    )


async def test_read_only_token_fails_write_phases_but_the_server_goes_on(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets", {"protected-branches": {"main": None}})
    fake_github.set_collaborator(full_name, API_USER, "read")
    results = await world.bootstrap()
    phases = [failure.phase for failure in results[full_name].failures]
    assert phases == ["labels", "protection", "webhook"]


async def test_unreachable_github_is_contained(
    fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(fake_github, tmp_path)
    world.add_repo("widgets")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    world.root["github-api-url"] = f"http://127.0.0.1:{closed_port}"
    monkeypatch.setattr(api_call, "_policy", api_call.RetryPolicy(delays=(0.0,), jitter=0.0))
    results = await world.bootstrap()
    [result] = results.values()
    assert not result.ok
    assert result.failures[0].reason.startswith("ConnectionError")


async def test_unexpected_error_in_a_phase_is_contained(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    full_name = world.add_repo("widgets")
    (tmp_path / RECORDS_FILE).mkdir()  # the hook record cannot be written
    results = await world.bootstrap()
    [failure] = results[full_name].failures
    assert failure.phase == "webhook"
    assert failure.reason.startswith("IsADirectoryError")
    assert fake_github.calls("GET", f"/repos/{full_name}/pulls"), "recovery ran after the webhook failure"


async def test_at_most_four_repositories_at_a_time(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    for index in range(7):
        full_name = world.add_repo(f"repo-{index}")
        branch = f"feature-{index}"
        number = fake_github.open_pr(full_name, head=branch, files={"a.py": "x\n"})
        fake_github.check_run(full_name, fake_github.pull(full_name, number)["head"]["sha"], "tox", status="queued")
    running = 0
    peak = 0
    all_slots_busy = asyncio.Event()

    async def slow_active_job(repository: str, pr: int, head_sha: str, name: str) -> bool:
        """Holds its repository's slot until four are busy at once, then a little longer."""
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if running >= MAX_PARALLEL_REPOSITORIES:
            all_slots_busy.set()
        await asyncio.wait_for(all_slots_busy.wait(), timeout=10)
        await asyncio.sleep(0.2)
        running -= 1
        return True

    results = await world.bootstrap(active_job=slow_active_job)
    assert all(result.ok for result in results.values())
    assert peak == MAX_PARALLEL_REPOSITORIES


async def test_second_start_with_nothing_changed_writes_nothing(fake_github: FakeGitHub, tmp_path: Path) -> None:
    world = make_world(fake_github, tmp_path)
    world.root["default-status-checks"] = ["ci/lint"]
    world.root["labels"] = {"colors": {"hold": "purple", "branch-": "teal"}}
    public = world.add_repo(
        "widgets",
        {"protected-branches": {"main": None, "release": {"exclude-runs": ["verified"]}}, "events": ["push"]},
        files={"README.md": "x\n", ".pre-commit-config.yaml": "repos: []\n"},
    )
    fake_github.create_branch(public, "release", from_ref="main")
    fake_github.create_label(public, "branch-main", "ff0000")
    private = world.add_repo("secret-sauce", {"protected-branches": {"main": ["ci/x"]}}, private=True)
    blocked = world.add_repo(
        "free-plan", {"protected-branches": {"main": None}}, private=True, settings={"plan_blocks_protection": True}
    )
    number = fake_github.open_pr(public, head="feature", files={"a.py": "x\n"})
    sha = fake_github.pull(public, number)["head"]["sha"]
    fake_github.check_run(public, sha, "tox", status="in_progress")
    fake_github.check_run(public, sha, "verified", status="queued")

    first = await world.bootstrap()
    assert all(result.ok for result in first.values()), [result.summary_line() for result in first.values()]
    assert world.writes(f"/repos/{public}/branches"), "the first start protected branches"
    fake_github.clear_request_log()

    second = await world.bootstrap()
    assert all(result.ok for result in second.values())
    blocked_puts = [call for call in world.writes() if call.path.startswith(f"/repos/{blocked}/branches")]
    assert len(blocked_puts) == 1  # the plan refusal can only be learnt by trying
    others = [call for call in world.writes() if call not in blocked_puts]
    assert others == [], [(call.method, call.path) for call in others]
    assert fake_github.calls(path_prefix=f"/repos/{private}")
