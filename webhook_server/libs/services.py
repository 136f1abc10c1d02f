"""The long-lived services a delivery's handlers may use, bundled so handlers get them in one place."""

from dataclasses import dataclass, field
from typing import Any

from webhook_server.libs.dispatcher import Dispatcher
from webhook_server.libs.ledger import Ledger
from webhook_server.libs.merge_evaluations import MergeEvaluations
from webhook_server.libs.repository_context import GithubAccess


@dataclass
class ServerServices:
    """Built once by the server runtime; `extensions` holds services added by later capabilities
    (for example the check service, git mirrors) under a well-known name."""

    access: GithubAccess
    ledger: Ledger
    dispatcher: Dispatcher
    evaluations: MergeEvaluations
    extensions: dict[str, Any] = field(default_factory=dict)
