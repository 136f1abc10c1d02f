"""A command reply is posted once even when the server dies (SIGKILL) after GitHub created the reply but
before the server recorded it: the resumed delivery finds the reply by its hidden marker."""

import json
import time
import uuid
from pathlib import Path

import httpx

from webhook_server.tests.e2e.harness import WEBHOOK_SECRET, read_delivery, server_config
from webhook_server.tests.e2e.server_process import ServerProcess, write_private_key
from webhook_server.tests.fake_github.api import FakeGitHub
from webhook_server.utils.signature import sign_body

REPO = "org/repo"


def _post(server: ServerProcess, event: str, body: bytes, delivery: str) -> None:
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign_body(WEBHOOK_SECRET, body),
    }
    response = httpx.post(f"{server.base_url}/webhook_server", content=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text


def _wait_finished(data_dir: Path, delivery: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = read_delivery(data_dir, delivery)
        if row is not None and row.status in ("succeeded", "failed"):
            return row.status
        time.sleep(0.1)
    raise TimeoutError(f"delivery {delivery} did not finish: {read_delivery(data_dir, delivery)}")


def test_reply_posted_before_a_kill_is_not_posted_again(fake_github: FakeGitHub, tmp_path: Path) -> None:
    fake_github.create_repo(REPO, {"README.md": "x\n"}, collaborators={"bot-user": "admin", "carol": "write"})
    fake_github.install_app(REPO)
    token = fake_github.create_token("bot-user")
    number = fake_github.open_pr(REPO, head="feature", base="main", title="feat: x", files={"x.py": "x = 1\n"})
    fake_github.register_hook(REPO, "", secret=WEBHOOK_SECRET, events=["issue_comment"])  # record, do not send
    fake_github.comment(REPO, number, "/help", author="carol")
    fake_github.wait_for_deliveries_sent()
    [comment_delivery] = fake_github.deliveries("issue_comment", action="created")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_private_key(data_dir, fake_github.app_private_key_pem)
    config = server_config(fake_github.base_url, [token], fake_github.app_id, {"repo": {"name": REPO}})

    def bot_replies() -> list[str]:
        return [str(c["body"]) for c in fake_github.comments(REPO, number) if c["user"]["login"] == "bot-user"]

    held = fake_github.hold_answers(f"/repos/{REPO}/issues/{number}/comments", method="POST")
    first = ServerProcess(data_dir, dict(config))
    first.start()
    delivery = str(uuid.uuid4())
    try:
        _post(first, "issue_comment", json.dumps(comment_delivery.payload).encode(), delivery)
        assert held.reached.wait(timeout=60), "the server never posted its reply"
    finally:
        first.kill()
        held.release()
    assert len(bot_replies()) == 1  # GitHub created the reply; the server died before recording it
    assert read_delivery(data_dir, delivery).status not in ("succeeded", "failed")  # type: ignore[union-attr]

    second = ServerProcess(data_dir, dict(config))
    second.start()
    try:
        assert _wait_finished(data_dir, delivery, timeout=60) == "succeeded"
    finally:
        second.stop()
    replies = bot_replies()
    assert len(replies) == 1, replies
    assert "<!-- webhook-server-reply: " in replies[0]
