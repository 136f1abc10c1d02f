"""Release-flow commands through the real server: argument rules, permissions and checks, labels, and the
requests recorded in the ledger's effects table (`commands.md` §3, §5.3; `release.md` §1.1, §1.3, §2)."""

from webhook_server.tests.commands.cases import Case, run_case, table
from webhook_server.tests.commands.verifiers import HEAD_SHA, effect_recorded
from webhook_server.tests.commands.world import (
    APPROVER,
    AUTHOR,
    BARE,
    BOT_LOGIN,
    COLLABORATOR,
    LONG_BRANCH,
    MAINTAINER,
    ORACLE,
    OUTSIDER,
    REPO,
    CommandWorld,
)

NOT_VALID = "`/add-allowed-user @zed`"
LABEL = "cherry-pick-release-1"
REQUESTED = "Cherry-pick to `release-1` requested by @cole; it runs when this PR is merged."

CHERRY_PICK_CASES = [
    Case(
        "cherry-pick-labels-open-pr",
        "/cherry-pick release-1",
        COLLABORATOR,
        True,
        replies=(REQUESTED,),
        present=(LABEL,),
        verify=effect_recorded("cherry-pick-request", "release-1"),
    ),
    Case(
        "cherry-pick-several-branches",
        "/cherry-pick release-1 release-2",
        COLLABORATOR,
        True,
        replies=("`release-1`, `release-2` requested",),
        present=(LABEL, "cherry-pick-release-2"),
    ),
    Case(
        "cherry-pick-missing-branch",
        "/cherry-pick nope",
        COLLABORATOR,
        True,
        replies=("Branch `nope` does not exist.",),
        absent=("cherry-pick-nope",),
    ),
    Case(
        "cherry-pick-missing-and-existing",
        "/cherry-pick nope release-1",
        COLLABORATOR,
        True,
        replies=("Branch `nope` does not exist.", REQUESTED),
        present=(LABEL,),
    ),
    Case(
        "cherry-pick-already-labelled",
        "/cherry-pick release-1",
        COLLABORATOR,
        True,
        replies=("already present",),
        labels=(LABEL,),
        verify=effect_recorded("cherry-pick-request", "release-1", present=False),
    ),
    Case(
        "cherry-pick-merged-pr",
        "/cherry-pick release-1",
        COLLABORATOR,
        True,
        replies=("the request is recorded for the cherry-pick job",),
        present=(LABEL,),
        merged=True,
        verify=effect_recorded("cherry-pick-request", "release-1"),
    ),
    Case(
        "cherry-pick-label-too-long",
        f"/cherry-pick {LONG_BRANCH}",
        COLLABORATOR,
        True,
        replies=("longer than 50 characters", "requested by @cole"),
        absent=(f"cherry-pick-{LONG_BRANCH}",),
        verify=effect_recorded("cherry-pick-request", LONG_BRANCH),
    ),
    Case(
        "cherry-pick-requires-argument",
        "/cherry-pick",
        COLLABORATOR,
        False,
        replies=("cherry-pick requires an argument",),
    ),
    Case(
        "cherry-pick-category-disabled",
        "/cherry-pick release-1",
        COLLABORATOR,
        False,
        replies=("Cherry-pick labels are disabled",),
        repo=BARE,
    ),
    Case(
        "cherry-pick-by-outsider-refused",
        "/cherry-pick release-1",
        OUTSIDER,
        False,
        replies=(NOT_VALID,),
        absent=(LABEL,),
    ),
]

RETRY_CASES = [
    Case(
        "cherry-pick-retry-requires-argument",
        "/cherry-pick-retry",
        COLLABORATOR,
        False,
        replies=("cherry-pick-retry requires an argument",),
    ),
    Case(
        "cherry-pick-retry-one-branch-only",
        "/cherry-pick-retry release-1 release-2",
        COLLABORATOR,
        False,
        replies=("exactly one branch",),
    ),
    Case(
        "cherry-pick-retry-not-merged",
        "/cherry-pick-retry release-1",
        COLLABORATOR,
        False,
        replies=("only after the pull request is merged",),
        labels=(LABEL,),
    ),
    Case(
        "cherry-pick-retry-without-request-suggests",
        "/cherry-pick-retry release-1",
        COLLABORATOR,
        False,
        replies=("use `/cherry-pick release-1` instead",),
        merged=True,
    ),
    Case(
        "cherry-pick-retry-merged-with-label",
        "/cherry-pick-retry release-1",
        COLLABORATOR,
        True,
        replies=("Retrying cherry-pick to `release-1` requested by @cole",),
        labels=(LABEL,),
        merged=True,
        verify=effect_recorded("cherry-pick-retry-request", "release-1"),
    ),
    Case(
        "cherry-pick-retry-by-outsider-refused",
        "/cherry-pick-retry release-1",
        OUTSIDER,
        False,
        replies=(NOT_VALID,),
        labels=(LABEL,),
        merged=True,
    ),
]


def assign_cole(world: CommandWorld, repo: str, number: int) -> None:
    world.fake.assign(repo, number, [COLLABORATOR], author=MAINTAINER)


REBASE_CASES = [
    Case(
        "rebase-by-author",
        "/rebase",
        AUTHOR,
        True,
        replies=("onto `main` requested by @paul",),
        verify=effect_recorded("rebase-request", HEAD_SHA),
    ),
    Case("rebase-by-maintainer", "/rebase", MAINTAINER, True, replies=("requested by @mia",)),
    Case(
        "rebase-by-collaborator-refused",
        "/rebase",
        COLLABORATOR,
        False,
        replies=("only the PR author or a maintainer",),
    ),
    Case("rebase-by-outsider-refused", "/rebase", OUTSIDER, False, replies=(NOT_VALID,)),
    Case(
        "rebase-bot-pr-by-assignee",
        "/rebase",
        COLLABORATOR,
        True,
        replies=("requested by @cole",),
        author=BOT_LOGIN,
        setup=assign_cole,
    ),
    Case(
        "rebase-bot-pr-by-non-assignee-refused",
        "/rebase",
        APPROVER,
        False,
        replies=("only the PR author or a maintainer",),
        author=BOT_LOGIN,
        setup=assign_cole,
    ),
    Case("rebase-merged-refused", "/rebase", AUTHOR, False, replies=("Only an open pull request",), merged=True),
]

CONTAINER_CASES = [
    Case(
        "build-not-configured",
        "/build-and-push-container",
        COLLABORATOR,
        False,
        replies=("Container builds are not configured",),
    ),
    Case(
        "build-records-request",
        "/build-and-push-container --build-arg VERSION=1 --no-cache",
        COLLABORATOR,
        True,
        replies=("Build and push of `quay.io/org/app:pr-",),
        repo=ORACLE,
        verify=effect_recorded("container-build-request", HEAD_SHA),
    ),
    Case(
        "build-rejects-other-flags",
        "/build-and-push-container --volume /:/host",
        COLLABORATOR,
        False,
        replies=("Rejected build arguments: `--volume`, `/:/host`",),
        repo=ORACLE,
        verify=effect_recorded("container-build-request", HEAD_SHA, present=False),
    ),
    Case("build-by-outsider-refused", "/build-and-push-container", OUTSIDER, False, replies=(NOT_VALID,), repo=ORACLE),
]

CASES = CHERRY_PICK_CASES + RETRY_CASES + REBASE_CASES + CONTAINER_CASES


@table(CASES)
async def test_release_command(command_world: CommandWorld, case: Case) -> None:
    await run_case(command_world, case)


async def test_cherry_pick_retry_accepts_a_recorded_request_without_label(command_world: CommandWorld) -> None:
    """A label over 50 characters is not added, but the recorded request lets `/cherry-pick-retry` run."""
    world = command_world
    number = world.open_pr(REPO)
    first = await world.comment(REPO, number, f"/cherry-pick {LONG_BRANCH}", COLLABORATOR)
    assert first.reactions == ["+1"]
    world.fake.merge(REPO, number, author=MAINTAINER)
    retry = await world.comment(REPO, number, f"/cherry-pick-retry {LONG_BRANCH}", COLLABORATOR)
    assert retry.reactions == ["+1"]
    assert retry.replies == [f"Retrying cherry-pick to `{LONG_BRANCH}` requested by @cole"]
