"""PyPI publish on a tag push (`release.md` §4): build the sdist in a worktree at the tag, `twine check` every
built file, `twine upload --skip-existing` with the token in the environment only. A failure opens one issue
per (repository, tag) and comments on it on a repeat; a success tells Slack."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from webhook_server.libs.checks.execution import job_secrets
from webhook_server.libs.config import RepositoryConfig
from webhook_server.libs.git.process import GitError
from webhook_server.libs.github.pages import get_all_pages
from webhook_server.libs.github.repository_context import RepositoryContext
from webhook_server.libs.release.podman import ToolRunner, command_output
from webhook_server.libs.release.repo_api import RepositoryApi, rest
from webhook_server.libs.release.service import ReleaseService
from webhook_server.libs.release.slack import send_slack
from webhook_server.libs.release.source_trees import tag_tree
from webhook_server.libs.release.worktree_git import GitAccess
from webhook_server.libs.rules.check_output import cut_middle
from webhook_server.utils.ansi import strip_ansi
from webhook_server.utils.masking import mask_secret_values

LOGGER = logging.getLogger(__name__)

DIST_DIR_NAME = "pypi-dist"
TITLE_LIMIT = 250
ISSUE_OUTPUT_LIMIT = 60000


def issue_title(error: str) -> str:
    """Newlines become spaces, backticks go, trimmed, at most 250 characters (ending in `...` when cut)."""
    title = error.replace("\r", " ").replace("\n", " ").replace("`", "").strip()
    if len(title) <= TITLE_LIMIT:
        return title
    return title[: TITLE_LIMIT - 3] + "..."


def issue_body(tag: str, error: str) -> str:
    return f"Publishing `{tag}` to PyPI failed.\n\n```\n{error}\n```"


def failure_key(full_name: str, tag: str) -> str:
    """`pypi-failure:<repo>:<tag>`."""
    return f"pypi-failure:{full_name}:{tag}"


def published_text(full_name: str, tag: str) -> str:
    return f"{full_name} version {tag} was published to PyPI"


DIST_SUFFIXES = (".tar.gz", ".whl", ".zip")


def _built_files(dist: Path) -> list[Path]:
    """The distributions in the output directory (uv also writes a `.gitignore` there)."""
    if not dist.is_dir():
        return []
    return sorted(path for path in dist.iterdir() if path.is_file() and path.name.endswith(DIST_SUFFIXES))


class PypiPublisher:
    """Publishes one tag of one repository."""

    def __init__(self, service: ReleaseService, repo: RepositoryContext, config: RepositoryConfig, tag: str) -> None:
        assert config.pypi_token, "PyPI publishing needs `pypi.token`"
        self.token = config.pypi_token
        self.service = service
        self.repo = repo
        self.config = config
        self.tag = tag
        self.access = GitAccess.of(repo)
        self.secrets = job_secrets(config, self.access.token)
        self.runner = ToolRunner.of(service, config, self.secrets)

    async def publish(self, delivery_id: str | None) -> bool:
        """Build, check and upload; report the outcome (issue or Slack). Returns whether it was published."""
        mirror = self.service.mirrors.mirror(self.repo.full_name)
        try:
            async with tag_tree(mirror, self.access, self.tag, delivery_id) as (path, _):
                error = await self._build_check_upload(path)
        except GitError as failure:
            error = f"Checking out {self.tag} failed: {failure.output or failure}"
        if error is not None:
            masked = cut_middle(mask_secret_values(strip_ansi(error), self.secrets), ISSUE_OUTPUT_LIMIT)
            LOGGER.error("PyPI publish of %s failed: %s", self.tag, masked)
            await self._report_failure(masked)
            return False
        LOGGER.info("Published %s %s to PyPI", self.repo.full_name, self.tag)
        await send_slack(self.config.slack_webhook_url, published_text(self.repo.full_name, self.tag))
        return True

    async def _build_check_upload(self, path: Path) -> str | None:
        """The error text of the first failing step, or None when everything passed."""
        tools = self.service.tools
        dist = path / DIST_DIR_NAME
        build_argv = [*tools.uv, "--directory", str(path), "build", "--sdist", "--out-dir", str(dist)]
        built = await self.runner.run(build_argv, cwd=path)
        if not built.succeeded:
            return f"uv build failed: {command_output(built)}"
        files = await asyncio.to_thread(_built_files, dist)
        if not files:
            return "uv build produced no files"
        for file in files:
            checked = await self.runner.run([*tools.twine, "check", str(file)], cwd=path)
            if not checked.succeeded:
                return f"twine check failed for {file.name}: {command_output(checked)}"
        credentials = {"TWINE_USERNAME": "__token__", "TWINE_PASSWORD": self.token}
        argv = [*tools.twine, "upload", *tools.twine_upload_flags, *map(str, files)]
        uploaded = await self.runner.run(argv, cwd=path, extra_env=credentials)
        if not uploaded.succeeded:
            return f"twine upload failed: {command_output(uploaded)}"
        return None

    async def _report_failure(self, error: str) -> None:
        """One issue per (repository, tag): created once, commented on for every later failure."""
        ledger = self.service.ledger
        key = failure_key(self.repo.full_name, self.tag)
        api = RepositoryApi(self.repo)
        recorded = await ledger.effect_get(key)
        number = int(recorded) if recorded is not None else await self._find_issue(api, issue_title(error))
        if number is not None:
            await ledger.effect_put(key, str(number))
            await api.comment(number, f"PyPI publish of `{self.tag}` failed again.\n\n```\n{error}\n```")
            return
        body = {"title": issue_title(error), "body": issue_body(self.tag, error)}
        created = await rest(api.github, "POST", f"/repos/{self.repo.full_name}/issues", body)
        await ledger.effect_put(key, str(created["number"]))
        LOGGER.info("Opened issue #%d for the failed PyPI publish of %s", created["number"], self.tag)

    async def _find_issue(self, api: RepositoryApi, title: str) -> int | None:
        """An open issue created by an API user with this title (the fallback lookup of `intake.md` §4.4)."""
        api_users = {login.casefold() for login in self.repo.pooled.pool.api_users}
        for issue in await get_all_pages(api.github, f"/repos/{self.repo.full_name}/issues", {"state": "open"}):
            if "pull_request" in issue or issue["title"] != title:
                continue
            if issue["user"]["login"].casefold() in api_users:
                number: int = issue["number"]
                return number
        return None
