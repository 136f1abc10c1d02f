"""`/build-and-push-container [<build args>]` (`commands.md` §5.3): allow-listed build arguments only; the
request (tag `pr-<N>`) is recorded. Building and pushing the image is the release flow's work."""

from webhook_server.libs.commands.context import CommandRun
from webhook_server.libs.commands.model import ArgumentRule, CommandSpec, PermissionClass
from webhook_server.libs.commands.release_requests import CONTAINER_BUILD_REQUEST, record_request
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.rules.commands import parse_build_arguments, rejected_build_arguments_reply
from webhook_server.libs.rules.welcome import CommandGroup, CommandHelp

NOT_CONFIGURED_REPLY = "Container builds are not configured for this repository (`container` is not set)."


async def _validate(run: CommandRun) -> str | None:
    rejected = parse_build_arguments(run.command.args).rejected
    return rejected_build_arguments_reply(rejected) if rejected else None


async def _configured(run: CommandRun) -> str | None:
    return NOT_CONFIGURED_REPLY if run.config.container is None else None


async def _build_and_push(run: CommandRun) -> None:
    container = run.config.container
    assert container is not None  # checked by the precondition
    tag = f"pr-{run.pull.number}"
    details = {
        "requested_by": run.commenter,
        "args": list(parse_build_arguments(run.command.args).accepted),
        "image": f"{container.repository}:{tag}",
    }
    await record_request(run.webhook, CONTAINER_BUILD_REQUEST, run.pull.head_sha, details)
    await run.reply(f"Build and push of `{container.repository}:{tag}` requested by @{run.commenter}.")


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
