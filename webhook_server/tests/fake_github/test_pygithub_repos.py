"""PyGithub against the fake: repositories, people, labels, contents, branches, protection, hooks and the
GitHub App flow, reading the attributes the server uses."""

from __future__ import annotations

import httpx
import pytest
from github import Auth, GithubException, GithubIntegration

from webhook_server.tests.fake_github.conftest import REPO, Scenario


def test_repository_attributes_and_settings_edit(scenario: Scenario) -> None:
    repo = scenario.gh.get_repo(REPO)
    assert (repo.full_name, repo.name, repo.owner.login) == (REPO, "hello", "octo-org")
    assert (repo.private, repo.archived, repo.default_branch) == (False, False, "main")
    assert repo.clone_url == f"{scenario.fake.base_url}/{REPO}.git"
    assert (repo.allow_squash_merge, repo.allow_merge_commit, repo.allow_rebase_merge) == (True, True, True)
    repo.edit(
        delete_branch_on_merge=True,
        allow_auto_merge=True,
        allow_update_branch=True,
        security_and_analysis={"secret_scanning": {"status": "enabled"}},
    )
    stored = scenario.fake.repo(REPO)
    assert (stored["delete_branch_on_merge"], stored["allow_auto_merge"], stored["allow_update_branch"]) == (
        True,
        True,
        True,
    )
    assert stored["security_and_analysis"] == {"secret_scanning": {"status": "enabled"}}
    assert scenario.gh.get_repo(REPO).allow_auto_merge is True


def test_settings_edit_needs_admin(scenario: Scenario) -> None:
    with pytest.raises(GithubException) as raised:
        scenario.client(scenario.bob_token).get_repo(REPO).edit(allow_auto_merge=True)
    assert raised.value.status == 403
    assert scenario.fake.repo(REPO)["allow_auto_merge"] is False


@pytest.mark.parametrize(
    ("login", "legacy", "role"),
    [
        pytest.param("alice", "admin", "admin", id="admin"),
        pytest.param("bob", "write", "write", id="write"),
        pytest.param("mia", "write", "maintain", id="maintain-shows-as-write"),
        pytest.param("carol", "read", "read", id="read"),
        pytest.param("tom", "read", "triage", id="triage-shows-as-read"),
    ],
)
def test_collaborator_permissions(scenario: Scenario, login: str, legacy: str, role: str) -> None:
    scenario.fake.set_collaborator(REPO, "mia", "maintain")
    scenario.fake.set_collaborator(REPO, "tom", "triage")
    repo = scenario.gh.get_repo(REPO)
    assert repo.get_collaborator_permission(login) == legacy
    assert repo.get_collaborator_role_name(login) == role
    listed = {user.login: user.permissions for user in repo.get_collaborators()}
    assert listed[login].maintain == (role in ("admin", "maintain"))
    assert listed[login].admin == (role == "admin")


def test_contributors_come_from_default_branch_history(scenario: Scenario) -> None:
    scenario.fake.push(REPO, "main", {"x": "1"}, author="bob")
    scenario.fake.push(REPO, "main", {"y": "1"}, author="bob")
    scenario.fake.push(REPO, "side", {"z": "1"}, author="dave")
    contributors = {user.login: user.contributions for user in scenario.gh.get_repo(REPO).get_contributors()}
    assert contributors == {"bob": 2, "alice": 1}


def test_labels_lifecycle_including_names_with_slashes(scenario: Scenario) -> None:
    repo = scenario.gh.get_repo(REPO)
    repo.create_label("size/XS", "ededed")
    label = repo.get_label("size/XS")
    label.edit("size/XS", "B60205", "tiny")
    assert scenario.fake.repo_labels(REPO) == {"size/XS": "B60205"}
    number = scenario.fake.open_pr(REPO, head="f", files={"a": "1"}, author="bob")
    pull = repo.get_pull(number)
    pull.add_to_labels("size/XS", "lgtm-bob")
    assert scenario.fake.labels(REPO, number) == ["size/XS", "lgtm-bob"]
    pull.remove_from_labels("size/XS")
    assert [label.name for label in pull.get_labels()] == ["lgtm-bob"]
    pull.set_labels("wip", "hold")
    assert scenario.fake.labels(REPO, number) == ["wip", "hold"]
    with pytest.raises(GithubException) as raised:
        pull.remove_from_labels("not-there")
    assert raised.value.status == 404
    repo.get_label("wip").delete()
    assert scenario.fake.labels(REPO, number) == ["hold"]


def test_contents_decode_and_track_refs(scenario: Scenario) -> None:
    repo = scenario.gh.get_repo(REPO)
    scenario.fake.push(REPO, "feature", {".github-webhook-server.yaml": "tox: true\n"}, author="bob")
    content = repo.get_contents(".github-webhook-server.yaml", ref="feature")
    assert not isinstance(content, list)
    assert content.decoded_content == b"tox: true\n"
    assert content.sha
    listing = repo.get_contents("")
    assert isinstance(listing, list)
    assert sorted(item.path for item in listing) == ["OWNERS", "README.md"]
    with pytest.raises(GithubException) as raised:
        repo.get_contents(".github-webhook-server.yaml")
    assert raised.value.status == 404


def test_branch_protection_round_trip(scenario: Scenario) -> None:
    repo = scenario.gh.get_repo(REPO)
    branch = repo.get_branch("main")
    assert branch.protected is False
    branch.edit_protection(
        strict=True,
        contexts=["tox", "can-be-merged"],
        dismiss_stale_reviews=True,
        required_approving_review_count=0,
        users_bypass_pull_request_allowances=["alice"],
        required_linear_history=False,
        required_conversation_resolution=True,
    )
    protection = repo.get_branch("main").get_protection()
    assert protection.required_status_checks.contexts == ["tox", "can-be-merged"]
    assert protection.required_status_checks.strict is True
    reviews = protection.required_pull_request_reviews
    assert reviews.dismiss_stale_reviews is True
    assert reviews.required_approving_review_count == 0
    assert protection.required_conversation_resolution is True
    assert repo.get_branch("main").get_required_status_checks().contexts == ["tox", "can-be-merged"]
    repo.get_branch("main").edit_required_status_checks(strict=False, contexts=["tox"])
    assert repo.get_branch("main").get_required_status_checks().contexts == ["tox"]
    stored = scenario.fake.branch_protection(REPO, "main")
    assert stored is not None
    assert stored["required_status_checks"]["strict"] is False
    bypass = stored["required_pull_request_reviews"]["bypass_pull_request_allowances"]
    assert [user["login"] for user in bypass["users"]] == ["alice"]
    repo.get_branch("main").remove_protection()
    assert scenario.fake.branch_protection(REPO, "main") is None


def test_missing_branch_and_unprotected_branch_are_404(scenario: Scenario) -> None:
    repo = scenario.gh.get_repo(REPO)
    with pytest.raises(GithubException) as missing:
        repo.get_branch("nope")
    assert missing.value.status == 404
    with pytest.raises(GithubException) as unprotected:
        repo.get_branch("main").get_protection()
    assert unprotected.value.status == 404


def test_hooks_create_edit_delete(scenario: Scenario) -> None:
    repo = scenario.gh.get_repo(REPO)
    hook = repo.create_hook("web", {"url": "http://127.0.0.1:9/a", "content_type": "json", "secret": "s1"}, ["*"], True)
    hook.edit("web", {"url": "http://127.0.0.1:9/a", "content_type": "json", "secret": "s2"}, events=["push"])
    listed = repo.get_hooks()
    assert [(h.config["url"], h.events, h.active) for h in listed] == [("http://127.0.0.1:9/a", ["push"], True)]
    assert listed[0].config["secret"] == "********"
    assert scenario.fake.hooks(REPO)[0]["config"]["secret"] == "s2"
    hook.delete()
    assert scenario.fake.hooks(REPO) == []


def test_hooks_need_admin(scenario: Scenario) -> None:
    with pytest.raises(GithubException) as raised:
        list(scenario.client(scenario.bob_token).get_repo(REPO).get_hooks())
    assert raised.value.status == 403


def test_github_app_jwt_installation_token_and_bot_identity(scenario: Scenario) -> None:
    fake = scenario.fake
    installation_id = fake.install_app(REPO)
    auth = Auth.AppAuth(fake.app_id, fake.app_private_key_pem)
    integration = GithubIntegration(auth=auth, base_url=fake.base_url)
    assert integration.get_app().slug == fake.app_slug
    installation = integration.get_repo_installation("octo-org", "hello")
    assert installation.id == installation_id
    token = integration.get_access_token(installation.id)
    assert token.token.startswith("ghs_")
    app_client = scenario.client(token.token)
    sha = fake.branch_sha(REPO, "main")
    assert sha is not None
    run = app_client.get_repo(REPO).create_check_run(name="can-be-merged", head_sha=sha, status="queued")
    assert run.app.id == fake.app_id
    comment_issue = fake.create_issue(REPO, "tracking")
    app_client.get_repo(REPO).get_issue(comment_issue).create_comment("by the bot")
    assert fake.comments(REPO, comment_issue)[0]["user"]["login"] == fake.bot_login
    assert fake.calls(identity=f"installation:{installation_id}")


def test_app_not_installed_is_404(scenario: Scenario) -> None:
    integration = GithubIntegration(
        auth=Auth.AppAuth(scenario.fake.app_id, scenario.fake.app_private_key_pem), base_url=scenario.fake.base_url
    )
    with pytest.raises(GithubException) as raised:
        integration.get_repo_installation("octo-org", "hello")
    assert raised.value.status == 404


def test_jwt_signed_with_another_key_is_rejected(scenario: Scenario) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    integration = GithubIntegration(
        auth=Auth.AppAuth(scenario.fake.app_id, other.decode()), base_url=scenario.fake.base_url
    )
    with pytest.raises(GithubException) as raised:
        integration.get_app()
    assert raised.value.status == 401


def test_pat_cannot_write_check_runs_and_jwt_cannot_read_repos(scenario: Scenario) -> None:
    sha = scenario.fake.branch_sha(REPO, "main")
    assert sha is not None
    with pytest.raises(GithubException) as raised:
        scenario.gh.get_repo(REPO).create_check_run(name="tox", head_sha=sha)
    assert raised.value.status == 403


def test_user_and_rate_limit(scenario: Scenario) -> None:
    assert scenario.gh.get_user().login == "alice"
    core = scenario.gh.get_rate_limit().resources.core
    assert core.limit == 5000
    assert 0 < core.remaining < 5000


def test_packages_api_lists_and_deletes_tag_versions(scenario: Scenario) -> None:
    keep = scenario.fake.add_package_version("octo-org", "hello", ["latest"])
    drop = scenario.fake.add_package_version("octo-org", "hello", ["pr-7"])
    url = f"{scenario.fake.base_url}/orgs/octo-org/packages/container/hello/versions"
    headers = {"Authorization": f"token {scenario.token}"}
    versions = httpx.get(url, headers=headers).json()
    tagged = {version["id"]: version["metadata"]["container"]["tags"] for version in versions}
    assert tagged == {keep: ["latest"], drop: ["pr-7"]}
    assert httpx.delete(f"{url}/{drop}", headers=headers).status_code == 204
    assert [version["id"] for version in scenario.fake.package_versions("octo-org", "hello")] == [keep]
    assert httpx.get(url.replace("/orgs/", "/users/"), headers=headers).status_code == 404
