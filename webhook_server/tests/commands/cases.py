"""The shape of one table case — (comment, commenter, PR state) → labels, reaction, replies, other effects —
and the function that runs it against the command world."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from webhook_server.tests.commands.world import AUTHOR, DEFAULT_TITLE, REPO, CommandWorld, CommentOutcome

HANDLER_STEP = "issue_comment_handler"

Verify = Callable[[CommandWorld, CommentOutcome], None]
Setup = Callable[[CommandWorld, str, int], None]


@dataclass(frozen=True)
class Case:
    """One comment on a fresh PR and what must follow.

    `replies` are substrings of the server's new comments, one per reply, in order (None: not checked).
    `before` comments are made on the PR first and never delivered to the server; `setup` runs after them.
    `handler_step` is the expected status of the `issue_comment_handler` step (None: the handler does not run).
    """

    id: str
    body: str
    commenter: str
    reaction: bool
    replies: tuple[str, ...] | None = ()
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    repo: str = REPO
    author: str = AUTHOR
    title: str = DEFAULT_TITLE
    draft: bool = False
    merged: bool = False
    labels: tuple[str, ...] = ()
    path: str = "src/app.py"
    before: tuple[tuple[str, str], ...] = ()
    verify: Verify | None = None
    handler_step: str | None = "completed"
    setup: Setup | None = None


def table(cases: list[Case]) -> pytest.MarkDecorator:
    """Parametrize a test with `cases`, named by their ids."""
    return pytest.mark.parametrize("case", cases, ids=[case.id for case in cases])


async def run_case(world: CommandWorld, case: Case) -> CommentOutcome:
    """Open the PR, comment, deliver, and check the common expectations."""
    number = world.open_pr(
        case.repo,
        author=case.author,
        title=case.title,
        draft=case.draft,
        labels=case.labels,
        merged=case.merged,
        path=case.path,
    )
    for author, body in case.before:
        world.fake.comment(case.repo, number, body, author=author)
    if case.setup is not None:
        case.setup(world, case.repo, number)
    outcome = await world.comment(case.repo, number, case.body, case.commenter)
    steps = world.server.summary_of(outcome.delivery_id)["workflow_steps"]
    assert steps.get(HANDLER_STEP, {}).get("status") == case.handler_step, steps
    assert outcome.reactions == (["+1"] if case.reaction else [])
    if case.replies is not None:
        assert len(outcome.replies) == len(case.replies), outcome.replies
        for expected, reply in zip(case.replies, outcome.replies, strict=True):
            assert expected in reply
    for reply in outcome.replies:
        assert not any(line.startswith("/") for line in reply.splitlines()), reply
    for label in case.present:
        assert label in outcome.labels
    for label in case.absent:
        assert label not in outcome.labels
    if case.verify is not None:
        case.verify(world, outcome)
    return outcome
