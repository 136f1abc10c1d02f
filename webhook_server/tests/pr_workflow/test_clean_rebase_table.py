"""Clean-rebase detection as a table, end to end: the fake pushes real commits, the server hashes the binary
diffs of the PR's changes before and after the push in its git mirror (`pr-workflow.md` §1.2)."""

from dataclasses import dataclass

import pytest

from webhook_server.tests.pr_workflow.conftest import AUTHOR, EnvFactory, PrEnv

FEATURE: dict[str, str | bytes] = {"a.py": "x = 1\n", "logo.bin": bytes(range(256))}


@dataclass(frozen=True)
class Push:
    """How the branch is pushed again: its files, and whether it starts from a moved base."""

    files: dict[str, str | bytes | None]
    on_new_base: bool = True
    on_top: bool = False


CASES: list[tuple[str, Push, bool]] = [
    ("rebased-onto-new-base", Push(dict(FEATURE)), True),
    ("reworded-on-same-base", Push(dict(FEATURE), on_new_base=False), True),
    ("rebased-with-changed-content", Push({**FEATURE, "a.py": "x = 2\n"}), False),
    ("rebased-with-changed-binary", Push({**FEATURE, "logo.bin": b"\x00\x01"}), False),
    ("rebased-with-extra-file", Push({**FEATURE, "c.py": "y = 1\n"}), False),
    ("rebased-without-a-file", Push({"a.py": "x = 1\n"}), False),
    ("new-commit-on-top", Push({"d.py": "z = 1\n"}, on_new_base=False, on_top=True), False),
]


def push_again(env: PrEnv, push: Push, original_base: str) -> None:
    if push.on_top:
        env.fake.push(env.repo, "feature", push.files, author=AUTHOR, message="more")
        return
    parent = (
        env.fake.push(env.repo, "main", {"b.txt": "other\n"}, author="alice") if push.on_new_base else original_base
    )
    env.fake.push(env.repo, "feature", push.files, author=AUTHOR, parent=parent, message="again")


@pytest.mark.parametrize(
    ("push", "clean"), [(push, clean) for _, push, clean in CASES], ids=[name for name, _, _ in CASES]
)
async def test_clean_rebase_detection(make_env: EnvFactory, push: Push, clean: bool) -> None:
    env = await make_env()
    original_base = env.fake.branch_sha(env.repo, "main")
    assert original_base is not None
    number = await env.open_pr(files=dict(FEATURE))  # type: ignore[arg-type]
    env.fake.add_label(env.repo, number, "lgtm-bob", author="bob")

    push_again(env, push, original_base)
    row = await env.forward("pull_request", "synchronize")

    assert env.summary(row)["workflow_steps"]["clean_rebase_detection"]["clean_rebase"] is clean
    assert ("lgtm-bob" in env.labels(number)) is clean
    clean_comments = [c for c in env.fake.comments(env.repo, number) if c["body"].startswith("Clean rebase detected")]
    assert len(clean_comments) == int(clean)
