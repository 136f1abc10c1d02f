"""The pure parts of the release flows as tables: cherry-pick names and texts, DCO trailers and amends,
image tags and registry hosts, ghcr package versions, podman's stale-runtime message, PyPI issue titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from webhook_server.libs.config import ContainerConfig
from webhook_server.libs.release import cherry_pick_text as text
from webhook_server.libs.release.container_tags import ghcr_package, version_with_tag
from webhook_server.libs.release.containers import merged_image_tag
from webhook_server.libs.release.dco import (
    CommitFacts,
    SignOff,
    find_sign_off_source,
    last_sign_off,
    plan_dco_amend,
    with_only_sign_off,
)
from webhook_server.libs.release.podman import stale_runtime_directories
from webhook_server.libs.release.pypi import issue_title
from webhook_server.libs.release.registry import has_registry_host, registry_host
from webhook_server.libs.release.repo_api import safe_comment_body
from webhook_server.utils.masking import SECRETS


@pytest.mark.parametrize(
    ("target", "title", "expected"),
    [
        ("release-1", "fix: crash", "CherryPicked: [release-1] fix: crash"),
        ("v2", "fix: don't 'quote'", "CherryPicked: [v2] fix: dont quote"),
    ],
    ids=["plain", "single-quotes-removed"],
)
def test_pull_title(target: str, title: str, expected: str) -> None:
    assert text.pull_title(target, title) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [("main", "CherryPicked-from-main"), ("b" * 60, "CherryPicked-from-" + "b" * 32)],
    ids=["short", "cut-to-50"],
)
def test_cherry_picked_from_label(source: str, expected: str) -> None:
    assert text.cherry_picked_from_label(source) == expected
    assert len(expected) <= 50


def test_branch_name_and_manual_instructions() -> None:
    assert text.new_branch_name("feat/x", "aB3dE") == "CherryPicked-feat/x-aB3dE"
    assert len(text.random_suffix()) == 5
    assert text.random_suffix().isalnum()
    comment = text.manual_instructions("a" * 40, "release-1", "conflicts", "CONFLICT (content)")
    assert comment.startswith("**Manual cherry-pick is needed**")
    for step in ("git fetch origin", "git checkout release-1", "git cherry-pick " + "a" * 40, "git push origin"):
        assert step in comment
    assert all(not line.startswith("/") for line in comment.splitlines())


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("fix\n\nSigned-off-by: A B <a@b.c>\n", SignOff("A B", "a@b.c")),
        ("fix\n\nSigned-off-by: A <a@x>\nSigned-off-by: C D <c@d>\n", SignOff("C D", "c@d")),
        ("fix\n\nsigned-off-by: lower <l@x>\n", None),
        ("fix: nothing signed\n", None),
    ],
    ids=["one", "last-of-two", "wrong-case", "none"],
)
def test_last_sign_off(message: str, expected: SignOff | None) -> None:
    assert last_sign_off(message) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("fix: x\n\nSigned-off-by: Bot <b@x>\n", "fix: x\n\nSigned-off-by: Real <r@x>\n"),
        ("fix: x\n", "fix: x\n\nSigned-off-by: Real <r@x>\n"),
        ("Signed-off-by: A <a@x>\nSigned-off-by: B <b@x>\n", "Signed-off-by: Real <r@x>\n"),
    ],
    ids=["replaced", "added", "only-trailers"],
)
def test_with_only_sign_off(message: str, expected: str) -> None:
    assert with_only_sign_off(message, SignOff("Real", "r@x")) == expected


SIGNED = CommitFacts("Real Name", "real@users.noreply", "feat\n\nSigned-off-by: Real Name <real@example.com>\n")
UNSIGNED = CommitFacts("Merger", "merger@x", "Merge pull request #1\n")


@pytest.mark.parametrize(
    ("picked", "merge_commit", "pr_commits", "expected"),
    [
        (SIGNED, SIGNED, [], ("Real Name", "real@example.com")),
        (UNSIGNED, UNSIGNED, [SIGNED], ("Real Name", "real@example.com")),
        (UNSIGNED, UNSIGNED, [UNSIGNED], None),
        (
            CommitFacts("Real Name", "real@example.com", SIGNED.message),
            CommitFacts("Real Name", "real@example.com", SIGNED.message),
            [],
            None,
        ),
    ],
    ids=["from-merge-commit", "from-newest-pr-commit", "no-trailer-anywhere", "already-matches"],
)
def test_plan_dco_amend(
    picked: CommitFacts, merge_commit: CommitFacts, pr_commits: list[CommitFacts], expected: tuple[str, str] | None
) -> None:
    amend = plan_dco_amend(picked, find_sign_off_source(merge_commit, pr_commits))
    if expected is None:
        assert amend is None
        return
    assert amend is not None
    assert (amend.author_name, amend.author_email) == expected
    assert amend.message.count("Signed-off-by:") == 1


def _container(repository: str, tag: str = "latest") -> ContainerConfig:
    return ContainerConfig(username="u", password="p", repository=repository, tag=tag)


@pytest.mark.parametrize(
    ("base", "tag", "expected"),
    [("main", "latest", "latest"), ("master", "stable", "stable"), ("release-1", "latest", "release-1")],
    ids=["main", "master-custom-tag", "other-branch"],
)
def test_merged_image_tag(base: str, tag: str, expected: str) -> None:
    assert merged_image_tag(_container("quay.io/org/app", tag), base) == expected


@pytest.mark.parametrize(
    ("repository", "host", "has_host"),
    [("quay.io/org/app", "quay.io", True), ("127.0.0.1:5000/a/b/c", "127.0.0.1:5000", True), ("org/app", "org", False)],
    ids=["quay", "port-and-nesting", "no-host"],
)
def test_registry_host(repository: str, host: str, has_host: bool) -> None:
    assert registry_host(repository) == host
    assert has_registry_host(repository) is has_host


def test_ghcr_package_and_versions() -> None:
    assert ghcr_package("ghcr.io/org/team/app") == ("org", "team%2Fapp")
    versions = [
        {"id": 1, "metadata": {"container": {"tags": ["v1"]}}},
        {"id": 2, "metadata": {"container": {"tags": ["pr-7", "sha-abc"]}}},
        {"id": 3, "metadata": {}},
    ]
    assert version_with_tag(versions, "pr-7") == 2
    assert version_with_tag(versions, "pr-8") is None


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (
            "Error: current system boot ID differs from cached boot ID; an unhandled reboot has occurred. "
            'Please delete directories "/tmp/storage-run-1000/containers" and "/tmp/storage-run-1000/libpod/tmp" '
            "and re-run Podman",
            (Path("/tmp/storage-run-1000/containers"), Path("/tmp/storage-run-1000/libpod/tmp")),
        ),
        ("Error: something else", ()),
        ('Please delete directories "relative" and "also/relative"', ()),
    ],
    ids=["boot-id-error", "other-error", "relative-paths-ignored"],
)
def test_stale_runtime_directories(stderr: str, expected: tuple[Path, ...]) -> None:
    assert stale_runtime_directories(stderr) == expected


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("twine upload failed:\nHTTP 403 `Forbidden`\n", "twine upload failed: HTTP 403 Forbidden"),
        ("x" * 300, "x" * 247 + "..."),
        ("y" * 250, "y" * 250),
    ],
    ids=["newlines-and-backticks", "cut-with-ellipsis", "exactly-250-kept"],
)
def test_issue_title(error: str, expected: str) -> None:
    assert issue_title(error) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("```\n/tmp/x: error\n```", "```\n /tmp/x: error\n```"),
        ("plain\n  /indented stays", "plain\n  /indented stays"),
        ("token ghp_releaseSecretValue1 leaked", "token ***** leaked"),
    ],
    ids=["slash-line-indented", "inner-slash-kept", "secret-masked"],
)
def test_safe_comment_body(body: str, expected: str) -> None:
    SECRETS.add("ghp_releaseSecretValue1")
    assert safe_comment_body(body) == expected
