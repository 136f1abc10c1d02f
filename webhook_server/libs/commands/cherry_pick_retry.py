"""`/cherry-pick-retry <branch>` (`release.md` §1.3): checks the request, closes the previous cherry-pick PR,
announces the retry, clears the record and runs the cherry-pick again."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import label_categories
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.release.cherry_pick import close_previous_cherry_pick, rerun_cherry_pick
from webhook_server.libs.release.cherry_pick_requests import has_request
from webhook_server.libs.rules.labels import LabelCategory, cherry_pick_label
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp

NOT_MERGED_REPLY = "A cherry-pick can be retried only after the pull request is merged."


def _branch(run: CommandRun) -> str:
    return run.command.args.split()[0]


async def _validate(run: CommandRun) -> str | None:
    if len(run.command.args.split()) != 1:
        return "cherry-pick-retry takes exactly one branch"
    return None


async def _retry_allowed(run: CommandRun) -> str | None:
    if not run.pull.merged:
        return NOT_MERGED_REPLY
    branch = _branch(run)
    labelled = cherry_pick_label(branch) in await LabelService.of(run.webhook).current()
    if labelled or await has_request(run.webhook.services.ledger, run.config.full_name, run.pull.number, branch):
        return None
    return f"No cherry-pick to `{branch}` was requested for this PR; use `/cherry-pick {branch}` instead."


async def _cherry_pick_retry(run: CommandRun) -> None:
    branch = _branch(run)
    await close_previous_cherry_pick(run.webhook, run.pull, branch, run.commenter)
    await run.reply(f"Retrying cherry-pick to `{branch}` requested by @{run.commenter}")
    await rerun_cherry_pick(run.webhook, run.pull, branch)


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    if LabelCategory.CHERRY_PICK not in label_categories(config):
        return ()
    return (
        CommandHelp(
            "/cherry-pick-retry <branch>",
            "Replace the cherry-pick PR for `<branch>` with a fresh one",
            CommandGroup.CHERRY_PICK,
        ),
    )


CHERRY_PICK_RETRY_COMMAND = CommandSpec(
    name="cherry-pick-retry",
    permission=PermissionClass.VALID_USER,
    argument=ArgumentRule.REQUIRED,
    effect=_cherry_pick_retry,
    help_lines=_help,
    validate=_validate,
    precondition=_retry_allowed,
)
