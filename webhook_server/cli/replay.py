"""`entrypoint.py replay`: process one delivery again — from the ledger by id, or from a payload file — and
report what the server did or would do.

`--dry-run` (the default): GitHub reads happen; every write (REST non-GET, GraphQL mutation, `git push`) is
intercepted (`utils.dry_run`) and printed in order instead of sent, jobs (checks, releases, oracle calls)
are listed, not run. The dry run uses a throw-away ledger, mirrors and logs, so the server's data dir is
only read. `--apply` records the delivery under a new id in the server's ledger and processes it for real
(effects already made are not repeated: the ledger's effects table and the usual dedup apply).
Exit 0 when the delivery was processed without error, 1 when it failed, 2 for a usage error (unknown id).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from webhook_server.libs.checks.service import CheckService
from webhook_server.libs.commands.registry import visible_command_help
from webhook_server.libs.config import ServerConfig
from webhook_server.libs.github import api_call
from webhook_server.libs.github.repository_context import GithubAccess
from webhook_server.libs.github.transport import install_transport
from webhook_server.libs.github.urls import git_base_url
from webhook_server.libs.pipeline.deferred import DeferredWork
from webhook_server.libs.pipeline.delivery import Delivery, DeliveryStatusRow
from webhook_server.libs.pipeline.dispatcher import Dispatcher, LanePhaseResult
from webhook_server.libs.pipeline.ledger import Ledger
from webhook_server.libs.pipeline.merge_evaluations import MergeEvaluations
from webhook_server.libs.pipeline.services import ServerServices
from webhook_server.libs.pr.git_access import CHECKS_EXTENSION, MIRRORS_EXTENSION
from webhook_server.libs.process.runner import check_home
from webhook_server.libs.rules.ordering import ordering_key
from webhook_server.libs.runtime.delivery_runner import DeliveryRunner
from webhook_server.libs.runtime.server import LEDGER_FILE
from webhook_server.utils import dry_run
from webhook_server.utils.logging_setup import LoggingRuntime, LogSettings
from webhook_server.utils.masking import SECRETS

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
REPLAY_TIMEOUT_SECONDS = 30 * 60.0


class ReplayError(Exception):
    """The replay cannot start (unknown delivery id, unreadable payload file)."""


@dataclass(frozen=True)
class ReplayInput:
    """What to process: the event name, the raw body and the headers it came with."""

    event: str
    body: bytes
    headers: dict[str, str]
    source: str  # `delivery <id>` or `file <path>`
    original_id: str | None = None


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="entrypoint.py replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("delivery_id", nargs="?", help="a delivery id stored in the ledger")
    parser.add_argument("--payload", type=Path, help="a JSON payload file (with --event)")
    parser.add_argument("--event", help="the X-GitHub-Event name of --payload")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", dest="apply", action="store_false", help="print writes instead (default)")
    mode.add_argument("--apply", dest="apply", action="store_true", help="perform the writes for real")
    parser.set_defaults(apply=False)
    arguments = parser.parse_args(argv)
    if (arguments.delivery_id is None) == (arguments.payload is None):
        parser.error("give either DELIVERY_ID or --payload FILE --event NAME")
    if arguments.payload is not None and not arguments.event:
        parser.error("--payload needs --event NAME")
    return arguments


async def stored_input(data_dir: Path, delivery_id: str) -> ReplayInput:
    """The delivery `delivery_id` from the server's ledger (read only)."""
    path = data_dir / LEDGER_FILE
    if not path.exists():
        raise ReplayError(f"Unknown delivery id {delivery_id!r}: there is no ledger at {path}")
    ledger = await Ledger.open(path)
    try:
        delivery = await ledger.stored_delivery(delivery_id)
    finally:
        await ledger.close()
    if delivery is None:
        raise ReplayError(f"Unknown delivery id {delivery_id!r}: it is not in the ledger at {path}")
    return ReplayInput(delivery.event, delivery.body, dict(delivery.headers), f"delivery {delivery_id}", delivery_id)


def file_input(path: Path, event: str) -> ReplayInput:
    """A payload file; it must hold a JSON object with `repository`, like an accepted delivery."""
    try:
        body = path.read_bytes()
        payload = json.loads(body)
    except (OSError, ValueError) as error:
        raise ReplayError(f"Cannot read payload {path}: {error}") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("repository"), dict):
        raise ReplayError(f"Payload {path} is not a JSON object with a `repository`")
    headers = {"X-GitHub-Event": event, "Content-Type": "application/json"}
    return ReplayInput(event, body, headers, f"file {path}")


class ReplayRun:
    """The services one replay needs — the server's, without intake, bootstrap or config reload."""

    def __init__(self, config: ServerConfig, work_dir: Path, ledger_path: Path) -> None:
        self.config = config
        self.work_dir = work_dir
        self.ledger_path = ledger_path
        self.logs = LoggingRuntime(work_dir / "logs", self._log_settings, console_stream=sys.stderr)

    def _log_settings(self, repository_full_name: str | None) -> LogSettings:
        return LogSettings(self.config.log_level, None, self.config.mask_sensitive_data)

    async def process(self, replay: ReplayInput, delivery_id: str) -> DeliveryStatusRow:
        """Record the delivery in this run's ledger and process it; the finished ledger row."""
        self.logs.start()
        for secret in self.config.all_secret_values():
            SECRETS.add(secret)
        install_transport()
        api_call.configure(threads=max(32, self.config.max_workers * 4))
        ledger = await Ledger.open(self.ledger_path)
        try:
            return await self._process_with(ledger, replay, delivery_id)
        finally:
            await ledger.close()
            self.logs.stop()

    async def _process_with(self, ledger: Ledger, replay: ReplayInput, delivery_id: str) -> DeliveryStatusRow:
        config = self.config
        access = GithubAccess(config, config.private_key_path.read_text())
        runner_box: list[DeliveryRunner] = []  # the runner needs the services, which need the dispatcher

        async def process(delivery: Delivery) -> LanePhaseResult:
            return await runner_box[0](delivery)

        dispatcher = Dispatcher(ledger, max_workers=config.max_workers, process=process)
        evaluations = MergeEvaluations(dispatcher)
        # Deferred items (mergeable re-checks) stay in the ledger: a server armed with their handlers runs them.
        deferred = DeferredWork(ledger)
        services = ServerServices(
            access, ledger, dispatcher, evaluations, command_help=visible_command_help, deferred=deferred
        )
        runner_box.append(DeliveryRunner(lambda: config, services, self.logs))
        checks = CheckService(
            data_dir=self.work_dir,
            ledger=ledger,
            max_concurrent_jobs=config.max_concurrent_jobs,
            git_base_url=git_base_url(config.github_api_url),
        )
        services.extensions[CHECKS_EXTENSION] = checks
        services.extensions[MIRRORS_EXTENSION] = checks.mirrors
        # Not `checks.start()`: it would resume (and clean the worktrees of) the server's own unfinished jobs.
        await asyncio.to_thread(check_home(self.work_dir).mkdir, parents=True, exist_ok=True)
        await dispatcher.start(resume=False)
        try:
            delivery = await self._record(ledger, replay, delivery_id)
            dispatcher.submit(delivery)
            row = await ledger.wait_until_finished(delivery.delivery_id, REPLAY_TIMEOUT_SECONDS)
            await checks.jobs.wait([job.job_id for job in checks.jobs.active_jobs()])  # --apply: let them end
            return row
        finally:
            await dispatcher.stop()
            await evaluations.close()
            await deferred.stop()
            await checks.stop()

    async def _record(self, ledger: Ledger, replay: ReplayInput, delivery_id: str) -> Delivery:
        payload = json.loads(replay.body)
        action = payload.get("action")
        result = await ledger.record(
            header_delivery_id=delivery_id,
            event=replay.event,
            action=action if isinstance(action, str) else None,
            repository_full_name=payload["repository"]["full_name"],
            ordering_key=ordering_key(replay.event, payload),
            headers={**replay.headers, "X-GitHub-Delivery": delivery_id},
            body=replay.body,
            received_at=datetime.now(UTC),
        )
        if result.delivery is None:
            raise ReplayError(f"Delivery id {delivery_id} is already in the ledger")
        return result.delivery


def print_report(
    out: TextIO, replay: ReplayInput, row: DeliveryStatusRow, recorder: dry_run.WriteRecorder | None
) -> None:
    """The intercepted writes in order, the listed jobs, and how the delivery ended."""
    out.write(f"Replay of {replay.source} ({replay.event}) as {row.delivery_id}\n")
    if recorder is not None:
        writes, jobs = recorder.writes(), recorder.jobs()
        out.write(f"Dry run: {len(writes)} write(s) not sent\n")
        out.writelines(f"  {call.line()}\n" for call in writes)
        out.write(f"Jobs listed, not run: {len(jobs)}\n")
        out.writelines(f"  {call.line()}\n" for call in jobs)
    out.write(f"Result: {row.status} ({row.outcome})\n")
    if row.error:
        out.write(f"Error: {row.error.splitlines()[0]}\n")


async def replay(config: ServerConfig, arguments: argparse.Namespace, out: TextIO) -> int:
    """Run one replay as `arguments` say; returns the exit code."""
    if arguments.delivery_id is not None:
        replay_input = await stored_input(config.data_dir, arguments.delivery_id)
    else:
        replay_input = file_input(arguments.payload, arguments.event)
    base_id = replay_input.original_id or "file"
    if arguments.apply:
        run = ReplayRun(config, config.data_dir, config.data_dir / LEDGER_FILE)
        row = await run.process(replay_input, f"{base_id}-replay-{uuid.uuid4().hex[:12]}")
        print_report(out, replay_input, row, None)
        return EXIT_OK if row.status == "succeeded" else EXIT_FAILED
    recorder = dry_run.WriteRecorder()
    with tempfile.TemporaryDirectory(prefix="webhook-replay-") as work:
        run = ReplayRun(config, Path(work), Path(work) / LEDGER_FILE)
        dry_run.install(recorder)
        try:
            row = await run.process(replay_input, replay_input.original_id or f"dry-run-{uuid.uuid4().hex[:12]}")
        finally:
            dry_run.uninstall()
    print_report(out, replay_input, row, recorder)
    return EXIT_OK if row.status == "succeeded" else EXIT_FAILED


def main(config: ServerConfig, argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """`entrypoint.py replay ...`: parse, run, print; a clear message and exit 2 for an unusable input."""
    arguments = parse_arguments(argv)
    try:
        return asyncio.run(replay(config, arguments, out))
    except ReplayError as error:
        err.write(f"replay: {error}\n")
        return EXIT_USAGE
