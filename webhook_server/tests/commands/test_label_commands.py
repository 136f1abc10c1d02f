"""The six label commands through the real server against the fake GitHub: each command, its cancel form,
its permission refusals and disabled categories (`commands.md` §3, §5.2, §5.5-§5.7)."""

from webhook_server.tests.commands.cases import Case, run_case, table
from webhook_server.tests.commands.verifiers import (
    all_of,
    check_run_is,
    no_check_run,
    oracle_analyses,
    title_is,
)
from webhook_server.tests.commands.world import (
    APPROVER,
    AUTHOR,
    BARE,
    COLLABORATOR,
    MAINTAINER,
    ORACLE,
    ORACLE_ON_OPEN,
    OUTSIDER,
    SUB_APPROVER,
    CommandWorld,
)

NOT_VALID = "`/add-allowed-user @zed`"
DOCS = "docs/index.md"

WIP_CASES = [
    Case(
        "wip-adds-label-and-title", "/wip", AUTHOR, True, present=("wip",), verify=title_is("WIP: feat: change the app")
    ),
    Case(
        "wip-keeps-wip-title",
        "/wip",
        AUTHOR,
        True,
        present=("wip",),
        title="WIP: started",
        verify=title_is("WIP: started"),
    ),
    Case(
        "wip-cancel-strips-prefix",
        "/wip cancel",
        COLLABORATOR,
        True,
        absent=("wip",),
        labels=("wip",),
        title="WIP: feat: x",
        verify=title_is("feat: x"),
    ),
    Case(
        "wip-cancel-without-label-keeps-title", "/wip cancel", AUTHOR, True, title="WIP: x", verify=title_is("WIP: x")
    ),
    Case("wip-by-outsider-author", "/wip", OUTSIDER, True, present=("wip",), author=OUTSIDER),
    Case("wip-by-outsider-refused", "/wip", OUTSIDER, False, replies=(NOT_VALID,), absent=("wip",)),
    Case("wip-disabled-category", "/wip", AUTHOR, False, replies=("The `wip` label is disabled",), repo=BARE),
]

HOLD_CASES = [
    Case("hold-by-author", "/hold", AUTHOR, True, present=("hold",)),
    Case("hold-cancel-by-approver", "/hold cancel", APPROVER, True, absent=("hold",), labels=("hold",)),
    Case("hold-by-outsider-author", "/hold", OUTSIDER, True, present=("hold",), author=OUTSIDER),
    Case("hold-by-collaborator-refused", "/hold", COLLABORATOR, False, replies=("only the PR author or approvers",)),
    Case("hold-by-other-dir-approver-refused", "/hold", SUB_APPROVER, False, replies=("can manage hold",)),
    Case("hold-by-dir-approver-of-pr", "/hold", SUB_APPROVER, True, present=("hold",), path=DOCS),
    Case("hold-disabled-category", "/hold", AUTHOR, False, replies=("The `hold` label is disabled",), repo=BARE),
]

VERIFIED_CASES = [
    Case(
        "verified-sets-label-and-check",
        "/verified",
        COLLABORATOR,
        True,
        present=("verified",),
        verify=check_run_is("verified", "completed", "success"),
    ),
    Case(
        "verified-cancel-queues-check",
        "/verified cancel",
        AUTHOR,
        True,
        absent=("verified",),
        labels=("verified",),
        verify=check_run_is("verified", "queued"),
    ),
    Case("verified-by-outsider-author", "/verified", OUTSIDER, True, present=("verified",), author=OUTSIDER),
    Case("verified-by-outsider-refused", "/verified", OUTSIDER, False, replies=(NOT_VALID,), absent=("verified",)),
    Case(
        "verified-without-verified-job-label-only",
        "/verified",
        COLLABORATOR,
        True,
        present=("verified",),
        repo=ORACLE,
        verify=no_check_run("verified"),
    ),
    Case(
        "verified-disabled-category", "/verified", AUTHOR, False, replies=("`verified` label is disabled",), repo=BARE
    ),
]

LGTM_CASES = [
    Case("lgtm-by-collaborator", "/lgtm", COLLABORATOR, True, present=("lgtm-cole",)),
    Case("lgtm-by-author-refused", "/lgtm", AUTHOR, False, replies=("cannot use `/lgtm`",), absent=("lgtm-paul",)),
    Case("lgtm-cancel", "/lgtm cancel", COLLABORATOR, True, absent=("lgtm-cole",), labels=("lgtm-cole",)),
    Case("lgtm-by-outsider", "/lgtm", OUTSIDER, True, present=("lgtm-zed",)),
    Case(
        "lgtm-clears-changes-requested",
        "/lgtm",
        COLLABORATOR,
        True,
        present=("lgtm-cole",),
        absent=("changes-requested-cole",),
        labels=("changes-requested-cole",),
    ),
]

APPROVE_CASES = [
    Case("approve-by-root-approver", "/approve", APPROVER, True, present=("approved-alice",)),
    Case(
        "approve-clears-changes-requested",
        "/approve",
        APPROVER,
        True,
        present=("approved-alice",),
        absent=("changes-requested-alice",),
        labels=("changes-requested-alice",),
    ),
    Case(
        "approve-by-collaborator-refused",
        "/approve",
        COLLABORATOR,
        False,
        replies=("only approvers",),
        absent=("approved-cole",),
    ),
    Case("approve-cancel", "/approve cancel", APPROVER, True, absent=("approved-alice",), labels=("approved-alice",)),
    Case("approve-by-other-dir-approver-refused", "/approve", SUB_APPROVER, False, replies=("only approvers",)),
    Case("approve-by-dir-approver-of-pr", "/approve", SUB_APPROVER, True, present=("approved-sam",), path=DOCS),
    Case("approve-own-pr-by-approver", "/approve", APPROVER, True, present=("approved-alice",), author=APPROVER),
    Case(
        "approve-fires-oracle",
        "/approve",
        APPROVER,
        True,
        present=("approved-alice",),
        repo=ORACLE,
        verify=oracle_analyses(1),
    ),
    Case(
        "approve-already-approved-no-oracle",
        "/approve",
        APPROVER,
        True,
        labels=("approved-alice",),
        repo=ORACLE,
        verify=oracle_analyses(0),
    ),
    Case(
        "approve-trigger-not-listed-no-oracle",
        "/approve",
        APPROVER,
        True,
        present=("approved-alice",),
        repo=ORACLE_ON_OPEN,
        verify=oracle_analyses(0),
    ),
    Case(
        "approve-refused-no-oracle",
        "/approve",
        COLLABORATOR,
        False,
        replies=("only approvers",),
        repo=ORACLE,
        verify=oracle_analyses(0),
    ),
    Case(
        "approve-cancel-no-oracle",
        "/approve cancel",
        APPROVER,
        True,
        labels=("approved-alice",),
        absent=("approved-alice",),
        repo=ORACLE,
        verify=all_of(oracle_analyses(0)),
    ),
]

AUTOMERGE_CASES = [
    Case("automerge-by-maintainer", "/automerge", MAINTAINER, True, present=("automerge",)),
    Case("automerge-by-repository-approver", "/automerge", SUB_APPROVER, True, present=("automerge",)),
    Case(
        "automerge-cancel-removes", "/automerge cancel", MAINTAINER, True, absent=("automerge",), labels=("automerge",)
    ),
    Case(
        "automerge-by-collaborator-refused",
        "/automerge",
        COLLABORATOR,
        False,
        replies=("Only maintainers or approvers can set pull request to auto-merge",),
        absent=("automerge",),
    ),
    Case(
        "automerge-disabled-category",
        "/automerge",
        MAINTAINER,
        False,
        replies=("`automerge` label is disabled",),
        repo=BARE,
    ),
]

CASES = WIP_CASES + HOLD_CASES + VERIFIED_CASES + LGTM_CASES + APPROVE_CASES + AUTOMERGE_CASES


@table(CASES)
async def test_label_command(command_world: CommandWorld, case: Case) -> None:
    await run_case(command_world, case)
