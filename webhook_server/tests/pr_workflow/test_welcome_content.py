"""What the welcome comment says for a repository: extra information (the welcome-message file wins over
`welcome-extra-info`, an empty file suppresses it), AI and test-oracle details, and labels over 50 characters."""

import pytest

from webhook_server.libs.rules.welcome_markers import WELCOME_MARKER
from webhook_server.tests.pr_workflow.conftest import EnvFactory, PrEnv

AI_CONFIG = {
    "conventional-title": "feat,fix",
    "ai-features": {
        "ai-provider": "claude",
        "ai-model": "sonnet",
        "conventional-title": {"enabled": True, "mode": "fix"},
        "resolve-cherry-pick-conflicts-with-ai": {"enabled": True},
    },
    "test-oracle": {"server-url": "http://127.0.0.1:9", "ai-provider": "claude", "ai-model": "sonnet", "triggers": []},
}


def welcome(env: PrEnv, number: int) -> str:
    [body] = [str(c["body"]) for c in env.fake.comments(env.repo, number) if WELCOME_MARKER in c["body"]]
    return body


@pytest.mark.parametrize(
    ("file_text", "configured", "expected", "absent"),
    [
        (None, "Configured words.", "Configured words.", None),
        ("From the file.", "Configured words.", "From the file.", "Configured words."),
        ("", "Configured words.", None, "Configured words."),
    ],
    ids=["configured-only", "file-wins", "empty-file-suppresses"],
)
async def test_extra_information(
    make_env: EnvFactory, file_text: str | None, configured: str, expected: str | None, absent: str | None
) -> None:
    files = {} if file_text is None else {".github-webhook-server-welcome-message.md": file_text}
    env = await make_env({"welcome-extra-info": configured}, files=files)
    number = await env.open_pr()
    body = welcome(env, number)
    assert ("### 📌 Additional Information" in body) is (expected is not None)
    if expected is not None:
        assert body.rstrip().endswith(f"{expected}\n\nHappy coding! 🚀")
    if absent is not None:
        assert absent not in body


async def test_ai_and_oracle_are_described(make_env: EnvFactory) -> None:
    env = await make_env(AI_CONFIG)
    number = await env.open_pr()
    body = welcome(env, number)
    assert "<summary>AI Features</summary>" in body
    assert "`claude/sonnet`" in body
    assert "AI assistance in `fix` mode" in body
    assert "`/test-oracle` can be used anytime" in body


async def test_branch_label_over_fifty_characters_is_not_added(make_env: EnvFactory) -> None:
    env = await make_env()
    base = "release-" + "x" * 45
    env.fake.create_branch(env.repo, base, from_ref="main")
    number = await env.open_pr(base=base)

    assert not [label for label in env.labels(number) if label.startswith("branch-")]
    assert "size/XS" in env.labels(number)


async def test_regenerate_welcome_edits_the_comment_with_the_new_file(make_env: EnvFactory) -> None:
    env = await make_env(files={".github-webhook-server-welcome-message.md": "First text."})
    number = await env.open_pr()
    assert "First text." in welcome(env, number)
    env.fake.push(env.repo, "main", {".github-webhook-server-welcome-message.md": "Second text."}, author="alice")

    env.fake.comment(env.repo, number, "/regenerate-welcome", author="bob")
    row = await env.forward("issue_comment", "created")

    assert row.status == "succeeded"
    body = welcome(env, number)  # still exactly one welcome comment
    assert "Second text." in body
    assert "First text." not in body


async def test_reprocess_reopens_the_tracking_issue_and_keeps_one_welcome(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()
    [issue] = [item for item in env.fake.issues(env.repo) if "pull_request" not in item]
    env.fake.close(env.repo, issue["number"], author="alice")
    env.fake.remove_label(env.repo, number, "size/XS", author="alice")

    env.fake.comment(env.repo, number, "/reprocess", author="bob")
    await env.forward("issue_comment", "created")

    [issue] = [item for item in env.fake.issues(env.repo) if "pull_request" not in item]
    assert issue["state"] == "open"
    assert "size/XS" in env.labels(number)
    welcome(env, number)
