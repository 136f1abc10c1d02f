"""`CherryPickTask`: the facts of one cherry-pick job, kept in the job's ledger spec so a resumed job runs
the same cherry-pick (`checks.md` §6.4)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

CHERRY_PICK_JOB_KIND = "cherry-pick"


@dataclass(frozen=True)
class CherryPickTask:
    """The original PR (number, title, author, URL, head, source branch, merge commit) and the target."""

    number: int
    title: str
    author: str
    html_url: str
    head_ref: str
    head_sha: str
    source_branch: str
    merge_commit_sha: str
    target: str

    def to_spec(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> CherryPickTask:
        return cls(**spec)
