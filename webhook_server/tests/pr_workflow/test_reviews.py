"""`pull_request_review` submitted and `pull_request_review_thread` resolved/unresolved: reviewer-state
labels, `/approve` in a review body, and unresolved conversations in the `can-be-merged` verdict."""

from webhook_server.tests.pr_workflow.conftest import AUTHOR, EnvFactory, PrEnv


async def review(env: PrEnv, number: int, author: str, state: str, body: str = "") -> None:
    env.fake.review(env.repo, number, author=author, state=state, body=body)
    row = await env.forward("pull_request_review", "submitted")
    assert row.status == "succeeded", row.error


async def test_review_states_set_reviewer_labels(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()

    await review(env, number, "bob", "APPROVE")
    await review(env, number, "carol", "COMMENT")
    assert {"lgtm-bob", "commented-carol"} <= env.labels(number)

    await review(env, number, "bob", "REQUEST_CHANGES")
    labels = env.labels(number)
    assert "changes-requested-bob" in labels
    assert "lgtm-bob" not in labels

    await review(env, number, "bob", "APPROVE")
    labels = env.labels(number)
    assert "lgtm-bob" in labels
    assert "changes-requested-bob" not in labels


async def test_approve_line_in_a_review_approves_for_an_approver(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()

    await review(env, number, "alice", "APPROVE", body="Looks fine.\n  /approve  \n")

    assert {"approved-alice", "lgtm-alice"} <= env.labels(number)
    assert "Missing approved from approvers" not in env.check(number, "can-be-merged")["output"]["text"]


async def test_changes_requested_by_an_approver_blocks_and_drops_their_approval(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()
    await review(env, number, "alice", "APPROVE", body="/approve")

    await review(env, number, "alice", "REQUEST_CHANGES")

    labels = env.labels(number)
    assert "changes-requested-alice" in labels
    assert not {"approved-alice", "lgtm-alice"} & labels
    assert "PR has changed requests from approvers" in env.check(number, "can-be-merged")["output"]["text"]


async def test_approve_line_from_a_non_approver_is_refused(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()

    await review(env, number, "bob", "COMMENT", body="/approve")

    assert "approved-bob" not in env.labels(number)
    refusals = [c["body"] for c in env.fake.comments(env.repo, number) if "only approvers" in c["body"]]
    assert refusals == ["@bob, only approvers of this pull request can use `/approve`."]


async def test_author_comment_review_adds_commented_but_no_lgtm(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()

    await review(env, number, AUTHOR, "COMMENT")

    assert f"commented-{AUTHOR}" in env.labels(number)
    assert f"lgtm-{AUTHOR}" not in env.labels(number)


async def test_unresolved_conversation_blocks_until_resolved(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr()
    thread = env.fake.add_review_thread(env.repo, number, path="a.py", line=1, body="why?", author="bob")
    env.fake.resolve_thread(env.repo, thread, True, author="bob")
    env.fake.resolve_thread(env.repo, thread, False, author="bob")

    row = await env.forward("pull_request_review_thread", "unresolved")
    text = env.check(number, "can-be-merged")["output"]["text"]
    assert row.status == "succeeded"
    assert "PR has 1 unresolved review conversation(s):\n  - a.py:1 (" in text

    env.fake.resolve_thread(env.repo, thread, True, author="bob")
    await env.forward("pull_request_review_thread", "resolved")
    assert "unresolved review conversation" not in env.check(number, "can-be-merged")["output"]["text"]


async def test_conversation_resolution_off_skips_thread_events(make_env: EnvFactory) -> None:
    env = await make_env({"branch-protection": {"required_conversation_resolution": False}})
    number = await env.open_pr()
    thread = env.fake.add_review_thread(env.repo, number, path="a.py", line=1, body="why?", author="bob")
    env.fake.resolve_thread(env.repo, thread, True, author="bob")

    row = await env.forward("pull_request_review_thread", "resolved")

    assert row.outcome == "skipped:conversation-resolution-off"
