"""A server killed with SIGKILL right after acknowledging deliveries loses none of them: after a restart
every acknowledged delivery is processed. Only a delivery that was running at the kill runs again (one
attempt more); one that was queued or finished runs once."""

import asyncio
import json
import uuid
from collections import Counter
from pathlib import Path

from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, read_delivery, read_summaries, server_config
from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.utils.signature import sign_body

REPO = "org/repo"
DELIVERIES = 50


async def _post_all(base_url: str, payloads: list[tuple[str, bytes]]) -> None:
    reader_writers = []
    for delivery, body in payloads:
        reader, writer = await asyncio.open_connection("127.0.0.1", int(base_url.rsplit(":", 1)[1]))
        head = (
            "POST /webhook_server HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-GitHub-Event: status\r\nX-GitHub-Delivery: {delivery}\r\n"
            f"X-Hub-Signature-256: {sign_body(WEBHOOK_SECRET, body)}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()
        status_line = await reader.readline()
        assert b" 200 " in status_line, status_line
        reader_writers.append(writer)
    for writer in reader_writers:
        writer.close()


def _payload(index: int) -> bytes:
    sha = f"{index:040x}"
    return json.dumps(
        {"sha": sha, "state": "success", "context": "ci", "repository": {"name": "repo", "full_name": REPO}}
    ).encode()


async def _wait_all_finished(data_dir: Path, deliveries: list[str], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        rows = [read_delivery(data_dir, delivery) for delivery in deliveries]
        if all(row is not None and row.status in ("succeeded", "failed") for row in rows):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("not every delivery finished after the restart")


async def test_sigkill_after_acknowledging_loses_nothing(fake_github: FakeGitHub, tmp_path: Path) -> None:
    fake_github.create_repo(REPO, {"README.md": "x\n"})
    fake_github.install_app(REPO)
    token = fake_github.create_token("bot-user")
    fake_github.inject_latency(0.02)  # each delivery needs several calls: most are still queued at the kill
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_private_key(data_dir, fake_github.app_private_key_pem)
    config = server_config(fake_github.base_url, [token], fake_github.app_id, {"repo": {"name": REPO}}, max_workers=2)
    payloads = [(str(uuid.uuid4()), _payload(index)) for index in range(DELIVERIES)]

    first = ServerProcess(data_dir, dict(config))
    first.start()
    await _post_all(first.base_url, payloads)
    first.kill()
    finished_before_restart = sum(
        1 for delivery, _ in payloads if (row := read_delivery(data_dir, delivery)) and row.status == "succeeded"
    )
    assert finished_before_restart < DELIVERIES  # the kill really interrupted work

    second = ServerProcess(data_dir, dict(config))
    second.start()
    try:
        await _wait_all_finished(data_dir, [delivery for delivery, _ in payloads], timeout=120)
    finally:
        second.stop()
    rows = [read_delivery(data_dir, delivery) for delivery, _ in payloads]
    assert all(row is not None and (row.status, row.outcome) == ("succeeded", "skipped:no-pr") for row in rows), rows
    summaries = Counter(record["hook_id"] for record in read_summaries(data_dir))
    assert all(summaries[delivery] >= 1 for delivery, _ in payloads), summaries
    # A delivery running at the kill may have written its summary before its end was committed: it runs
    # again (attempts 1) and may log a second summary. Every other delivery ran once.
    rerun = {row.delivery_id for row in rows if row is not None and row.attempts > 0}
    assert all(row is not None and row.attempts <= 1 for row in rows), rows
    once = [delivery for delivery, _ in payloads if delivery not in rerun]
    assert [summaries[delivery] for delivery in once] == [1] * len(once)
    assert all(summaries[delivery] <= 2 for delivery in rerun), summaries
