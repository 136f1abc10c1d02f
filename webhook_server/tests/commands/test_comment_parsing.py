"""How a comment becomes commands, through the real server: several commands in order, unknown words, ignored
comments, draft rules, one refusal per comment, and a failing command (`commands.md` §1, §4, §6)."""

from webhook_server.tests.commands.cases import Case, run_case, table
from webhook_server.tests.commands.verifiers import no_server_comment
from webhook_server.tests.commands.world import (
    APPROVER,
    AUTHOR,
    COLLABORATOR,
    DRAFTY,
    OPEN_DRAFTS,
    OUTSIDER,
    REPO,
    CommandWorld,
    CommentOutcome,
)

NOT_VALID = "`/add-allowed-user @zed`"
DRAFT_REFUSAL = "Command `/wip` is not allowed on draft PRs.\nAllowed commands on draft PRs: lgtm, hold"


def exact_draft_refusal(world: CommandWorld, outcome: CommentOutcome) -> None:
    assert outcome.replies == [DRAFT_REFUSAL]


def refuse_title_edits(world: CommandWorld, repo: str, number: int) -> None:
    world.fake.fail_next(1, 403, f"/repos/{repo}/pulls/{number}", method="PATCH", message="Title is locked")


def delivery_is_partial(world: CommandWorld, outcome: CommentOutcome) -> None:
    assert world.server.summary_of(outcome.delivery_id)["status"] == "partial"
    assert outcome.replies[0].endswith(f"(delivery {outcome.delivery_id}).")


PARSING_CASES = [
    Case(
        "several-commands-run-in-order",
        "/hold\n/lgtm\n/foo",
        APPROVER,
        True,
        replies=("Unknown command `/foo`.",),
        present=("hold", "lgtm-alice"),
    ),
    Case(
        "unknown-with-suggestion",
        "/lgtmm",
        COLLABORATOR,
        False,
        replies=("Unknown command `/lgtmm`. Did you mean `/lgtm`?",),
    ),
    Case("unknown-pointer-to-help", "/frobnicate", COLLABORATOR, False, replies=("Use `/help`",)),
    Case(
        "command-words-are-case-sensitive",
        "/LGTM",
        COLLABORATOR,
        False,
        replies=("Unknown command `/LGTM`.",),
        absent=("lgtm-cole",),
    ),
    Case("path-like-words-ignored", "/usr/bin/env python", COLLABORATOR, False, verify=no_server_comment),
    Case("not-at-line-start-ignored", "please /lgtm", COLLABORATOR, False, absent=("lgtm-cole",), handler_step=None),
    Case("leading-whitespace-first-line", "  /lgtm  ", COLLABORATOR, True, present=("lgtm-cole",)),
    Case("indented-second-line-ignored", "/hold\n  /lgtm", AUTHOR, True, present=("hold",), absent=("lgtm-paul",)),
    Case("trailing-slashes-stripped", "/lgtm/", COLLABORATOR, True, present=("lgtm-cole",)),
    Case(
        "valid-user-refusal-once-per-comment",
        "/retest all\n/reprocess\n/check-can-merge",
        OUTSIDER,
        False,
        replies=(NOT_VALID,),
    ),
    Case(
        "refusal-then-allowed-command-reacts",
        "/approve\n/lgtm",
        COLLABORATOR,
        True,
        replies=("only approvers",),
        present=("lgtm-cole",),
        absent=("approved-cole",),
    ),
    Case(
        "welcome-marker-comment-ignored",
        "<!-- github-webhook-server:welcome -->\n/hold",
        AUTHOR,
        False,
        absent=("hold",),
        handler_step=None,
    ),
    Case(
        "failing-command-reported-others-run",
        "/wip\n/hold",
        AUTHOR,
        True,
        replies=("Command `/wip` failed; see the server logs (delivery comment-",),
        present=("hold",),
        handler_step="failed",
        setup=refuse_title_edits,
        verify=delivery_is_partial,
    ),
]

DRAFT_CASES = [
    Case(
        "draft-unset-ignores-silently", "/hold", AUTHOR, False, absent=("hold",), draft=True, verify=no_server_comment
    ),
    Case("draft-unset-allows-help", "/help", OUTSIDER, True, replies=("Available Commands",), draft=True),
    Case("draft-list-allows-entry-with-slash", "/hold", AUTHOR, True, present=("hold",), draft=True, repo=DRAFTY),
    Case("draft-list-allows-listed", "/lgtm", COLLABORATOR, True, present=("lgtm-cole",), draft=True, repo=DRAFTY),
    Case(
        "draft-list-refuses-others",
        "/wip",
        AUTHOR,
        False,
        replies=None,
        absent=("wip",),
        draft=True,
        repo=DRAFTY,
        verify=exact_draft_refusal,
    ),
    Case(
        "draft-rule-before-permission",
        "/wip",
        OUTSIDER,
        False,
        replies=None,
        draft=True,
        repo=DRAFTY,
        verify=exact_draft_refusal,
    ),
    Case(
        "draft-list-unknown-gets-unknown-reply",
        "/wipp",
        AUTHOR,
        False,
        replies=("Did you mean `/wip`?",),
        draft=True,
        repo=DRAFTY,
    ),
    Case("draft-empty-list-allows-all", "/wip", AUTHOR, True, present=("wip",), draft=True, repo=OPEN_DRAFTS),
]


@table(PARSING_CASES + DRAFT_CASES)
async def test_comment_parsing(command_world: CommandWorld, case: Case) -> None:
    await run_case(command_world, case)


async def test_comment_by_the_bot_login_is_ignored(command_world: CommandWorld) -> None:
    world = command_world
    number = world.open_pr(REPO)
    outcome = await world.comment(REPO, number, "/hold", world.fake.bot_login)
    assert "hold" not in outcome.labels
    assert (outcome.replies, outcome.reactions) == ([], [])
    assert "issue_comment_handler" not in world.server.summary_of(outcome.delivery_id)["workflow_steps"]


async def test_comment_on_a_plain_issue_is_ignored(command_world: CommandWorld) -> None:
    world = command_world
    number = world.fake.create_issue(REPO, "A bug", author=COLLABORATOR)
    outcome = await world.comment(REPO, number, "/hold", COLLABORATOR)
    assert (outcome.labels, outcome.replies, outcome.reactions) == ([], [], [])
    steps = world.server.summary_of(outcome.delivery_id)["workflow_steps"]
    assert steps["webhook_routing"]["skipped"] == "skipped:not-a-pr"
