"""Permission classes (`commands.md` §2, §3) decided from fixed facts: who is a valid user, a maintainer,
a PR or repository approver, the PR author, granted by `/add-allowed-user`, or may `/rebase`."""

from collections.abc import Sequence

import pytest

from webhook_server.libs.commands.permissions import (
    AccessSources,
    CommandAccess,
    GrantComment,
    OwnersFacts,
    PermissionClass,
    Verdict,
)
from webhook_server.libs.commands.repository_people import RepositoryPeople

P = PermissionClass
ALLOWED, NOT_VALID, DENIED = Verdict.ALLOWED, Verdict.NOT_VALID_USER, Verdict.DENIED
BOT = "fake-app[bot]"

PEOPLE = RepositoryPeople(
    collaborators=("alice", "cole", "mia", "paul", "rita"), maintainers=("mia",), contributors=("connie",)
)
OWNERS = OwnersFacts(
    pr_approvers_with_root=("alice",),
    pr_reviewers=("alice", "rita", "rob"),
    repository_approvers=("alice", "sam"),
    allowed_users=("al",),
)
GRANTS = (
    GrantComment("mia", "/add-allowed-user @gina"),
    GrantComment("sam", "thanks!\n/add-allowed-user gus"),
    GrantComment("cole", "/add-allowed-user @zed"),
    GrantComment("mia", "/add-allowed-user @ned please"),
)


class Calls:
    """Counts how often each source was read."""

    def __init__(self) -> None:
        self.counts = {"people": 0, "owners": 0, "comments": 0, "assignees": 0}

    def sources(self, assignees: Sequence[str]) -> AccessSources:
        async def people() -> RepositoryPeople:
            self.counts["people"] += 1
            return PEOPLE

        async def owners() -> OwnersFacts:
            self.counts["owners"] += 1
            return OWNERS

        async def comments() -> Sequence[GrantComment]:
            self.counts["comments"] += 1
            return GRANTS

        async def assigned() -> Sequence[str]:
            self.counts["assignees"] += 1
            return assignees

        return AccessSources(people=people, owners=owners, pr_comments=comments, assignees=assigned)


def access(author: str = "paul", assignees: Sequence[str] = ()) -> tuple[CommandAccess, Calls]:
    calls = Calls()
    return CommandAccess(calls.sources(assignees), pr_author=author, bot_login=BOT), calls


VERDICTS = [
    ("valid-maintainer", P.VALID_USER, "mia", ALLOWED),
    ("valid-collaborator", P.VALID_USER, "cole", ALLOWED),
    ("valid-collaborator-case-insensitive", P.VALID_USER, "COLE", ALLOWED),
    ("valid-contributor", P.VALID_USER, "connie", ALLOWED),
    ("valid-repository-approver", P.VALID_USER, "sam", ALLOWED),
    ("valid-pr-reviewer", P.VALID_USER, "rob", ALLOWED),
    ("valid-allowed-users", P.VALID_USER, "al", ALLOWED),
    ("valid-granted-by-maintainer", P.VALID_USER, "gina", ALLOWED),
    ("valid-granted-by-approver-without-at", P.VALID_USER, "gus", ALLOWED),
    ("valid-grant-by-collaborator-ignored", P.VALID_USER, "zed", NOT_VALID),
    ("valid-grant-with-extra-words-ignored", P.VALID_USER, "ned", NOT_VALID),
    ("valid-stranger", P.VALID_USER, "stranger", NOT_VALID),
    ("author-or-valid-author", P.PR_AUTHOR_OR_VALID_USER, "paul", ALLOWED),
    ("author-or-valid-stranger", P.PR_AUTHOR_OR_VALID_USER, "stranger", NOT_VALID),
    ("author-or-approver-author", P.PR_AUTHOR_OR_PR_APPROVER, "Paul", ALLOWED),
    ("author-or-approver-approver", P.PR_AUTHOR_OR_PR_APPROVER, "alice", ALLOWED),
    ("author-or-approver-collaborator", P.PR_AUTHOR_OR_PR_APPROVER, "cole", DENIED),
    ("author-or-approver-other-dir-approver", P.PR_AUTHOR_OR_PR_APPROVER, "sam", DENIED),
    ("not-author-author", P.NOT_PR_AUTHOR, "PAUL", DENIED),
    ("not-author-stranger", P.NOT_PR_AUTHOR, "stranger", ALLOWED),
    ("approver-approver", P.PR_APPROVER, "alice", ALLOWED),
    ("approver-other-dir-approver", P.PR_APPROVER, "sam", DENIED),
    ("approver-maintainer", P.PR_APPROVER, "mia", DENIED),
    ("maintainer-maintainer", P.MAINTAINER, "mia", ALLOWED),
    ("maintainer-approver", P.MAINTAINER, "alice", DENIED),
    ("maintainer-or-approver-maintainer", P.MAINTAINER_OR_REPOSITORY_APPROVER, "mia", ALLOWED),
    ("maintainer-or-approver-repo-approver", P.MAINTAINER_OR_REPOSITORY_APPROVER, "sam", ALLOWED),
    ("maintainer-or-approver-collaborator", P.MAINTAINER_OR_REPOSITORY_APPROVER, "cole", DENIED),
    ("rebase-author", P.REBASER, "paul", ALLOWED),
    ("rebase-maintainer", P.REBASER, "mia", ALLOWED),
    ("rebase-collaborator", P.REBASER, "cole", DENIED),
    ("rebase-stranger", P.REBASER, "stranger", NOT_VALID),
    ("anyone-stranger", P.ANYONE, "stranger", ALLOWED),
]


@pytest.mark.parametrize(
    ("permission", "login", "expected"), [case[1:] for case in VERDICTS], ids=[c[0] for c in VERDICTS]
)
async def test_verdict(permission: PermissionClass, login: str, expected: Verdict) -> None:
    checker, _ = access()
    assert await checker.verdict(permission, login) is expected


BOT_PR = [
    ("bot-pr-assignee", "cole", ALLOWED),
    ("bot-pr-maintainer", "mia", ALLOWED),
    ("bot-pr-other-collaborator", "alice", DENIED),
]


@pytest.mark.parametrize(("login", "expected"), [case[1:] for case in BOT_PR], ids=[c[0] for c in BOT_PR])
async def test_rebase_of_a_bot_authored_pr_needs_an_assignee_or_maintainer(login: str, expected: Verdict) -> None:
    checker, _ = access(author=BOT, assignees=("cole",))
    assert await checker.verdict(P.REBASER, login) is expected


async def test_sources_are_read_lazily_and_once() -> None:
    checker, calls = access()
    assert await checker.verdict(P.ANYONE, "stranger") is ALLOWED
    assert await checker.verdict(P.NOT_PR_AUTHOR, "stranger") is ALLOWED
    assert calls.counts == {"people": 0, "owners": 0, "comments": 0, "assignees": 0}
    for login in ("cole", "stranger", "zed", "gina", "stranger"):
        await checker.verdict(P.VALID_USER, login)
    assert calls.counts == {"people": 1, "owners": 1, "comments": 1, "assignees": 0}


async def test_valid_user_refusal_names_who_can_grant() -> None:
    checker, _ = access()
    reply = await checker.valid_user_refusal("zed")
    assert "@zed is not allowed to run commands" in reply
    assert "Maintainers: `mia`" in reply
    assert "Repository approvers: `alice`, `sam`" in reply
    assert "`/add-allowed-user @zed`" in reply
    assert not any(line.startswith("/") for line in reply.splitlines())
