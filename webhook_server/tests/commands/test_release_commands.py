"""Release-flow commands through the real server: argument rules, permissions and checks, labels, and what
the started jobs leave behind — cherry-pick PRs, rebase and container comments, recorded requests
(`commands.md` §3, §5.3; `release.md` §1.1, §1.3, §2, §3). The flows themselves are tested in `tests/release/`."""

import pytest

from webhook_server.libs.release.tools import ReleaseTools
from webhook_server.tests.commands.cases import Case, Verify, run_case, table
from webhook_server.tests.commands.verifiers import effect_recorded
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
    CommentOutcome,
)
from webhook_server.tests.release.world import install_release_service

NOT_VALID = "`/add-allowed-user @zed`"
LABEL = "cherry-pick-release-1"
REQUESTED = "Cherry-pick to `release-1` requested by @cole; it runs when this PR is merged."
PICKED = "Cherry-picked PR for `release-1`: "


@pytest.fixture(scope="module", autouse=True)
def release_tools(command_world: CommandWorld, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Podman in temporary storage (the container cases' builds fail before pulling anything)."""
    root = tmp_path_factory.mktemp("command-containers")
    storage, containers = root / "storage.conf", root / "containers.conf"
    storage.write_text(f'[storage]\ndriver = "vfs"\ngraphroot = "{root}/graph"\nrunroot = "{root}/run"\n')
    containers.write_text('[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n')
    environment = {"CONTAINERS_STORAGE_CONF": str(storage), "CONTAINERS_CONF": str(containers)}
    tools = ReleaseTools(podman_build_flags=("--pull=never",), environment=environment)
    install_release_service(command_world.server.runtime, tools)


def cherry_pick_prs(count: int) -> Verify:
    """How many PRs the App opened for this PR (found by the original PR URL in their body)."""

    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        opened = [
            pull
            for pull in world.fake.pulls(REPO)
            if pull["user"]["login"] == BOT_LOGIN and outcome.pull["html_url"] in (pull["body"] or "")
        ]
        assert len(opened) == count, opened

    return verify


def head_moved(expected: bool) -> Verify:
    def verify(world: CommandWorld, outcome: CommentOutcome) -> None:
        now = world.fake.pull(REPO, outcome.pull["number"])["head"]["sha"]
        assert (now != outcome.pull["head"]["sha"]) is expected

    return verify


CHERRY_PICK_CASES = [
    Case(
        "cherry-pick-labels-open-pr",
        "/cherry-pick release-1",
        COLLABORATOR,
        True,
        replies=(REQUESTED,),
        present=(LABEL,),
        verify=cherry_pick_prs(0),
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
        verify=cherry_pick_prs(0),
    ),
    Case(
        "cherry-pick-merged-pr",
        "/cherry-pick release-1",
        COLLABORATOR,
        True,
        replies=("the cherry-pick starts now", PICKED),
        present=(LABEL,),
        merged=True,
        path="src/merged_pick.py",
        verify=cherry_pick_prs(1),
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
        replies=("Retrying cherry-pick to `release-1` requested by @cole", PICKED),
        labels=(LABEL,),
        merged=True,
        path="src/retried_pick.py",
        verify=cherry_pick_prs(1),
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
    Case("rebase-by-author", "/rebase", AUTHOR, True, replies=("`main`",), path="docs/rebased.md"),
    Case("rebase-by-maintainer", "/rebase", MAINTAINER, True, replies=("`main`",), path="docs/rebased.md"),
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
        replies=("`main`",),
        author=BOT_LOGIN,
        setup=assign_cole,
        path="docs/rebased.md",
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
        replies=("was not published: the build failed",),
        repo=ORACLE,
    ),
    Case(
        "build-rejects-other-flags",
        "/build-and-push-container --volume /:/host",
        COLLABORATOR,
        False,
        replies=("Rejected build arguments: `--volume`, `/:/host`",),
        repo=ORACLE,
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
    number = world.open_pr(REPO, path="src/long_pick.py")
    first = await world.comment(REPO, number, f"/cherry-pick {LONG_BRANCH}", COLLABORATOR)
    assert first.reactions == ["+1"]
    effect_recorded("cherry-pick-request", LONG_BRANCH)(world, first)
    world.fake.merge(REPO, number, author=MAINTAINER)
    retry = await world.comment(REPO, number, f"/cherry-pick-retry {LONG_BRANCH}", COLLABORATOR)
    assert retry.reactions == ["+1"]
    assert retry.replies[0] == f"Retrying cherry-pick to `{LONG_BRANCH}` requested by @cole"
    assert retry.replies[1].startswith(f"Cherry-picked PR for `{LONG_BRANCH}`: ")
