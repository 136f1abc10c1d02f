"""The long-lived services a delivery's handlers may use, bundled so handlers get them in one place."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.github.repository_context import GithubAccess
from webhook_server.libs.pipeline.deferred import DeferredWork
from webhook_server.libs.pipeline.dispatcher import Dispatcher
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.pipeline.merge_evaluations import MergeEvaluations
from webhook_server.libs.rules.welcome import CommandHelp

CommandHelpSource = Callable[[RepositoryConfig], tuple[CommandHelp, ...]]


@dataclass
class ServerServices:
    """Built once by the server runtime; `extensions` holds services added by later capabilities
    (for example the check service, git mirrors) under a well-known name."""

    access: GithubAccess
    ledger: Ledger
    dispatcher: Dispatcher
    evaluations: MergeEvaluations
    command_help: CommandHelpSource  # the command registry's help lines; the registry sits above the PR workflow
    deferred: DeferredWork  # ledger-backed timers (mergeable re-checks): nothing waits inside a lane
    extensions: dict[str, Any] = field(default_factory=dict)
