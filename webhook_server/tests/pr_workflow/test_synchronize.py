"""`pull_request` synchronize: a new change resets review labels and `verified`; a clean rebase keeps them
and says so (the diff digests are computed with real git in the server's mirror)."""

from webhook_server.tests.pr_workflow.conftest import API_USER, AUTHOR, EnvFactory, PrEnv

FEATURE = {"a.py": "x = 1\n"}


async def review_labelled_pr(env: PrEnv) -> int:
    number = await env.open_pr(files=FEATURE)
    for label in ("lgtm-bob", "approved-alice", "commented-carol", "verified"):
        env.fake.add_label(env.repo, number, label, author=API_USER)
    return number


async def test_new_change_resets_review_labels_and_verified(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await review_labelled_pr(env)
    before = env.head_sha(number)

    env.fake.push(env.repo, "feature", {"a.py": "x = 2\n"}, author=AUTHOR)
    row = await env.forward("pull_request", "synchronize")

    assert row.status == "succeeded"
    assert env.labels(number) == {"branch-main", "size/XS"}
    assert env.head_sha(number) != before
    assert env.check(number, "verified")["status"] == "queued"
    assert not [c for c in env.fake.comments(env.repo, number) if "Clean rebase" in c["body"]]
    assert env.summary(row)["workflow_steps"]["clean_rebase_detection"]["clean_rebase"] is False


async def test_clean_rebase_keeps_labels_and_comments(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await review_labelled_pr(env)
    before = env.head_sha(number)
    main = env.fake.push(env.repo, "main", {"b.txt": "other work\n"}, author="alice")

    env.fake.push(env.repo, "feature", FEATURE, author=AUTHOR, parent=main)  # same change, on the new base
    row = await env.forward("pull_request", "synchronize")

    assert {"lgtm-bob", "approved-alice", "commented-carol", "verified"} <= env.labels(number)
    [comment] = [c["body"] for c in env.fake.comments(env.repo, number) if "Clean rebase" in c["body"]]
    assert before[:7] in comment
    assert "`verified`" in comment
    assert "`lgtm-bob`" in comment
    assert env.check(number, "verified")["conclusion"] == "success"
    assert env.summary(row)["workflow_steps"]["clean_rebase_detection"]["clean_rebase"] is True


async def test_stale_synchronize_is_skipped(make_env: EnvFactory) -> None:
    env = await make_env()
    number = await env.open_pr(files=FEATURE)
    env.fake.push(env.repo, "feature", {"a.py": "x = 2\n"}, author=AUTHOR)
    stale = env.latest_payload("pull_request", "synchronize")
    env.fake.push(env.repo, "feature", {"a.py": "x = 3\n"}, author=AUTHOR)

    row = await env.deliver("pull_request", stale)

    assert row.outcome == "skipped:stale"
    assert env.fake.check_runs(env.repo, env.head_sha(number)) == []
