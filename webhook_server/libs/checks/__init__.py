"""Command checks: one module per built-in check (tox, pre-commit, python-module-install,
build-container) and custom checks, their execution as jobs, the check runs this server owns, and
`CheckService`, the entry point the PR workflow uses. May import `pipeline/`, `github/`, `git/`,
`process/`, `config/`, `rules/` and `utils/`.
"""

from webhook_server.libs.checks.model import CheckTarget, PullRequestRefs, ToolLaunchers
from webhook_server.libs.checks.service import CHECK_JOB_KIND, CheckService, RepositoryResolver

__all__ = ["CHECK_JOB_KIND", "CheckService", "CheckTarget", "PullRequestRefs", "RepositoryResolver", "ToolLaunchers"]
