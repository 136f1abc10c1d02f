"""Commands that act on checks, reviewers, the welcome comment, permissions, help and the test oracle, through
the real server against the fake GitHub (`commands.md` §3, §5.1, §5.4; `oracle-and-ai.md` §1)."""

from webhook_server.tests.commands.cases import Case, run_case, table
from webhook_server.tests.commands.verifiers import (
    ANY,
    all_of,
    check_run_is,
    no_check_run,
    oracle_analyses,
    oracle_job,
    reply_mentions,
    reviewers_requested,
    welcome_comment_posted,
)
from webhook_server.tests.commands.world import (
    ALLOWED,
    APPROVER,
    BARE,
    COLLABORATOR,
    CONTRIBUTOR,
    CUSTOM_CHECK,
    MAINTAINER,
    ORACLE,
    ORACLE_DOWN,
    OUTSIDER,
    REVIEWER,
    SUB_APPROVER,
    CommandWorld,
)

NOT_VALID = "`/add-allowed-user @zed`"
PATHS = "security-suspicious-paths"
IDENTITY = "security-committer-identity"
NO_SECURITY_RUNS = no_check_run(PATHS, IDENTITY)
OVERRIDDEN = "Overridden by maintainer @mia"


def refuse_comments(world: CommandWorld, repo: str, number: int) -> None:
    world.fake.fail_next(1, 403, f"/repos/{repo}/issues/{number}/comments", method="POST", message="Locked")


RETEST_CASES = [
    Case("retest-requires-argument", "/retest", COLLABORATOR, False, replies=("retest requires an argument",)),
    Case(
        "retest-one-check", f"/retest {PATHS}", COLLABORATOR, True, verify=check_run_is(PATHS, "completed", "success")
    ),
    Case(
        "retest-all",
        "/retest all",
        COLLABORATOR,
        True,
        verify=all_of(check_run_is(PATHS, "completed", "success"), check_run_is(IDENTITY, "completed", ANY)),
    ),
    Case(
        "retest-all-combined-refused",
        f"/retest all {PATHS}",
        COLLABORATOR,
        False,
        replies=("cannot be combined",),
        verify=NO_SECURITY_RUNS,
    ),
    Case(
        "retest-unknown-only",
        "/retest tox",
        COLLABORATOR,
        False,
        replies=("so not run: `tox`",),
        verify=NO_SECURITY_RUNS,
    ),
    Case(
        "retest-all-is-a-whole-word",
        "/retest python-module-install",
        COLLABORATOR,
        False,
        replies=("`python-module-install`",),
        verify=NO_SECURITY_RUNS,
    ),
    Case(
        "retest-mixed-runs-the-valid-ones",
        f"/retest tox {IDENTITY}",
        COLLABORATOR,
        True,
        replies=("`tox`",),
        verify=all_of(check_run_is(IDENTITY, "completed", ANY), no_check_run(PATHS)),
    ),
    Case(
        "retest-command-check-runs-a-job",
        f"/retest {CUSTOM_CHECK}",
        COLLABORATOR,
        True,
        repo=ORACLE,
        verify=check_run_is(CUSTOM_CHECK, "completed", "success"),
    ),
    Case(
        "retest-nothing-configured",
        "/retest all",
        COLLABORATOR,
        False,
        replies=("No checks are configured",),
        repo=BARE,
    ),
    Case("retest-by-outsider-refused", "/retest all", OUTSIDER, False, replies=(NOT_VALID,), verify=NO_SECURITY_RUNS),
    Case("retest-by-allowed-user", f"/retest {PATHS}", ALLOWED, True),
    Case("retest-by-contributor", f"/retest {PATHS}", CONTRIBUTOR, True),
    Case("retest-by-owners-reviewer", f"/retest {PATHS}", REVIEWER, True),
    Case(
        "retest-by-granted-user", f"/retest {PATHS}", OUTSIDER, True, before=((MAINTAINER, "/add-allowed-user @zed"),)
    ),
    Case(
        "retest-grant-by-collaborator-ignored",
        f"/retest {PATHS}",
        OUTSIDER,
        False,
        replies=(NOT_VALID,),
        before=((COLLABORATOR, "/add-allowed-user @zed"),),
    ),
]

WORKFLOW_CASES = [
    Case(
        "reprocess-posts-missing-welcome", "/reprocess", COLLABORATOR, True, replies=None, verify=welcome_comment_posted
    ),
    Case(
        "reprocess-merged-does-nothing",
        "/reprocess",
        COLLABORATOR,
        False,
        replies=("nothing to reprocess",),
        merged=True,
    ),
    Case("reprocess-by-outsider-refused", "/reprocess", OUTSIDER, False, replies=(NOT_VALID,)),
    Case(
        "regenerate-welcome-posts",
        "/regenerate-welcome",
        COLLABORATOR,
        True,
        replies=None,
        verify=welcome_comment_posted,
    ),
    Case(
        "assign-reviewers-from-owners",
        "/assign-reviewers",
        COLLABORATOR,
        True,
        verify=reviewers_requested(APPROVER, REVIEWER),
    ),
    Case("assign-reviewers-by-outsider-refused", "/assign-reviewers", OUTSIDER, False, replies=(NOT_VALID,)),
    Case(
        "assign-reviewer-collaborator",
        "/assign-reviewer @cole",
        MAINTAINER,
        True,
        verify=reviewers_requested(COLLABORATOR),
    ),
    Case(
        "assign-reviewer-not-collaborator",
        "/assign-reviewer @zed",
        MAINTAINER,
        True,
        replies=("zed is not a repository collaborator",),
    ),
    Case(
        "assign-reviewer-requires-argument",
        "/assign-reviewer",
        MAINTAINER,
        False,
        replies=("assign-reviewer requires an argument",),
    ),
    Case(
        "check-can-merge-evaluates",
        "/check-can-merge",
        COLLABORATOR,
        True,
        verify=check_run_is("can-be-merged", "completed", "failure"),
    ),
    Case(
        "check-can-merge-by-outsider-refused",
        "/check-can-merge",
        OUTSIDER,
        False,
        replies=(NOT_VALID,),
        verify=no_check_run("can-be-merged"),
    ),
]

OVERRIDE_CASES = [
    Case(
        "security-override-by-maintainer",
        "/security-override",
        MAINTAINER,
        True,
        replies=("overridden by maintainer @mia",),
        verify=all_of(
            check_run_is(PATHS, "completed", "success", title=OVERRIDDEN),
            check_run_is(IDENTITY, "completed", "success", title=OVERRIDDEN),
        ),
    ),
    Case(
        "security-override-by-collaborator-refused",
        "/security-override",
        COLLABORATOR,
        False,
        replies=("Only maintainers can use `/security-override`",),
        verify=NO_SECURITY_RUNS,
    ),
    Case(
        "security-override-cancel-reruns",
        "/security-override cancel",
        MAINTAINER,
        True,
        replies=("override was removed",),
        verify=check_run_is(PATHS, "completed", "success", title="Security: Suspicious Paths"),
    ),
    Case(
        "security-override-nothing-enabled",
        "/security-override",
        MAINTAINER,
        False,
        replies=("nothing to override",),
        repo=BARE,
    ),
]

GRANT_AND_HELP_CASES = [
    Case(
        "add-allowed-user-by-maintainer",
        "/add-allowed-user @zed",
        MAINTAINER,
        True,
        replies=("zed is now allowed to run commands",),
    ),
    Case(
        "add-allowed-user-by-repository-approver",
        "/add-allowed-user @zed",
        SUB_APPROVER,
        True,
        replies=("zed is now allowed",),
    ),
    Case(
        "add-allowed-user-by-collaborator-refused",
        "/add-allowed-user @zed",
        COLLABORATOR,
        False,
        replies=("only maintainers and approvers",),
    ),
    Case(
        "add-allowed-user-requires-argument",
        "/add-allowed-user",
        MAINTAINER,
        False,
        replies=("add-allowed-user requires an argument",),
    ),
    Case(
        "add-allowed-user-not-exact-says-so",
        "/add-allowed-user @zed please",
        MAINTAINER,
        True,
        replies=("zed was not granted",),
    ),
    Case(
        "help-by-anyone",
        "/help",
        OUTSIDER,
        True,
        replies=("### 📋 Available Commands",),
        verify=reply_mentions(f"`/retest {PATHS}`", "`/hold`", "`/help`", absent=("`/test-oracle`",)),
    ),
    Case(
        "help-hides-disabled-commands",
        "/help",
        OUTSIDER,
        True,
        replies=("No retest actions are configured",),
        repo=BARE,
        verify=reply_mentions(
            "`/lgtm`", absent=("`/hold`", "`/wip`", "`/security-override`", "`/cherry-pick <branch>`")
        ),
    ),
    Case(
        "help-lists-oracle-and-container",
        "/help",
        OUTSIDER,
        True,
        repo=ORACLE,
        verify=reply_mentions("`/test-oracle`", "`/build-and-push-container`"),
        replies=("Available Commands",),
    ),
]

ORACLE_CASES = [
    Case("test-oracle-not-configured", "/test-oracle", COLLABORATOR, False, replies=("Test oracle is not configured",)),
    Case(
        "test-oracle-runs-ignoring-triggers",
        "/test-oracle",
        COLLABORATOR,
        True,
        repo=ORACLE,
        verify=all_of(oracle_analyses(1), oracle_job("succeeded")),
    ),
    Case(
        "test-oracle-on-draft", "/test-oracle", COLLABORATOR, True, repo=ORACLE, draft=True, verify=oracle_analyses(1)
    ),
    Case(
        "test-oracle-by-outsider-refused",
        "/test-oracle",
        OUTSIDER,
        False,
        replies=(NOT_VALID,),
        repo=ORACLE,
        verify=oracle_analyses(0),
    ),
    Case(
        "test-oracle-server-down-comments",
        "/test-oracle",
        COLLABORATOR,
        True,
        replies=("Test Oracle server is not responding (status 503), skipping test analysis",),
        repo=ORACLE_DOWN,
        verify=oracle_job("failed"),
    ),
    Case(
        "test-oracle-failed-health-comment-only-logged",
        "/test-oracle",
        COLLABORATOR,
        True,
        repo=ORACLE_DOWN,
        setup=refuse_comments,
        verify=oracle_job("failed"),
    ),
]

CASES = RETEST_CASES + WORKFLOW_CASES + OVERRIDE_CASES + GRANT_AND_HELP_CASES + ORACLE_CASES


@table(CASES)
async def test_action_command(command_world: CommandWorld, case: Case) -> None:
    await run_case(command_world, case)
