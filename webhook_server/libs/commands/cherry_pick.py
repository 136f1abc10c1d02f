"""`/cherry-pick <branch> [<branch> ...]` (`release.md` §1.1): validate the target branches and set the
`cherry-pick-<branch>` labels (a label over 50 characters is recorded as a request instead). On an open PR
the cherry-picks run at merge; on a merged PR their jobs are queued at once."""

from github import UnknownObjectException

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.config.rule_inputs import label_categories
from webhook_server.libs.github.api_call import github_api_call
from webhook_server.libs.pr.labels import LabelService
from webhook_server.libs.release.cherry_pick import schedule_cherry_picks
from webhook_server.libs.release.cherry_pick_requests import record_request
from webhook_server.libs.rules.labels import MAX_LABEL_LENGTH, LabelCategory, cherry_pick_label
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp

CATEGORY_DISABLED_REPLY = "Cherry-pick labels are disabled for this repository, so nothing was scheduled."


async def _category_disabled(run: CommandRun) -> str | None:
    return None if LabelCategory.CHERRY_PICK in label_categories(run.config) else CATEGORY_DISABLED_REPLY


async def _branch_exists(run: CommandRun, branch: str) -> bool:
    try:
        await github_api_call(run.webhook.repository.get_branch, branch)
    except UnknownObjectException:
        return False
    return True


def _listed(branches: list[str]) -> str:
    return ", ".join(f"`{branch}`" for branch in branches)


async def _label_or_record(run: CommandRun, branches: list[str]) -> None:
    """A `cherry-pick-<branch>` label per branch; a request record where the label would be too long."""
    labels = LabelService.of(run.webhook)
    too_long: list[str] = []
    for branch in branches:
        label = cherry_pick_label(branch)
        if len(label) <= MAX_LABEL_LENGTH:
            await labels.add(label)
            continue
        too_long.append(branch)
        ledger, full_name = run.webhook.services.ledger, run.config.full_name
        await record_request(ledger, full_name, run.pull.number, branch, {"requested_by": run.commenter})
    if too_long:
        await run.reply(
            f"The label for {_listed(too_long)} would be longer than {MAX_LABEL_LENGTH} characters and was not added; "
            "the request is recorded and the cherry-pick still happens."
        )


async def _schedule(run: CommandRun, branches: list[str]) -> None:
    await _label_or_record(run, branches)
    if not run.pull.merged:
        await run.reply(
            f"Cherry-pick to {_listed(branches)} requested by @{run.commenter}; it runs when this PR is merged."
        )
        return
    await run.reply(f"Cherry-pick to {_listed(branches)} requested by @{run.commenter}; the cherry-pick starts now.")
    await schedule_cherry_picks(run.webhook, run.pull, branches)


async def _cherry_pick(run: CommandRun) -> None:
    branches = list(dict.fromkeys(run.command.args.split()))
    missing = [branch for branch in branches if not await _branch_exists(run, branch)]
    if missing:
        await run.reply("\n".join(f"Branch `{branch}` does not exist." for branch in missing))
    current = await LabelService.of(run.webhook).current()
    present = [branch for branch in branches if branch not in missing and cherry_pick_label(branch) in current]
    if present:
        await run.reply(
            f"The cherry-pick label is already present for {_listed(present)}; remove the label and run the command "
            "again to trigger it once more."
        )
    remaining = [branch for branch in branches if branch not in missing and branch not in present]
    if remaining:
        await _schedule(run, remaining)


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    if LabelCategory.CHERRY_PICK not in label_categories(config):
        return ()
    return (
        CommandHelp(
            "/cherry-pick <branch>",
            "Cherry-pick this PR to `<branch>` once merged (several branches may be given)",
            CommandGroup.CHERRY_PICK,
        ),
    )


CHERRY_PICK_COMMAND = CommandSpec(
    name="cherry-pick",
    permission=PermissionClass.VALID_USER,
    argument=ArgumentRule.REQUIRED,
    effect=_cherry_pick,
    help_lines=_help,
    precondition=_category_disabled,
)
