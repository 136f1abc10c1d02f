"""`/build-and-push-container [<build args>]` (`commands.md` §5.3): allow-listed build arguments only; a job
builds the PR code, pushes it as `pr-<N>` and reports on the PR and to Slack (`release.md` §3.1)."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec
from webhook_server.libs.commands.permissions import PermissionClass
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.release.container_jobs import request_build_and_push
from webhook_server.libs.rules.commands import parse_build_arguments, rejected_build_arguments_reply
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp

NOT_CONFIGURED_REPLY = "Container builds are not configured for this repository (`container` is not set)."


async def _validate(run: CommandRun) -> str | None:
    rejected = parse_build_arguments(run.command.args).rejected
    return rejected_build_arguments_reply(rejected) if rejected else None


async def _configured(run: CommandRun) -> str | None:
    return NOT_CONFIGURED_REPLY if run.config.container is None else None


async def _build_and_push(run: CommandRun) -> None:
    accepted = parse_build_arguments(run.command.args).accepted
    job_id = await request_build_and_push(run.webhook, run.pull, accepted)
    if job_id is None:
        await run.reply("A build and push of this PR's image is already running.")


def _help(config: RepositoryConfig) -> tuple[CommandHelp, ...]:
    if config.container is None:
        return ()
    return (
        CommandHelp(
            "/build-and-push-container",
            "Build the image of this PR and push it as `pr-<number>` (accepts `--build-arg KEY=value`)",
            CommandGroup.CONTAINER,
        ),
    )


BUILD_AND_PUSH_CONTAINER_COMMAND = CommandSpec(
    name="build-and-push-container",
    permission=PermissionClass.VALID_USER,
    argument=ArgumentRule.OPTIONAL,
    effect=_build_and_push,
    help_lines=_help,
    validate=_validate,
    precondition=_configured,
)
