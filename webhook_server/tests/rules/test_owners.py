"""OWNERS parsing, discovery filter, applicable-file resolution (deterministic root rule), reviewers, assignee."""

import pytest

from webhook_server.libs.rules.owners import (
    OwnersFile,
    OwnersParseError,
    allowed_users,
    assignee_candidates,
    is_owners_path,
    owners_directory,
    owners_lines,
    parse_owners,
    repository_approvers,
    repository_reviewers,
    resolve_pr_owners,
    reviewers_to_request,
    root_applies,
    select_owners_paths,
)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (
            "OWNERS",
            "approvers:\n  - '@Alice'\n  - bob\nreviewers: [carol]\nallowed-users: [dave]\n",
            OwnersFile(".", approvers=("Alice", "bob"), reviewers=("carol",), allowed_users=("dave",)),
        ),
        (
            "a/b/OWNERS",
            "approvers: [x]\nroot-approvers: false\n",
            OwnersFile("a/b", approvers=("x",), root_approvers=False),
        ),
        ("a/OWNERS", "reviewers: [y]\nunknown-key: 3\n", OwnersFile("a", reviewers=("y",))),
        ("OWNERS", "{}", OwnersFile(".")),
    ],
    ids=["root-full", "sub-root-approvers-false", "unknown-key-ignored", "empty-mapping"],
)
def test_parse_valid(path: str, text: str, expected: OwnersFile) -> None:
    assert parse_owners(path, text) == expected


@pytest.mark.parametrize(
    ("text", "reason_part"),
    [
        ("approvers: [a\n", "invalid YAML"),
        ("- a\n- b\n", "not a YAML mapping"),
        ("", "not a YAML mapping"),
        ("approvers: alice\n", "'approvers' is not a list"),
        ("reviewers:\n", "'reviewers' is not a list"),
        ("approvers: [alice, 3]\n", "non-string item"),
        ("allowed-users: {a: b}\n", "'allowed-users' is not a list"),
        ("root-approvers: 'no'\n", "'root-approvers' is not a boolean"),
    ],
    ids=[
        "bad-yaml",
        "list-document",
        "empty-file",
        "string-value",
        "null-value",
        "int-item",
        "mapping-value",
        "string-flag",
    ],
)
def test_parse_invalid(text: str, reason_part: str) -> None:
    result = parse_owners("dir/OWNERS", text)
    assert isinstance(result, OwnersParseError)
    assert result.path == "dir/OWNERS"
    assert reason_part in result.reason


@pytest.mark.parametrize(
    ("path", "is_owners", "directory"),
    [
        ("OWNERS", True, "."),
        ("a/b/OWNERS", True, "a/b"),
        (".github/OWNERS", False, ".github"),
        ("a/.hidden/OWNERS", False, "a/.hidden"),
        ("a/OWNERS.md", False, "a"),
        ("a/owners", False, "a"),
    ],
    ids=["root", "nested", "dot-dir", "nested-dot-dir", "suffix", "lower-case"],
)
def test_owners_paths(path: str, is_owners: bool, directory: str) -> None:
    assert is_owners_path(path) is is_owners
    assert owners_directory(path) == directory


def test_select_owners_paths_caps_in_path_order() -> None:
    paths = [f"d{index:04d}/OWNERS" for index in range(1005)] + ["OWNERS", "x/.y/OWNERS", "README.md"]
    selection = select_owners_paths(reversed(paths))
    assert selection.truncated
    assert len(selection.paths) == 1000
    assert selection.paths[0] == "OWNERS"
    assert selection.paths[-1] == "d0998/OWNERS"
    assert select_owners_paths(["OWNERS", "a/OWNERS"]).truncated is False


ROOT = OwnersFile(".", approvers=("root1", "root2"), reviewers=("rrev",), allowed_users=("guest",))
API = OwnersFile("api", approvers=("api-lead",), reviewers=("api-rev",), root_approvers=True)
API_V2 = OwnersFile("api/v2", approvers=("v2-lead",), reviewers=("v2-rev",), root_approvers=False)
DOCS = OwnersFile("docs", approvers=("doc-lead",), reviewers=("doc-rev", "API-REV"), root_approvers=False)
APIX = OwnersFile("apix", approvers=("apix-lead",))
TREE = {".": ROOT, "api": API, "api/v2": API_V2, "docs": DOCS, "apix": APIX}


@pytest.mark.parametrize(
    ("changed", "applicable", "root", "approvers", "reviewers"),
    [
        (["README.md"], ["."], True, ("root1", "root2"), ("rrev",)),
        (["api/x.py"], [".", "api"], True, ("api-lead", "root1", "root2"), ("api-rev", "rrev")),
        (["api/v2/x.py"], ["api", "api/v2"], False, ("api-lead", "v2-lead"), ("api-rev", "v2-rev")),
        (["api/v2/deep/x.py"], ["api", "api/v2"], False, ("api-lead", "v2-lead"), ("api-rev", "v2-rev")),
        (["docs/a.md"], ["docs"], False, ("doc-lead",), ("API-REV", "doc-rev")),
        (["docs/a.md", "api/v2/x.py"], ["api", "api/v2", "docs"], False, ("api-lead", "doc-lead", "v2-lead"), None),
        (["docs/a.md", "setup.py"], [".", "docs"], True, ("doc-lead", "root1", "root2"), None),
        (["docs/a.md", "api/x.py"], [".", "api", "docs"], True, ("api-lead", "doc-lead", "root1", "root2"), None),
        (["apix/a.py"], [".", "apix"], True, ("apix-lead", "root1", "root2"), None),
        (["other/a.py"], ["."], True, ("root1", "root2"), None),
        ([], ["."], True, ("root1", "root2"), ("rrev",)),
    ],
    ids=[
        "root-file-only",
        "sub-dir-with-root-default",
        "deepest-says-no-root-all-ancestors-apply",
        "deeper-folder-covered-by-ancestors",
        "sibling-no-root",
        "two-no-root-dirs-stay-without-root",
        "root-file-brings-root",
        "one-dir-wants-root",
        "prefix-is-not-ancestor",
        "uncovered-dir",
        "no-changed-files-keeps-root",
    ],
)
def test_resolve_pr_owners(
    changed: list[str], applicable: list[str], root: bool, approvers: tuple[str, ...], reviewers: tuple[str, ...] | None
) -> None:
    pr_owners = resolve_pr_owners(TREE, changed)
    assert [file.directory for file in pr_owners.applicable] == applicable
    assert pr_owners.root_applies is root
    assert root_applies(TREE, changed) is root
    assert pr_owners.approvers == approvers
    if reviewers is not None:
        assert pr_owners.reviewers == reviewers
    assert pr_owners.root_approvers == ("root1", "root2")
    assert pr_owners.root_reviewers == ("rrev",)


def test_reviewers_are_deduplicated_case_insensitively() -> None:
    pr_owners = resolve_pr_owners(TREE, ["docs/a.md", "api/x.py"])
    assert pr_owners.reviewers == ("api-rev", "doc-rev", "rrev")
    assert pr_owners.approvers_with_root == ("api-lead", "doc-lead", "root1", "root2")


def test_without_root_file() -> None:
    pr_owners = resolve_pr_owners({"api": API}, ["x.py", "api/a.py"])
    assert pr_owners.root_applies
    assert [file.directory for file in pr_owners.applicable] == ["api"]
    assert pr_owners.root_approvers == ()
    assert allowed_users({"api": API}) == ()


def test_repository_wide_lists() -> None:
    assert repository_approvers(TREE) == ("api-lead", "apix-lead", "doc-lead", "root1", "root2", "v2-lead")
    assert repository_reviewers(TREE) == ("api-rev", "doc-rev", "rrev", "v2-rev")
    assert allowed_users(TREE) == ("guest",)


@pytest.mark.parametrize(
    ("reviewers", "reviewed", "requested", "expected"),
    [
        (("a", "author", "b"), (), (), ("a", "b")),
        (("a", "b", "c"), ("B",), ("@c",), ("a",)),
        (("a",), ("a",), (), ()),
        ((), (), (), ()),
    ],
    ids=["excludes-author", "skips-reviewed-and-requested", "nothing-new", "no-reviewers"],
)
def test_reviewers_to_request(
    reviewers: tuple[str, ...], reviewed: tuple[str, ...], requested: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    assert reviewers_to_request(reviewers, "Author", reviewed, requested) == expected


@pytest.mark.parametrize(
    ("author", "root_approvers", "expected"),
    [
        ("@dev", ("lead", "other"), ("dev", "lead")),
        ("dev", (), ("dev",)),
        ("Lead", ("lead", "other"), ("Lead",)),
    ],
    ids=["author-then-first-root-approver", "no-root-approvers", "author-is-first-root-approver"],
)
def test_assignee_candidates(author: str, root_approvers: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert assignee_candidates(author, root_approvers) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "approvers: &team [alice]\nreviewers: *team\n",
            (("approvers", "alice", 1), ("reviewers", "alice", 1)),
            id="alias-points-at-the-anchor-line",
        ),
        pytest.param("base: &b {approvers: [x]}\n<<: *b\n", (), id="merge-key-gives-no-line"),
        pytest.param("approvers: {alice: 1}\nreviewers: bob\n", (), id="lists-of-the-wrong-shape"),
        pytest.param("approvers:\n  - [nested]\n  - carol\n", (("approvers", "carol", 3),), id="nested-item-skipped"),
        pytest.param("? [a, b]\n: [c]\napprovers: [dave]\n", (("approvers", "dave", 3),), id="non-scalar-key"),
        pytest.param("- alice\n- bob\n", (), id="not-a-mapping"),
    ],
)
def test_owners_lines_of_hostile_documents(text: str, expected: tuple[tuple[str, str, int], ...]) -> None:
    lines = owners_lines(text)
    assert tuple((line.role, line.login, line.line) for line in lines) == expected
