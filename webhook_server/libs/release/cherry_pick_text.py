"""The words and names of a cherry-pick (`release.md` §1.2–§1.4): branch name, PR title and body, labels,
the manual-instructions comment, the report comment and the `CherryPicked` check-run output. Pure."""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass

from webhook_server.libs.rules.labels import CHERRY_PICKED_FROM_PREFIX, MAX_LABEL_LENGTH

MANUAL_HEADER = "**Manual cherry-pick is needed**"
CHECK_TITLE = "Cherry-pick details"
PRE_COMMIT_UNFIXABLE = "Cherry-pick pre-commit check failed with unfixable errors. Manual intervention needed."
PRE_COMMIT_FIX_MESSAGE = "pre-commit auto-fix for cherry-pick"
_SUFFIX_ALPHABET = string.ascii_letters + string.digits
BRANCH_PREFIX = "CherryPicked-"


def random_suffix(length: int = 5) -> str:
    """`length` random alphanumerics."""
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(length))


def branch_prefix(head_ref: str) -> str:
    """`CherryPicked-<original head ref>-`: every cherry-pick branch of a PR starts with it."""
    return f"{BRANCH_PREFIX}{head_ref}-"


def new_branch_name(head_ref: str, suffix: str) -> str:
    """`CherryPicked-<original head ref>-<suffix>`."""
    return f"{branch_prefix(head_ref)}{suffix}"


def title_prefix(target: str) -> str:
    """`CherryPicked: [<target>]`."""
    return f"CherryPicked: [{target}]"


def pull_title(target: str, original_title: str) -> str:
    """`CherryPicked: [<target>] <original title with ' removed>`."""
    return f"{title_prefix(target)} {original_title.replace(chr(39), '')}"


def pull_body(source_branch: str, original_url: str, original_author: str) -> str:
    """The new PR's body: source branch, original PR URL and its author."""
    return f"Cherry-pick from `{source_branch}` branch, original PR: {original_url}, PR owner: {original_author}"


def cherry_picked_from_label(source_branch: str) -> str:
    """`CherryPicked-from-<source branch>`, cut to the 50-character label limit."""
    return f"{CHERRY_PICKED_FROM_PREFIX}{source_branch}"[:MAX_LABEL_LENGTH]


def _details(output: str) -> list[str]:
    if not output.strip():
        return []
    return ["", "<details>", "<summary>git output</summary>", "", "```", output.strip(), "```", "</details>"]


def manual_instructions(commit_sha: str, target: str, reason: str, output: str = "") -> str:
    """The comment that asks for a manual cherry-pick, with the git steps in a code block."""
    branch = f"cherry-pick-{commit_sha[:7]}-to-{target}"
    lines = [
        MANUAL_HEADER,
        "",
        f"Cherry-picking commit `{commit_sha}` into `{target}` failed: {reason}",
        "",
        "Steps to do it by hand:",
        "",
        "```bash",
        "git fetch origin",
        f"git checkout {target}",
        f"git pull origin {target}",
        f"git checkout -b {branch}",
        f"git cherry-pick {commit_sha}",
        f"# for a merge commit: git cherry-pick -m 1 {commit_sha}",
        "# resolve any conflicts, then: git add -A && git cherry-pick --continue",
        f"git push origin {branch}",
        "```",
        "",
        f"Then open a pull request from `{branch}` into `{target}`.",
        *_details(output),
    ]
    return "\n".join(lines)


def push_failure(target: str, branch: str, output: str) -> str:
    """The comment when pushing the cherry-pick branch failed."""
    return "\n".join(
        [f"Cherry-pick to `{target}` failed: the branch `{branch}` could not be pushed.", *_details(output)]
    )


def missing_target(target: str) -> str:
    """The comment when the target branch does not exist."""
    return f"Cherry-pick to `{target}` failed: the target branch `{target}` does not exist."


@dataclass(frozen=True)
class PullDraft:
    """What the cherry-pick PR is opened with."""

    base: str
    head: str
    title: str
    body: str
    labels: tuple[str, ...]


def open_by_hand(draft: PullDraft, error: str) -> str:
    """The comment when the branch was pushed but the PR could not be opened."""
    labels = ", ".join(f"`{label}`" for label in draft.labels)
    return "\n".join(
        [
            f"The cherry-pick branch `{draft.head}` was pushed, but the pull request could not be opened ({error}).",
            "Please open it by hand:",
            "",
            f"- base: `{draft.base}`",
            f"- head: `{draft.head}`",
            f"- labels: {labels}",
            f"- title: `{draft.title}`",
            f"- body: {draft.body}",
        ]
    )


def report(target: str, pr_url: str, ai_model: str | None, author: str) -> str:
    """The comment on the original PR that links the new PR (and asks for a check after AI resolution)."""
    text = f"Cherry-picked PR for `{target}`: {pr_url}"
    if ai_model is None:
        return text
    return (
        f"{text}\n\nConflicts were resolved by AI (`{ai_model}`). @{author}, please verify the changes "
        "before it is merged."
    )


def ai_warning(ai_model: str) -> str:
    """The warning comment on a cherry-pick PR whose conflicts AI resolved."""
    return (
        f"Conflicts of this cherry-pick were resolved by AI (`{ai_model}`). "
        "Review every change carefully; this PR is not verified or merged automatically."
    )


def retry_closed(user: str, original_url: str) -> str:
    """The comment on the previous cherry-pick PR closed by `/cherry-pick-retry`."""
    return f"Closed by cherry-pick retry requested by @{user} on {original_url}"


@dataclass(frozen=True)
class TargetOutcome:
    """How the cherry-pick to one target ended, for the check run's text."""

    target: str
    succeeded: bool
    result: str
    link: str | None = None
    output: str = ""


def check_summary(outcomes: Sequence[TargetOutcome]) -> str:
    """One line: how many targets succeeded."""
    done = sum(1 for outcome in outcomes if outcome.succeeded)
    return f"{done} of {len(outcomes)} cherry-picks succeeded"


def check_text(outcomes: Sequence[TargetOutcome]) -> str:
    """One section per target: result, link or error, and the git output."""
    sections = []
    for outcome in outcomes:
        lines = [f"### `{outcome.target}`", "", outcome.result]
        if outcome.link:
            lines += ["", outcome.link]
        if outcome.output.strip():
            lines += ["", "```", outcome.output.strip(), "```"]
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def in_progress_summary(targets: Sequence[str]) -> str:
    """The running check's summary."""
    return "Cherry-picking to " + ", ".join(f"`{target}`" for target in targets)
